"""Shared fixtures: a small generated sample dataset, made once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

SMALL_SAMPLE_SEED = 7
SMALL_SAMPLE_ENTERPRISES = 2_000


@pytest.fixture(scope="session")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete synthetic sample folder (seed 7, 2,000 enterprises); treat it as read-only."""
    from data.sample import generate_sample

    root = tmp_path_factory.mktemp("small_sample")
    return generate_sample(root, seed=SMALL_SAMPLE_SEED, n_enterprises=SMALL_SAMPLE_ENTERPRISES,
                           quiet=True)
