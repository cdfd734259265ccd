"""Fixtures of the hostile corpus: the files are generated once per session, in a temp folder."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location("hostile_make_corpus",
                                               Path(__file__).with_name("make_corpus.py"))
assert _SPEC is not None and _SPEC.loader is not None
make_corpus = importlib.util.module_from_spec(_SPEC)
sys.modules["hostile_make_corpus"] = make_corpus  # tests import it by this name
_SPEC.loader.exec_module(make_corpus)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{key: path}`` of every file of ``make_corpus.CORPUS``."""
    return make_corpus.make_corpus(tmp_path_factory.mktemp("hostile_corpus"))
