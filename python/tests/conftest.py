import numpy as np
import pytest


def blobs(n_per=200, d=2, k=3, seed=0, dtype=np.float64):
    """k well-separated Gaussian blobs, shuffled."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 5, (k, d))
    X = np.vstack([rng.normal(c, 1.0, (n_per, d)) for c in centres])
    return rng.permutation(X).astype(dtype)


@pytest.fixture
def X():
    return blobs()
