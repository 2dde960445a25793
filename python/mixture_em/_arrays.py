"""Inputs as the engine takes them: 2-D, float32 or float64, C order, aligned, at most one
copy."""

import numbers
import os
from typing import Any, Optional

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def as_rows(X: Any, dtype: Optional[np.dtype] = None, name: str = "X") -> np.ndarray:
    """``X`` (numpy, list, pandas, JAX, ...) as a C-ordered 2-D float array.

    Float32 and float64 arrays keep their dtype unless ``dtype`` asks for another; anything else
    becomes float64. C-ordered arrays of the right dtype are returned as they are (no copy).
    Finiteness is checked by the engine, which names the row and column.
    """
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):  # pandas
        X = X.to_numpy()
    array = np.asarray(X)
    if array.dtype.kind == "c":
        raise ValueError(f"{name}: complex data are not supported")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected numbers, got an array of dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(
            f"{name}: expected a 2-D array (rows × features), got {array.ndim}-D of shape "
            f"{array.shape}; reshape it with X.reshape(-1, 1) for one feature or "
            "X.reshape(1, -1) for one row"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name}: 0 rows (shape {array.shape}); give at least one row")
    if array.shape[1] == 0:
        raise ValueError(f"{name}: 0 features (shape {array.shape}); give at least one column")
    target = np.dtype(dtype) if dtype is not None else (
        array.dtype if array.dtype in FLOAT_DTYPES else np.dtype(np.float64)
    )
    return as_engine_array(array, target)


def as_weights(sample_weight: Any, n_rows: int) -> Optional[np.ndarray]:
    """Sample weights as a contiguous float64 vector of one weight per row (or None)."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.ndim == 0:
        w = np.full(n_rows, float(w))
    if w.ndim != 1 or w.shape[0] != n_rows:
        raise ValueError(
            f"sample_weight has shape {w.shape} but X has {n_rows} rows; pass one weight per row"
        )
    return as_engine_array(w, np.dtype(np.float64))


def as_engine_array(a: np.ndarray, dtype: Optional[np.dtype] = None) -> np.ndarray:
    """``a`` C-ordered and aligned (arrays received over a network may not be), copied only
    if it is not."""
    return np.require(a, dtype=dtype, requirements="CA")


def seed_from(key: Any) -> int:
    """A 64-bit seed from an int, a JAX PRNG key (a length-2 uint32 array, or a typed key),
    a numpy ``RandomState``/``Generator``, or ``None`` (fresh entropy)."""
    if key is None:
        return int.from_bytes(os.urandom(8), "little")
    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        return int(key) % (1 << 64)
    if isinstance(key, np.random.RandomState):
        return int(key.randint(np.iinfo(np.int64).max, dtype=np.int64))
    if isinstance(key, np.random.Generator):
        return int(key.integers(np.iinfo(np.int64).max, dtype=np.int64))
    dtype = getattr(key, "dtype", None)
    if dtype is not None and str(dtype).startswith("key<"):
        # A typed JAX key: JAX is imported already, since the key exists.
        import sys

        key = sys.modules["jax"].random.key_data(key)
    words = np.asarray(key)
    if words.dtype.kind in "ui" and words.ndim == 1 and words.size == 2:
        hi, lo = (int(v) & 0xFFFFFFFF for v in words)
        return (hi << 32) | lo
    raise ValueError(
        f"key {key!r}: use an int seed, a JAX PRNG key (two uint32 words) or None"
    )
