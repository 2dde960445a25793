//! The E-step's kernels one at a time, on one thread, over the blocks of 65 536 rows: the
//! Gaussian log-densities, the statistics (`accumulate`), and a whole block E-step (the two
//! plus the exponentials and log-sum-exp of the responsibilities and the bookkeeping), so the
//! time of an iteration splits into its parts. The shapes are those of `BENCHMARKS.md`; the
//! Bernoulli (D = 64, K = 10) and exponential (D = 8, K = 16) cases measure those families'
//! log-density kernels (one matrix product of B×D by D×K) against their floor.
//!
//! `cargo bench --bench kernels` (add `-- --warm-up-time 0.5 --measurement-time 2` for a quick
//! run).

#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mixture::bern::Bernoulli;
use mixture::core::{Components, Estimator, Family, Mixture, RowMatrix, Scalar};
use mixture::datagen::{
    BernoulliMixtureGenerator, ExponentialMixtureGenerator, GaussianMixtureGenerator,
};
use mixture::exp::Exponential;
use mixture::gauss::{CovarianceType, Gaussian};
use std::hint::black_box;

const ROWS: usize = 65_536;
const BLOCK: usize = 256;
const SHAPES: [(usize, usize); 3] = [(8, 16), (16, 8), (2, 3)];

fn bench_shape<T: Scalar>(c: &mut Criterion, d: usize, k: usize, kind: CovarianceType) {
    let g = GaussianMixtureGenerator::random(k, d, 3.0, 1).unwrap();
    let x: RowMatrix<T> = g.generate::<T>(ROWS, 2).unwrap().data;
    bench_family(
        c,
        Gaussian::new(kind),
        &x,
        k,
        format!("{}_d{d}_k{k}", kind.name()),
    );
}

fn bench_family<T: Scalar, F: Family<T> + Copy>(
    c: &mut Criterion,
    family: F,
    x: &RowMatrix<T>,
    k: usize,
    case: String,
) {
    let estimator = Estimator::new(family, k).block_rows(BLOCK);
    let model: Mixture<T, F::Components> = Estimator::new(family, k)
        .max_iter(3)
        .seed(3)
        .fit(x)
        .unwrap()
        .mixture;
    let blocks: Vec<_> = (0..ROWS)
        .step_by(BLOCK)
        .map(|first| x.view().slice_rows(first, first + BLOCK))
        .collect();
    let responsibilities = model.predict_proba(x).unwrap();
    let name = format!("{case}_{}", T::NAME);
    let mut group = c.benchmark_group("kernels_65536_rows");
    group.throughput(Throughput::Elements(ROWS as u64));

    let mut out = vec![T::zero(); BLOCK * k];
    let mut scratch = Vec::new();
    group.bench_function(BenchmarkId::new("log_densities", &name), |b| {
        b.iter(|| {
            for block in &blocks {
                model
                    .components()
                    .log_densities(*block, &mut out, &mut scratch);
            }
            black_box(&out);
        })
    });

    let mut stats = family.new_stats(k, x.n_cols());
    let mut scratch = F::Scratch::default();
    group.bench_function(BenchmarkId::new("statistics", &name), |b| {
        b.iter(|| {
            for (i, block) in blocks.iter().enumerate() {
                let resp = &responsibilities.as_slice()[i * BLOCK * k..(i + 1) * BLOCK * k];
                family.accumulate(*block, resp, &mut stats, &mut scratch);
            }
            black_box(&stats);
        })
    });

    group.bench_function(BenchmarkId::new("e_step", &name), |b| {
        b.iter(|| {
            for (i, block) in blocks.iter().enumerate() {
                black_box(estimator.e_step(&model, *block, i * BLOCK).unwrap());
            }
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let bernoulli = BernoulliMixtureGenerator::random(10, 64, 0.1, 1).unwrap();
    let x: RowMatrix<f64> = bernoulli.generate(ROWS, 2).unwrap().data;
    bench_family(c, Bernoulli::new(), &x, 10, "bernoulli_d64_k10".into());
    let exponential = ExponentialMixtureGenerator::random(16, 8, 1).unwrap();
    let x: RowMatrix<f64> = exponential.generate(ROWS, 2).unwrap().data;
    bench_family(c, Exponential::new(), &x, 16, "exponential_d8_k16".into());
    for (d, k) in SHAPES {
        for kind in [CovarianceType::Full, CovarianceType::Diagonal] {
            bench_shape::<f64>(c, d, k, kind);
            bench_shape::<f32>(c, d, k, kind);
        }
    }
}

criterion_group!(kernels, benches);
criterion_main!(kernels);
