"""scikit-learn's own estimator checks, for the three estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from mixture_em import BernoulliMixture, ExponentialMixture, GaussianMixture


@parametrize_with_checks(
    [GaussianMixture(), BernoulliMixture(), ExponentialMixture()],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
