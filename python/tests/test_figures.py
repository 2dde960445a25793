"""The lesson's figures from Python, with no plotting library."""

import numpy as np
import pytest

import mixture_em
from mixture_em import GaussianMixture
from mixture_em.ngclearn import GaussianMixture as NgcGaussianMixture

from conftest import blobs

PNG = b"\x89PNG\r\n\x1a\n"


def test_density_figures_over_data_and_samples(tmp_path):
    X = blobs(seed=1)
    gm = GaussianMixture(3, random_state=0).fit(X)
    fit_png = mixture_em.density_figure(gm, X, path=tmp_path / "gmm_fit.png")
    samples, _ = gm.sample(600)
    samples_png = mixture_em.density_figure(gm, X, samples=samples, path=tmp_path / "gmm_samples.png")
    for png, name in ((fit_png, "gmm_fit.png"), (samples_png, "gmm_samples.png")):
        assert png.startswith(PNG) and len(png) > 10_000
        assert (tmp_path / name).read_bytes() == png
    assert fit_png != samples_png
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gmm_fit.png", "gmm_samples.png"]


def test_the_ngclearn_model_draws_too_and_marginals_for_more_features(tmp_path):
    X = blobs(d=4, seed=2).astype(np.float32)
    model = NgcGaussianMixture(3, key=1)
    model.fit(X)
    png = mixture_em.density_figure(model, X, dims=(2, 3), title="Latent codes, dimensions 3 and 4")
    assert png.startswith(PNG)


def test_figure_errors_name_the_problem(tmp_path):
    X = blobs(seed=3)
    with pytest.raises(ValueError, match="not fitted"):
        mixture_em.density_figure(GaussianMixture(2), X)
    gm = GaussianMixture(2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="dims"):
        mixture_em.density_figure(gm, X, dims=(0, 0))
    bits = (X > 0).astype(float)
    bern = mixture_em.BernoulliMixture(2, random_state=0).fit(bits)
    with pytest.raises(ValueError, match="bernoulli models are drawn as prototype images of their probabilities"):
        mixture_em.density_figure(bern, bits)
    # A write that fails leaves nothing behind and keeps what was there.
    target = tmp_path / "keep.png"
    target.write_bytes(b"old")
    with pytest.raises(OSError):
        mixture_em.density_figure(gm, X, path=tmp_path / "missing-dir" / "x.png")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.png"]
    # A directory is refused; a device is written, not replaced.
    with pytest.raises(IsADirectoryError):
        mixture_em.density_figure(gm, X, path=tmp_path)
    mixture_em.density_figure(gm, X, path="/dev/null")
    import os
    import stat

    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
