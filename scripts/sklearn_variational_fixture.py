#!/usr/bin/env python3
"""Writes tests/fixtures/sklearn_bgmm.json: scikit-learn's BayesianGaussianMixture, as an
independent reference for tests/sklearn_variational.rs.

Run by hand (not in CI), from the repository root:

    .venv/bin/python scripts/sklearn_variational_fixture.py

For each data set, covariance type (full, diag, spherical, tied) and weight prior (Dirichlet
process, Dirichlet distribution), the start is the responsibilities of a given Gaussian mixture
(its E-step: scikit-learn's `predict_proba` with the start's parameters), then one variational
M-step (scikit-learn's `_initialize`), then N_ITER iterations of scikit-learn's own loop
(`_e_step`, `_m_step`, `_compute_lower_bound`), recording each iteration's lower bound and the
final posterior, priors, `weights_`, `score_samples` and `predict_proba` of the first rows. One
case gives every prior setting by hand; the others take scikit-learn's defaults.
"""
import json

import numpy as np
import sklearn
from sklearn.mixture import BayesianGaussianMixture, GaussianMixture

N_ITER = 12
KINDS = ("full", "diag", "spherical", "tied")
PRIORS = ("dirichlet_process", "dirichlet_distribution")


def compact(covs, kind):
    if kind == "full":
        return covs
    if kind == "diag":
        return np.stack([np.diag(c) for c in covs])
    if kind == "spherical":
        return np.array([np.diag(c).mean() for c in covs])
    return covs.mean(axis=0)


def precisions_cholesky(cov, kind):
    if kind in ("diag", "spherical"):
        return 1.0 / np.sqrt(cov)
    if kind == "tied":
        return np.linalg.cholesky(np.linalg.inv(cov))
    return np.stack([np.linalg.cholesky(np.linalg.inv(c)) for c in cov])


def start_responsibilities(x, weights, means, cov, kind):
    gm = GaussianMixture(n_components=len(weights), covariance_type=kind)
    gm.weights_, gm.means_, gm.covariances_ = weights, means, cov
    gm.precisions_cholesky_ = precisions_cholesky(cov, kind)
    return gm.predict_proba(x)


def run(x, k, kind, prior_type, start, settings):
    bgmm = BayesianGaussianMixture(
        n_components=k, covariance_type=kind, weight_concentration_prior_type=prior_type, **settings
    )
    bgmm._check_parameters(x)
    bgmm._initialize(x, start_responsibilities(x, *start, kind))
    bounds = []
    for _ in range(N_ITER):
        log_prob_norm, log_resp = bgmm._e_step(x)
        bgmm._m_step(x, log_resp)
        bounds.append(float(np.squeeze(bgmm._compute_lower_bound(log_resp, log_prob_norm))))
    bgmm._set_parameters(bgmm._get_parameters())  # weights_ and precisions_, as fit ends
    wc = bgmm.weight_concentration_
    return {
        "lower_bounds": bounds,
        "weight_concentration": np.concatenate(wc).tolist() if isinstance(wc, tuple) else wc.tolist(),
        "mean_precision": bgmm.mean_precision_.tolist(),
        "degrees_of_freedom": np.atleast_1d(bgmm.degrees_of_freedom_).tolist(),
        "means": bgmm.means_.tolist(),
        "covariances": np.ravel(bgmm.covariances_).tolist(),
        "weights": bgmm.weights_.tolist(),
        "mean_prior": bgmm.mean_prior_.tolist(),
        "covariance_prior": np.ravel(bgmm.covariance_prior_).tolist(),
        "degrees_of_freedom_prior": float(bgmm.degrees_of_freedom_prior_),
        "mean_precision_prior": float(bgmm.mean_precision_prior_),
        "weight_concentration_prior": float(bgmm.weight_concentration_prior_),
        "score_samples_first_10": bgmm.score_samples(x[:10]).tolist(),
        "predict_proba_first_10": bgmm.predict_proba(x[:10]).tolist(),
    }


def make_case(name, rng, n, true_means, scale, k, settings_for=None):
    d = true_means.shape[1]
    labels = rng.integers(len(true_means), size=n)
    x = true_means[labels] + scale * rng.standard_normal((n, d))
    start_means = x[rng.choice(n, size=k, replace=False)] + 0.1 * rng.standard_normal((k, d))
    start_covs = np.stack([np.cov(x.T) * 0.5 + 0.05 * np.eye(d) for _ in range(k)])
    start_weights = np.full(k, 1.0 / k)
    kinds = {}
    for kind in KINDS:
        start_cov = compact(start_covs, kind)
        settings = settings_for(kind, x) if settings_for else {}
        kinds[kind] = {
            "start_covariances": np.ravel(start_cov).tolist(),
            "settings": {key: np.ravel(v).tolist() if np.ndim(v) else v for key, v in settings.items()},
            "priors": {
                prior: run(x, k, kind, prior, (start_weights, start_means, start_cov), settings)
                for prior in PRIORS
            },
        }
    return {
        "name": name,
        "n_iter": N_ITER,
        "data": x.tolist(),
        "start": {"weights": start_weights.tolist(), "means": start_means.tolist()},
        "covariance_types": kinds,
    }


def given_settings(kind, x):
    d = x.shape[1]
    cov = {
        "full": np.cov(x.T) * 0.3 + 0.1 * np.eye(d),
        "tied": np.cov(x.T) * 0.3 + 0.1 * np.eye(d),
        "diag": np.var(x, axis=0) * 0.7,
        "spherical": 0.8,
    }[kind]
    return {
        "weight_concentration_prior": 0.05,
        "mean_precision_prior": 0.3,
        "mean_prior": x.mean(axis=0) + 0.5,
        "degrees_of_freedom_prior": d + 1.5,
        "covariance_prior": cov,
        "reg_covar": 1e-5,
    }


def main():
    rng = np.random.default_rng(20261207)
    centres3 = np.array([[0.0, 0.0, 0.0], [4.0, 1.0, -2.0], [-3.0, 5.0, 1.0]])
    cases = [
        make_case("three_blobs_k6", rng, 300, centres3, 1.0, 6),
        make_case("far_from_origin_k4", rng, 200, centres3 * 3 + 1000.0, 2.0, 4),
        make_case("given_priors_k5", rng, 250, centres3[:, :2], 0.8, 5, given_settings),
    ]
    fixture = {"sklearn_version": sklearn.__version__, "cases": cases}
    with open("tests/fixtures/sklearn_bgmm.json", "w") as f:
        json.dump(fixture, f)


if __name__ == "__main__":
    main()
