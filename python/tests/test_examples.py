"""The examples in the classes' documentation run and print what they show."""

import doctest

import pytest

import mixture_em._sklearn


@pytest.mark.parametrize("module", ["mixture_em._sklearn", "mixture_em._bayesian", "mixture_em.dask"])
def test_documentation_examples(module):
    if module == "mixture_em.dask":
        pytest.importorskip("dask.array")
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
