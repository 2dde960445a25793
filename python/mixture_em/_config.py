"""How many threads the engine uses (by default all cores). Results do not depend on it."""

from contextlib import contextmanager
from typing import Iterator, Optional

_num_threads: Optional[int] = None


def set_num_threads(n: Optional[int]) -> None:
    """Uses ``n`` threads for every later call (``None``: all cores)."""
    global _num_threads
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"number of threads {n!r}: use a positive integer, or None for all cores")
    _num_threads = n


def get_num_threads() -> Optional[int]:
    """The number of threads set by :func:`set_num_threads` (``None``: all cores)."""
    return _num_threads


@contextmanager
def num_threads(n: Optional[int]) -> Iterator[None]:
    """Uses ``n`` threads inside a ``with`` block."""
    before = _num_threads
    set_num_threads(n)
    try:
        yield
    finally:
        set_num_threads(before)
