#!/usr/bin/env python3
"""Writes tests/fixtures/numpy_bern_exp.json: Bernoulli, exponential and Poisson mixtures fitted
by an independent plain-numpy, log-space E-M from a given start (ln x! from SciPy's gammaln), as
the reference for tests/bern_exp_conformance.rs.

Run by hand (not in CI), from the repository root:

    python3 -m venv .venv && .venv/bin/pip install numpy scipy
    .venv/bin/python scripts/numpy_em_fixture.py

Conventions shared with the library (and documented there): Bernoulli probabilities are clamped
to [1e-10, 1 - 1e-10] after each M-step; exponential means 1/rate are floored at 1e-10; Poisson
rates are floored at 1e-10. Each case
records the per-iteration mean log-likelihood of the parameters entering that iteration and the
parameters after N_ITER iterations.
"""
import json

import numpy as np
from scipy.special import gammaln

N_ITER = 15
EPS = 1e-10
MIN_MEAN = 1e-10
MIN_RATE = 1e-10


def logsumexp(a):
    m = a.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=1, keepdims=True)))[:, 0]


def bernoulli_log_dens(x, p):
    return x @ np.log(p).T + (1 - x) @ np.log1p(-p).T


def exponential_log_dens(x, rates):
    return np.log(rates).sum(axis=1)[None, :] - x @ rates.T


def poisson_log_dens(x, rates):
    return x @ np.log(rates).T - rates.sum(axis=1)[None, :] - gammaln(x + 1).sum(axis=1)[:, None]


def em(x, weights, params, log_dens, m_step):
    trace = []
    for _ in range(N_ITER):
        joint = log_dens(x, params) + np.log(weights)[None, :]
        lse = logsumexp(joint)
        trace.append(float(lse.mean()))
        resp = np.exp(joint - lse[:, None])
        nk = resp.sum(axis=0)
        weights = nk / nk.sum()
        params = m_step(resp.T @ x, nk)
    final = float(logsumexp(log_dens(x, params) + np.log(weights)[None, :]).mean())
    return weights, params, trace, final


def bernoulli_case(rng):
    k, d, n = 4, 30, 700
    protos = rng.random((k, d)) < 0.5
    labels = rng.choice(k, size=n, p=[0.4, 0.3, 0.2, 0.1])
    flips = rng.random((n, d)) < 0.15
    x = (protos[labels] ^ flips).astype(float)
    x[:, 0] = 0.0  # an all-zero column
    x[:, 1] = 1.0  # an all-one column
    x[:5, 2] = 0.5  # soft values are allowed
    start_p = np.clip(rng.random((k, d)) * 0.6 + 0.2, EPS, 1 - EPS)
    start_w = np.full(k, 1.0 / k)
    m_step = lambda s, nk: np.clip(s / nk[:, None], EPS, 1 - EPS)
    w, p, trace, final = em(x, start_w, start_p, bernoulli_log_dens, m_step)
    return {"family": "bernoulli", "n_iter": N_ITER, "data": x.tolist(),
            "start": {"weights": start_w.tolist(), "params": start_p.tolist()},
            "mean_log_likelihood_per_iteration": trace,
            "final": {"weights": w.tolist(), "params": p.tolist(), "mean_log_likelihood": final}}


def exponential_case(rng):
    k, d, n = 3, 3, 900
    rates = np.array([[0.5, 5.0, 1e3], [10.0, 0.2, 1.0], [2.0, 2.0, 1e-3]])
    labels = rng.choice(k, size=n, p=[0.5, 0.3, 0.2])
    x = rng.exponential(1.0 / rates[labels])
    x[:7, 0] = 0.0  # exact zeros are in the domain
    start_r = 1.0 / (x[rng.choice(n, size=k, replace=False)] + 0.5)
    start_w = np.full(k, 1.0 / k)
    m_step = lambda s, nk: 1.0 / np.maximum(s / nk[:, None], MIN_MEAN)
    w, r, trace, final = em(x, start_w, start_r, exponential_log_dens, m_step)
    return {"family": "exponential", "n_iter": N_ITER, "data": x.tolist(),
            "start": {"weights": start_w.tolist(), "params": start_r.tolist()},
            "mean_log_likelihood_per_iteration": trace,
            "final": {"weights": w.tolist(), "params": r.tolist(), "mean_log_likelihood": final}}


def poisson_case(rng):
    k, d, n = 3, 4, 800
    rates = np.array([[0.5, 6.0, 30.0, 0.0], [9.0, 1.0, 2.0, 0.0], [3.0, 3.0, 200.0, 4.0]])
    labels = rng.choice(k, size=n, p=[0.5, 0.3, 0.2])
    x = rng.poisson(rates[labels]).astype(float)  # column 3 is 0 in two components
    start_r = x[rng.choice(n, size=k, replace=False)] + 0.5
    start_w = np.full(k, 1.0 / k)
    m_step = lambda s, nk: np.maximum(s / nk[:, None], MIN_RATE)
    w, r, trace, final = em(x, start_w, start_r, poisson_log_dens, m_step)
    return {"family": "poisson", "n_iter": N_ITER, "data": x.tolist(),
            "start": {"weights": start_w.tolist(), "params": start_r.tolist()},
            "mean_log_likelihood_per_iteration": trace,
            "final": {"weights": w.tolist(), "params": r.tolist(), "mean_log_likelihood": final}}


def main():
    rng = np.random.default_rng(7)
    out = {"numpy_version": np.__version__, "cases": [bernoulli_case(rng), exponential_case(rng), poisson_case(rng)]}
    with open("tests/fixtures/numpy_bern_exp.json", "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    for c in out["cases"]:
        print(c["family"], c["mean_log_likelihood_per_iteration"][0], c["mean_log_likelihood_per_iteration"][-1])


if __name__ == "__main__":
    main()
