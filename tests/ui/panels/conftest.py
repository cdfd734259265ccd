"""Fixtures shared by the panel tests."""

import pytest

from ui.state import AppState


@pytest.fixture(scope="module")
def state(small_sample):
    """The app state on the small sample (read-only)."""
    return AppState(small_sample)
