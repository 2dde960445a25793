//! The engine's contracts for the exponential family (mixture-core's contract kit).

use mixture_core::RowMatrix;
use mixture_core::rand::rngs::ChaCha8Rng;
use mixture_core::rand::{RngExt, SeedableRng};
use mixture_core::testkit::Case;
use mixture_exp::Exponential;

/// 120 rows of 3 non-negative features from two sets of rates.
fn case() -> Case<Exponential> {
    let rates = [[1.0, 0.5, 4.0], [8.0, 3.0, 0.25]];
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let mut values = Vec::new();
    for i in 0..120 {
        for &rate in &rates[i % 2] {
            // Inverse CDF of an exponential: u in (0, 1].
            let u = 1.0 - rng.random::<f64>();
            values.push(-u.ln() / rate);
        }
    }
    Case {
        family: Exponential::new(),
        data: RowMatrix::new(values, 3).expect("rows"),
        n_components: 2,
        outside: Some(-1.0),
        scale_free: true,
    }
}

mixture_core::family_contract_tests!(case());
