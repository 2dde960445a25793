"""ngc-learn's interface: construction, init, fit with its trace, log-likelihoods, sampling."""

import re

import numpy as np
import pytest

from mixture_em.ngclearn import BernoulliMixture, ExponentialMixture, GaussianMixture

from conftest import blobs


def test_fit_prints_ngclearns_trace_and_stops_on_the_mean_shift(capsys):
    X = blobs(seed=1).astype(np.float32)
    model = GaussianMixture(K=3, max_iter=100, key=7)
    model.init(X)
    model.fit(X, tol=1e-3, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    trace = [l for l in lines if re.fullmatch(r"\d+: Mean-diff = \S+ log\(p\(X\)\) = \S+ nats", l)]
    assert len(trace) == len(lines) - 1
    assert lines[-1] == f"Converged after {len(trace)} iterations."
    shifts = [float(l.split()[3]) for l in trace]
    assert shifts[-1] < 1e-3 <= min(shifts[:-1])
    per_row, total = model.calc_log_likelihood(X)
    assert per_row.shape == (X.shape[0], 1) and per_row.dtype == np.float32
    assert total == pytest.approx(float(np.sum(per_row.astype(np.float64))), rel=1e-6)
    assert len(model.mu) == 3 and model.mu[0].shape == (1, 2)
    assert model.Sigma[0].shape == (2, 2) and model.pi.shape == (1, 3)
    assert model.pi.sum() == pytest.approx(1.0)


def test_quiet_fit_says_only_that_it_converged(capsys):
    X = blobs(seed=2)
    model = GaussianMixture(3, max_iter=500, key=1)
    model.fit(X)  # init on first fit
    assert re.fullmatch(r"Converged after \d+ iterations\.\n", capsys.readouterr().out)


def test_keys_give_reproducible_draws_and_jax_keys_work():
    X = blobs(seed=3)
    a, b = GaussianMixture(3, key=5), GaussianMixture(3, key=5)
    a.fit(X)
    b.fit(X)
    first = a.sample(50)
    assert np.array_equal(first, b.sample(50))
    assert not np.array_equal(first, a.sample(50))  # every draw advances the key
    assert a.sample(20, mode_j=1).shape == (20, 2)
    jax = pytest.importorskip("jax")
    key = jax.random.PRNGKey(69)
    _, sub = jax.random.split(key)
    m = GaussianMixture(3, key=sub)
    m.fit(X)
    again = GaussianMixture(3, key=np.asarray(sub))
    again.fit(X)
    assert np.array_equal(m.sample(10), again.sample(10))
    typed = GaussianMixture(3, key=jax.random.key(69))
    typed.fit(X)
    with pytest.raises(ValueError, match="key"):
        GaussianMixture(3, key="sixty-nine")


def test_diagonal_bernoulli_and_exponential(capsys):
    X = blobs(seed=4)
    diag = GaussianMixture(3, assume_diag_cov=True, key=0)
    diag.fit(X)
    assert np.count_nonzero(diag.Sigma[0] - np.diag(np.diag(diag.Sigma[0]))) == 0
    bits = (blobs(d=8, seed=5) > 0).astype(np.float64)
    bern = BernoulliMixture(3, key=0)
    bern.fit(bits)
    assert len(bern.p) == 3 and np.all((bern.p[0] >= 0) & (bern.p[0] <= 1))
    assert set(np.unique(bern.sample(30))) <= {0.0, 1.0}
    times = np.abs(blobs(d=2, seed=6))
    expo = ExponentialMixture(2, key=0)
    expo.fit(times, verbose=True)
    assert np.all(expo.sample(30) >= 0) and len(expo.rate) == 2
    _, total = expo.calc_log_likelihood(times)
    assert np.isfinite(total)


def test_use_before_init_is_a_clear_error():
    with pytest.raises(ValueError, match="init"):
        GaussianMixture(2).sample(5)
    with pytest.raises(ValueError, match="K"):
        GaussianMixture(0)
