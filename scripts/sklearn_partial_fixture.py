#!/usr/bin/env python3
"""Writes tests/fixtures/sklearn_partial.json: scikit-learn's GaussianMixture started from
*partial* starts (only some of weights_init, means_init, precisions_init given; the rest from its
k-means initialisation), as the reference for tests/sklearn_partial.rs.

Run by hand (not in CI), from the repository root:

    python3 -m venv .venv && .venv/bin/pip install numpy scikit-learn
    .venv/bin/python scripts/sklearn_partial_fixture.py

The data are three well-separated 2-D blobs of 60, 100 and 140 rows, so that every k-means finds
the same partition; only the order of its clusters is arbitrary. The given parts are the same for
every component (uniform weights, one mean for all, identity precisions), so the fit does not
depend on that order either, and the test compares components sorted by (weight, mean). Each case
records the given parts and scikit-learn's weights, means and covariances after 0, 1 and 5
iterations (tol 0) for every covariance type (not 0 when precisions are given: scikit-learn 1.9's
fit then raises AttributeError for want of covariances_).
"""
import json
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

K, D = 3, 2
REG_COVAR = 1e-6
ITERATIONS = (0, 1, 5)


def blobs(rng):
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    covs = np.array([[[1.0, 0.3], [0.3, 0.5]], [[0.4, 0.0], [0.0, 1.5]], [[2.0, -0.5], [-0.5, 1.0]]])
    rows = [rng.multivariate_normal(centres[c], covs[c], size=n) for c, n in enumerate((60, 100, 140))]
    x = np.vstack(rows)
    return x[rng.permutation(len(x))]


def given_parts(kind):
    identity = {"full": np.tile(np.eye(D), (K, 1, 1)), "tied": np.eye(D),
                "diag": np.ones((K, D)), "spherical": np.ones(K)}[kind]
    return {
        "weights": np.full(K, 1.0 / K),
        "means": np.tile([3.0, 3.0], (K, 1)),
        "covariances": identity,  # identity precisions are identity covariances
    }


def main():
    rng = np.random.default_rng(20261126)
    x = blobs(rng)
    cases = []
    for kind in ("full", "diag", "spherical", "tied"):
        parts = given_parts(kind)
        for taking in (["weights"], ["means"], ["covariances"], ["weights", "covariances"]):
            results = []
            for max_iter in ITERATIONS:
                if max_iter == 0 and "covariances" in taking:
                    # scikit-learn 1.9 cannot return this start: with precisions_init and
                    # max_iter=0 its fit raises AttributeError (no covariances_).
                    continue
                gm = GaussianMixture(
                    n_components=K,
                    covariance_type=kind,
                    reg_covar=REG_COVAR,
                    tol=0.0,
                    max_iter=max_iter,
                    init_params="kmeans",
                    random_state=0,
                    weights_init=parts["weights"] if "weights" in taking else None,
                    means_init=parts["means"] if "means" in taking else None,
                    precisions_init=parts["covariances"] if "covariances" in taking else None,
                )
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    gm.fit(x)
                results.append({
                    "max_iter": max_iter,
                    "weights": gm.weights_.tolist(),
                    "means": gm.means_.tolist(),
                    "covariances": np.ravel(gm.covariances_).tolist(),
                })
            cases.append({
                "covariance": kind,
                "taking": taking,
                "given": {
                    "weights": parts["weights"].tolist(),
                    "means": parts["means"].tolist(),
                    "covariances": np.ravel(parts["covariances"]).tolist(),
                },
                "results": results,
            })
    fixture = {
        "sklearn_version": sklearn.__version__,
        "reg_covar": REG_COVAR,
        "x": x.tolist(),
        "cases": cases,
    }
    with open("tests/fixtures/sklearn_partial.json", "w") as f:
        json.dump(fixture, f)
        f.write("\n")
    print(f"wrote {len(cases)} cases, scikit-learn {sklearn.__version__}")


if __name__ == "__main__":
    main()
