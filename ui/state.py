"""The dataset the running app serves, reloaded when its files change (e.g. after an import)."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from data.dataset import Dataset

__all__ = ["AppState"]


class AppState:
    """Holds one loaded :class:`Dataset` and the pages built from it, keyed by data version."""

    def __init__(self, data_dir: Path, *, dataset: Dataset | None = None) -> None:
        """``dataset``: already loaded from ``data_dir`` (saves loading it twice at start)."""
        self.data_dir = Path(data_dir)
        self._lock = threading.Lock()
        self._dataset: Dataset | None = dataset
        self._version = self._fingerprint() if dataset is not None else ""
        self.cache: dict[tuple, object] = {}
        self.tiles: Any = None
        """Optional :class:`layers.map.TileSource` drawn under the map (None: offline basemap)."""

    def _fingerprint(self) -> str:
        parts = []
        for path in sorted(self.data_dir.glob("*")):
            if path.suffix in {".gpkg", ".tif", ".json"} and not path.name.startswith("."):
                st = path.stat()
                parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
        return hashlib.sha1("|".join(parts).encode()).hexdigest()[:12]

    @property
    def version(self) -> str:
        self.dataset  # noqa: B018 - refresh if needed
        return self._version

    @property
    def dataset(self) -> Dataset:
        fingerprint = self._fingerprint()
        with self._lock:
            if self._dataset is None or fingerprint != self._version:
                self._dataset = Dataset.load(self.data_dir)
                self._version = fingerprint
                self.cache.clear()
            return self._dataset

    def cached(self, key: tuple, build):
        """``build()`` once per data version and ``key``."""
        version = self.version
        full = (version, *key)
        with self._lock:
            if full in self.cache:
                return self.cache[full]
        value = build()
        with self._lock:
            self.cache[full] = value
        return value
