"""scikit-learn's own estimator checks, for every family's estimator."""

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import FAMILIES
from mixture_em import (
    BayesianBernoulliMixture,
    BayesianExponentialMixture,
    BayesianGaussianMixture,
    PoissonMixture,
)


class CountsPoissonMixture(PoissonMixture):
    """``PoissonMixture`` on scikit-learn's check data made counts (3·x rounded down: the checks
    feed continuous data, which the Poisson family refuses). Negative values, NaN and
    infinities stay, so the checks still see them refused; everything else is the estimator's."""

    def _to_domain(self, X: np.ndarray) -> np.ndarray:
        X = super()._to_domain(X)
        finite = np.isfinite(X)
        return np.where(finite, np.floor(3 * np.where(finite, X, 0)), X).astype(X.dtype)


# The estimator each family's checks run on.
CHECKED = {"poisson": CountsPoissonMixture}


@parametrize_with_checks(
    [CHECKED.get(name, cls)() for name, cls, _ in FAMILIES]
    + [BayesianGaussianMixture(), BayesianBernoulliMixture(), BayesianExponentialMixture()],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
