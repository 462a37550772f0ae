"""The one kind of per-process cache Amicus keeps: bounded, least recently used first out.

cachetools' ``LRUCache`` behind a lock, since a gunicorn worker's threads share it. Only what is
derived and read-only goes in one, under a key that changes when what it was made from changes
(see courses/structure.py and training/templating.py), so no worker can serve a stale entry and
none needs another's cache.
"""
from __future__ import annotations

import threading
from collections.abc import Hashable

from cachetools import LRUCache


class BoundedCache:
    """``get`` (None when absent), ``put`` and ``clear``, safe across threads."""

    def __init__(self, size: int) -> None:
        self._entries: LRUCache = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, key: Hashable):
        with self._lock:
            return self._entries.get(key)

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            self._entries[key] = value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
