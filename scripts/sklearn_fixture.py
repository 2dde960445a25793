#!/usr/bin/env python3
"""Writes tests/fixtures/sklearn_gmm.json: scikit-learn's GaussianMixture (full covariance,
reg_covar 1e-6, tol 0) run for 10 E-M iterations from a given start, as an independent reference
for tests/sklearn_conformance.rs.

Run by hand (not in CI), from the repository root:

    python3 -m venv .venv && .venv/bin/pip install numpy scikit-learn
    .venv/bin/python scripts/sklearn_fixture.py

Each case records the data, the starting weights and means and, for each covariance type
(full, diag, spherical, tied), the starting covariances in sklearn's compact form (flattened),
sklearn's per-iteration mean log-likelihood (its `lower_bound_` after i iterations, i = 1..10, which is the mean
log-likelihood of the parameters *entering* iteration i), and its parameters after 10
iterations.
"""
import json
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

N_ITER = 10
REG_COVAR = 1e-6


def compact(covs, kind):
    """Full (K, D, D) covariances in scikit-learn's form for `kind`."""
    if kind == "full":
        return covs
    if kind == "diag":
        return np.stack([np.diag(c) for c in covs])
    if kind == "spherical":
        return np.array([np.diag(c).mean() for c in covs])
    return covs.mean(axis=0)  # tied


def precisions(cov, kind):
    if kind in ("diag", "spherical"):
        return 1.0 / cov
    return np.linalg.inv(cov)


def make_case(name, rng, n, means, covs, weights):
    k, d = means.shape
    labels = rng.choice(k, size=n, p=weights)
    x = np.stack([rng.multivariate_normal(means[l], covs[l]) for l in labels])
    # A deliberately rough start so that 10 iterations move the parameters a lot.
    start_means = x[rng.choice(n, size=k, replace=False)] + 0.1 * rng.standard_normal((k, d))
    start_covs = np.stack([np.cov(x.T) * 0.5 + 0.05 * np.eye(d) for _ in range(k)])
    start_weights = np.full(k, 1.0 / k)
    kinds = {}
    for kind in ("full", "diag", "spherical", "tied"):
        start_cov = compact(start_covs, kind)

        def run(max_iter):
            gm = GaussianMixture(
                n_components=k,
                covariance_type=kind,
                tol=0.0,
                reg_covar=REG_COVAR,
                max_iter=max_iter,
                weights_init=start_weights,
                means_init=start_means,
                precisions_init=precisions(start_cov, kind),
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                gm.fit(x)
            return gm

        trace = [run(i).lower_bound_ for i in range(1, N_ITER + 1)]
        final = run(N_ITER)
        kinds[kind] = {
            "start_covariances": np.ravel(start_cov).tolist(),
            "mean_log_likelihood_per_iteration": trace,
            "final": {
                "weights": final.weights_.tolist(),
                "means": final.means_.tolist(),
                "covariances": np.ravel(final.covariances_).tolist(),
                "mean_log_likelihood": float(final.score(x)),
                "bic": float(final.bic(x)),
                "aic": float(final.aic(x)),
                "score_samples_first_10": final.score_samples(x[:10]).tolist(),
                "predict_proba_first_10": final.predict_proba(x[:10]).tolist(),
            },
        }
    return {
        "name": name,
        "n_iter": N_ITER,
        "reg_covar": REG_COVAR,
        "data": x.tolist(),
        "start": {"weights": start_weights.tolist(), "means": start_means.tolist()},
        "covariance_types": kinds,
    }


def main():
    rng = np.random.default_rng(20261126)
    cases = []
    # The lesson's three blobs.
    s = 0.3
    means = np.array([[2.1, 3.2], [-2.8, 2.0], [1.2, -2.7]]) * s
    covs = np.stack([np.eye(2) * v * s * 0.5 for v in (0.78, 0.52, 1.2)])
    cases.append(make_case("lesson_2d", rng, 600, means, covs, np.full(3, 1 / 3)))
    # Overlapping, correlated components in 5-D.
    d, k = 5, 4
    means = rng.standard_normal((k, d)) * 2.0
    covs = []
    for _ in range(k):
        g = rng.standard_normal((d, d))
        covs.append(g @ g.T / d + 0.3 * np.eye(d))
    cases.append(make_case("correlated_5d", rng, 800, means, np.stack(covs), np.array([0.4, 0.3, 0.2, 0.1])))
    out = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__, "cases": cases}
    with open("tests/fixtures/sklearn_gmm.json", "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote tests/fixtures/sklearn_gmm.json with {len(cases)} cases (sklearn {sklearn.__version__})")


if __name__ == "__main__":
    main()
