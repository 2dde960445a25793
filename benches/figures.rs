//! Time to render the lesson's two figures (`gmm_fit`, `gmm_samples`) to PNG bytes.
//!
//! `cargo bench --bench figures`

#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use mixture::core::rand::{SeedableRng, rngs::ChaCha8Rng};
use mixture::core::{Estimator, Init};
use mixture::gauss::Gaussian;
use mixture::plot::{DensityOptions, fit_figure, samples_figure};
use std::hint::black_box;

fn figures(c: &mut Criterion) {
    let blobs = mixture::datagen::lesson_blobs::<f64>(200, 69).unwrap();
    let x = &blobs.data;
    let model = Estimator::new(Gaussian::full(), 3)
        .init(Init::RandomRows)
        .seed(69)
        .fit(x)
        .unwrap();
    let (samples, _) = model
        .mixture
        .sample(600, &mut ChaCha8Rng::seed_from_u64(70))
        .unwrap();
    c.bench_function("lesson_two_figures_png", |b| {
        b.iter(|| {
            let fit = fit_figure(&model.mixture, x.view(), &DensityOptions::fit())
                .unwrap()
                .png()
                .unwrap();
            let smp = samples_figure(
                &model.mixture,
                x.view(),
                samples.view(),
                &DensityOptions::samples(),
            )
            .unwrap()
            .png()
            .unwrap();
            black_box((fit, smp))
        })
    });
}

criterion_group!(benches, figures);
criterion_main!(benches);
