"""training.caches.BoundedCache: the one kind of per-process cache."""
from __future__ import annotations

import threading

from training.caches import BoundedCache


def test_the_least_recently_used_entry_goes_first():
    cache = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the more recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2
    cache.clear()
    assert cache.get("a") is None and len(cache) == 0


def test_threads_sharing_it_never_see_it_over_its_size_or_broken():
    cache = BoundedCache(50)
    errors = []

    def work(offset: int) -> None:
        try:
            for i in range(2000):
                cache.put((offset, i), i)
                value = cache.get((offset, i - 1))
                assert value is None or value == i - 1
        except Exception as error:  # reported below, from the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(cache) == 50
