import numpy as np
import pytest

from mixture_em import BernoulliMixture, ExponentialMixture, GaussianMixture, PoissonMixture


def blobs(n_per=200, d=2, k=3, seed=0, dtype=np.float64):
    """k well-separated Gaussian blobs, shuffled."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 5, (k, d))
    X = np.vstack([rng.normal(c, 1.0, (n_per, d)) for c in centres])
    return rng.permutation(X).astype(dtype)


@pytest.fixture
def X():
    return blobs()


def binary(**kw):
    """Binary codes: blobs thresholded at 0."""
    return (blobs(**kw) > 0).astype(np.float64)


def positive(**kw):
    """Non-negative features: blobs' absolute values."""
    return np.abs(blobs(**kw))


def counts(**kw):
    """Counts: blobs' absolute values times 3, rounded down."""
    return np.floor(3 * np.abs(blobs(**kw)))


# Every family: its name in the engine's registry, its estimator class and data of its domain
# (a function taking blobs' keywords). Tests that hold for every family go through this list;
# test_family_settings checks that it names every family the engine registers.
FAMILIES = [
    ("gaussian", GaussianMixture, blobs),
    ("bernoulli", BernoulliMixture, binary),
    ("exponential", ExponentialMixture, positive),
    ("poisson", PoissonMixture, counts),
]
