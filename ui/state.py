"""The dataset the running app serves, reloaded when its store changes (e.g. after an import).

One :class:`AppState` per worker process. What must be shared between workers lives in the
store: the data version (:meth:`data.store.Store.data_version`, read on every request, so an
import or an undo made through another worker is seen on the next request), incidents, users,
sessions (signed cookies with the store's key). What is kept here is only a cache of what can
be rebuilt from the store, bounded in size (:class:`BoundedCache`).

A user limited to some districts sees a :meth:`data.dataset.Dataset.restricted` view: the
``scope`` hook (set by :mod:`ui.auth`) tells which districts the current request may see, and
:attr:`AppState.dataset` and :meth:`AppState.cached` key everything by it.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from data.dataset import Dataset
from data.store import FileStore, Store
from data.sysdb import StoreUnavailable

__all__ = ["AppState", "BoundedCache", "CACHE_ITEMS", "request_scope"]

log = logging.getLogger(__name__)

_REQUEST_VERSIONS: contextvars.ContextVar[dict[int, str] | None] = contextvars.ContextVar(
    "riskmap_request_versions", default=None)
"""Inside :func:`request_scope`: the data version each :class:`AppState` read for this request."""


@contextmanager
def request_scope() -> Iterator[None]:
    """Read each store's data version once for the duration of the block (one web request).

    Outside such a block every :attr:`AppState.full_dataset` asks the store again (about
    0.25 ms on a file store: the records counter and a stat of each file); a request touches it
    several times, so :mod:`ui.wsgi` wraps every request in one. The version is still read
    fresh at the start of every request: a change made through another worker is seen on the
    next request.
    """
    token = _REQUEST_VERSIONS.set({})
    try:
        yield
    finally:
        _REQUEST_VERSIONS.reset(token)

CACHE_ITEMS = 48
"""Most results (map pages, zone grids, indexes …) one worker keeps; least recently used go."""


class BoundedCache:
    """A thread-safe LRU mapping of at most ``max_items`` entries."""

    def __init__(self, max_items: int = CACHE_ITEMS) -> None:
        self.max_items = max_items
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, default: object = None) -> object:
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def __contains__(self, key: tuple) -> bool:
        with self._lock:
            return key in self._items

    def put(self, key: tuple, value: object) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


_MISSING = object()


class AppState:
    """Holds one loaded :class:`Dataset` and the pages built from it, keyed by data version."""

    def __init__(self, data_dir: Path | str | Store, *, dataset: Dataset | None = None) -> None:
        """``data_dir``: a dataset folder or any :class:`data.store.Store`; ``dataset``: already
        loaded from it (saves loading it twice at start)."""
        self.store: Store = (data_dir if hasattr(data_dir, "read_layer")  # type: ignore[assignment]
                             else FileStore(Path(data_dir)))
        root = getattr(self.store, "root", None)
        self.data_dir: Path | None = Path(root) if root is not None else None
        """The dataset folder of a file store (``None`` for a database store)."""
        self._lock = threading.Lock()
        self._dataset: Dataset | None = dataset
        self._version = self.store.data_version() if dataset is not None else ""
        self.cache = BoundedCache()
        self.tiles: Any = None
        """Optional :class:`layers.map.TileSource` drawn under the map (None: offline basemap)."""
        self.scope: Callable[[], tuple[str, ...] | None] = lambda: None
        """The districts the current request may see (``None``: all); set by :mod:`ui.auth`."""

    @property
    def version(self) -> str:
        self.full_dataset  # noqa: B018 - refresh if needed
        return self._version

    def _fingerprint(self) -> str:
        """The store's data version (once per :func:`request_scope`). While the store cannot
        be reached, the dataset already loaded is served as it was (logged), rather than
        nothing; with none loaded yet the :class:`data.sysdb.StoreUnavailable` goes up."""
        memo = _REQUEST_VERSIONS.get()
        if memo is not None and id(self) in memo:
            return memo[id(self)]
        try:
            value = self.store.data_version()
        except StoreUnavailable as exc:
            if self._dataset is None:
                raise
            log.warning("store unavailable, serving data version %s as loaded: %s",
                        self._version, exc)
            value = self._version
        if memo is not None:
            memo[id(self)] = value
        return value

    @property
    def full_dataset(self) -> Dataset:
        """The whole dataset, whoever asks (reloaded when the store's data version changes)."""
        fingerprint = self._fingerprint()
        with self._lock:
            if self._dataset is None or fingerprint != self._version:
                self._dataset = Dataset.load(self.store)
                self._version = fingerprint
                self.cache.clear()
            return self._dataset

    @property
    def dataset(self) -> Dataset:
        """The dataset as the current request may see it: limited to the user's districts."""
        full = self.full_dataset
        districts = self.scope()
        if not districts:
            return full
        key = (self._version, "__scope__", districts)
        value = self.cache.get(key, _MISSING)
        if value is _MISSING:
            value = full.restricted(districts)
            self.cache.put(key, value)
        return value  # type: ignore[return-value]

    def cached(self, key: tuple, build):
        """``build()`` once per data version, district scope and ``key``."""
        version = self.version
        full = (version, self.scope(), *key)
        value = self.cache.get(full, _MISSING)
        if value is not _MISSING:
            return value
        value = build()
        self.cache.put(full, value)
        return value
