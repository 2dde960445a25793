//! `select` pays for what it fits: beyond its fits, a grid of diagonal and spherical models on
//! wide data allocates less than half a D×D matrix (the suspect-component check included: it
//! reads the models' compact variances and the data's own variances, never a dense covariance).
//! (One test in this binary: the allocator's counters are process-wide.)

use mixture::core::{EmOptions, Estimator, RowMatrix};
use mixture::gauss::Gaussian;
use mixture::select::{Criterion, Grid, select};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

#[test]
fn diagonal_and_spherical_grids_never_allocate_a_d_by_d_matrix() {
    let (n, d) = (100, 1000);
    // Two groups; a constant first column puts every component at the reg_covar floor in it,
    // so the check of suspect components runs in full.
    let values: Vec<f64> = (0..n * d)
        .map(|i| {
            let (row, col) = (i / d, i % d);
            if col == 0 {
                1.0
            } else {
                ((i * 7919) % 1000) as f64 / 1000.0 + if row < n / 2 { 0.0 } else { 3.0 }
            }
        })
        .collect();
    let x = RowMatrix::new(values, d).unwrap();
    let d_by_d = d * d * std::mem::size_of::<f64>();
    let allocated = |f: &dyn Fn()| {
        let region = Region::new(GLOBAL);
        f();
        let change = region.change();
        change.bytes_allocated + change.bytes_reallocated.max(0) as usize
    };
    // Both measured on the one thread of a pool (select fits its cells on the pool, and
    // thread-local scratch of the matrix kernels is allocated once per thread).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let allocated = |f: &(dyn Fn() + Sync)| pool.install(|| allocated(f));
    let options = EmOptions::default();
    let families = [Gaussian::diagonal(), Gaussian::spherical()];
    // What the grid's fits allocate by themselves...
    let fits = allocated(&|| {
        for family in families {
            for k in 1..=2 {
                let fit = Estimator::new(family, k)
                    .with_options(options.clone())
                    .fit(&x)
                    .unwrap();
                fit.mixture.predict_proba(x.view()).unwrap();
            }
        }
    });
    // ... and what select allocates beyond them (scores, the suspect-component check).
    // (Without the refits from neighbouring K, which are fits of their own.)
    let grid = Grid::new(1..=2, families.map(Into::into)).with_neighbour_starts(false);
    let whole = allocated(&|| {
        let table = select(&x, &grid, &options, Criterion::Bic).unwrap();
        assert!(table.best().is_some());
    });
    let extra = whole.saturating_sub(fits);
    assert!(
        extra < d_by_d / 2,
        "select allocated {extra} bytes beyond its fits (D×D is {d_by_d})"
    );
}
