"""scikit-learn's own estimator checks, for the three estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import FAMILIES


@parametrize_with_checks(
    [cls() for _, cls, _ in FAMILIES],
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
