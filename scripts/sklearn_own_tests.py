#!/usr/bin/env python3
"""scikit-learn's own mixture tests, run against mixture_em the way a user would check a
drop-in: the installed scikit-learn's test files copied to a temporary directory with only the
import of each class mixture_em provides changed (``from sklearn.mixture import
GaussianMixture`` becomes ``from mixture_em import GaussianMixture``; a class mixture_em does
not have yet stays scikit-learn's), then pytest with scikit-learn's fixtures.

    python scripts/sklearn_own_tests.py [PYTEST ARGS...]

Tests that reach into scikit-learn's private internals are deselected by name, each with its
reason in ``PRIVATE`` below; every other test must pass. Exits with pytest's status.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import mixture_em
import sklearn

# The test files, and the mixture_em class each needs before it runs at all.
FILES = {
    "test_gaussian_mixture.py": "GaussianMixture",
    "test_mixture.py": "GaussianMixture",
    "test_bayesian_mixture.py": "BayesianGaussianMixture",
}

# Tests that exercise scikit-learn's private functions or mock its private methods: they test
# scikit-learn's internals, not the class's behaviour, so they cannot pass against another
# implementation. Keyed by file::test (a test's every parametrisation).
PRIVATE = {
    "test_gaussian_mixture.py::test_gaussian_mixture_precisions_init": (
        "calls the private GaussianMixture._set_parameters(tuple) and _initialize(X, resp) "
        "(precisions_init itself is checked by test_check_precisions and our own tests)"
    ),
    "test_gaussian_mixture.py::test_gaussian_mixture_all_init_does_not_estimate_gaussian_parameters": (
        "counts calls of the mocked private function "
        "sklearn.mixture._gaussian_mixture._estimate_gaussian_parameters, which our M-step "
        "(in Rust) never calls"
    ),
    "test_gaussian_mixture.py::test_gaussian_mixture_array_api_compliance": (
        "array API dispatch (array_api_strict, PyTorch arrays): we take NumPy arrays; skipped "
        "by scikit-learn too unless array-api-compat is installed"
    ),
    "test_gaussian_mixture.py::test_gaussian_mixture_raises_where_array_api_not_implemented": (
        "array API dispatch, as above"
    ),
    "test_bayesian_mixture.py::test_compare_covar_type": (
        "calls the private BayesianGaussianMixture._check_parameters(X) and "
        "_initialize_parameters(X, random_state) (the four covariance types' posteriors are "
        "checked against scikit-learn's by tests/sklearn_variational.rs)"
    ),
}

DESELECT_CONFTEST = """
PRIVATE = set({names!r})


def pytest_collection_modifyitems(config, items):
    chosen, deselected = [], []
    for item in items:
        name = item.nodeid.split("::")[0].split("/")[-1] + "::" + item.originalname
        (deselected if name in PRIVATE else chosen).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = chosen
"""

IMPORT = re.compile(r"^from sklearn\.mixture import \(?([\w\s,]+?)\)?$", re.MULTILINE)


def rewrite(source: str) -> str:
    """``source`` with each name imported from ``sklearn.mixture`` taken from mixture_em
    when mixture_em has it."""

    def one(match: re.Match) -> str:
        names = [n.strip() for n in match.group(1).split(",") if n.strip()]
        ours = [n for n in names if hasattr(mixture_em, n)]
        theirs = [n for n in names if n not in ours]
        lines = []
        if theirs:
            lines.append(f"from sklearn.mixture import {', '.join(theirs)}")
        if ours:
            lines.append(f"from mixture_em import {', '.join(ours)}")
        return "\n".join(lines)

    return IMPORT.sub(one, source)


def main(argv: list[str]) -> int:
    tests = Path(sklearn.__file__).parent / "mixture" / "tests"
    print(f"scikit-learn {sklearn.__version__}'s {tests}, against mixture_em {mixture_em.__file__}")
    with tempfile.TemporaryDirectory(prefix="sklearn-mixture-tests-") as work:
        chosen = []
        for name, needs in FILES.items():
            if not hasattr(mixture_em, needs):
                print(f"skipped {name}: mixture_em has no {needs} yet")
                continue
            source = (tests / name).read_text()
            rewritten = rewrite(source)
            if "from mixture_em import" not in rewritten:
                raise SystemExit(f"{name}: no import of {needs} from sklearn.mixture to rewrite")
            (Path(work) / name).write_text(rewritten)
            chosen.append(name)
        for test, reason in PRIVATE.items():
            if test.split("::")[0] in chosen:
                print(f"deselected {test} (every parametrisation): {reason}")
        # Deselected by name whatever their parameters, by a conftest beside the copies.
        (Path(work) / "conftest.py").write_text(DESELECT_CONFTEST.format(names=sorted(PRIVATE)))
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "sklearn.conftest",  # scikit-learn's fixtures (global_dtype, global_random_seed)
            "-p",
            "no:cacheprovider",
            "--rootdir",
            work,
            *argv,
            *[str(Path(work) / name) for name in chosen],
        ]
        # scikit-learn runs its float32 variants only when asked; a drop-in must pass them.
        env = {**os.environ, "SKLEARN_RUN_FLOAT32_TESTS": "1"}
        return subprocess.call(command, cwd=work, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
