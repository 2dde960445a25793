//! Speed of the E-M engine on Gaussian mixtures with full covariance.
//!
//! `cargo bench --bench em` (add `-- --warm-up-time 0.5 --measurement-time 2` for a quick run).
//! Each fit runs 10 iterations from a fixed start with `tol = 0` (10 fused passes plus one
//! final log-likelihood pass); `score` is one log-likelihood pass.

#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mixture::core::{Estimator, RowMatrix, Scalar};
use mixture::datagen::GaussianMixtureGenerator;
use mixture::gauss::{Gaussian, GaussianMixture};
use std::hint::black_box;

const SHAPES: [(usize, usize, usize); 3] = [(100_000, 2, 3), (100_000, 16, 8), (20_000, 64, 4)];

fn setup<T: Scalar>(n: usize, d: usize, k: usize) -> (RowMatrix<T>, GaussianMixture<T>) {
    let g = GaussianMixtureGenerator::random(k, d, 3.0, 1).unwrap();
    let x = g.generate::<T>(n, 2).unwrap().data;
    let start = Estimator::new(Gaussian::full(), k)
        .max_iter(0)
        .seed(3)
        .fit(&x)
        .unwrap();
    (x, start.mixture)
}

fn bench_type<T: Scalar>(c: &mut Criterion) {
    let mut fit = c.benchmark_group(format!("em_10_iterations_{}", T::NAME));
    fit.sample_size(10);
    for (n, d, k) in SHAPES {
        let (x, start) = setup::<T>(n, d, k);
        let est = Estimator::new(Gaussian::full(), k).tol(0.0).max_iter(10);
        fit.throughput(Throughput::Elements((n * 10) as u64));
        fit.bench_with_input(
            BenchmarkId::from_parameter(format!("n{n}_d{d}_k{k}")),
            &x,
            |b, x| b.iter(|| black_box(est.fit_from(&start, x).unwrap())),
        );
    }
    fit.finish();

    let mut score = c.benchmark_group(format!("log_likelihood_{}", T::NAME));
    for (n, d, k) in SHAPES {
        let (x, start) = setup::<T>(n, d, k);
        score.throughput(Throughput::Elements(n as u64));
        score.bench_with_input(
            BenchmarkId::from_parameter(format!("n{n}_d{d}_k{k}")),
            &x,
            |b, x| b.iter(|| black_box(start.log_likelihood(x).unwrap())),
        );
    }
    score.finish();
}

/// Diagonal covariance at a high dimension: only per-feature second moments are accumulated.
fn bench_diagonal(c: &mut Criterion) {
    let (n, d, k) = (20_000, 256, 10);
    let (x, _) = setup::<f64>(n, d, k);
    let start = Estimator::new(Gaussian::diagonal(), k)
        .max_iter(0)
        .seed(3)
        .fit(&x)
        .unwrap();
    let est = Estimator::new(Gaussian::diagonal(), k)
        .tol(0.0)
        .max_iter(10);
    let mut g = c.benchmark_group("em_10_iterations_diagonal_f64");
    g.sample_size(10);
    g.throughput(Throughput::Elements((n * 10) as u64));
    g.bench_function(format!("n{n}_d{d}_k{k}"), |b| {
        b.iter(|| black_box(est.fit_from(&start, &x).unwrap()))
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    bench_diagonal(c);
    bench_type::<f64>(c);
    bench_type::<f32>(c);
}

criterion_group!(em, benches);
criterion_main!(em);
