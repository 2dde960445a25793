//! The engine's contracts for the Poisson family (mixture-core's contract kit).

use mixture_core::RowMatrix;
use mixture_core::rand::SeedableRng;
use mixture_core::rand::rngs::ChaCha8Rng;
use mixture_core::testkit::Case;
use mixture_poisson::Poisson;
use rand_distr::Distribution;

/// 120 rows of 3 counts from two sets of rates.
fn case() -> Case<Poisson> {
    let rates = [[1.0, 0.5, 4.0], [8.0, 3.0, 12.0]];
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let mut values = Vec::new();
    for i in 0..120 {
        for &rate in &rates[i % 2] {
            let draw: f64 = rand_distr::Poisson::new(rate)
                .expect("a rate")
                .sample(&mut rng);
            values.push(draw);
        }
    }
    Case {
        family: Poisson::new(),
        data: RowMatrix::new(values, 3).expect("rows"),
        n_components: 2,
        outside: Some(0.5),
        scale_free: true,
    }
}

mixture_core::family_contract_tests!(case());
