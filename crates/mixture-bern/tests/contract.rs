//! The engine's contracts for the Bernoulli family (mixture-core's contract kit), with and
//! without a prior.

use mixture_bern::Bernoulli;
use mixture_core::RowMatrix;
use mixture_core::rand::rngs::ChaCha8Rng;
use mixture_core::rand::{RngExt, SeedableRng};
use mixture_core::testkit::Case;

/// 120 binary rows of 6 features from two prototypes.
fn case(family: Bernoulli) -> Case<Bernoulli> {
    let prototypes = [
        [0.9, 0.8, 0.9, 0.1, 0.2, 0.1],
        [0.1, 0.3, 0.1, 0.9, 0.7, 0.8],
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut values = Vec::new();
    for i in 0..120 {
        for &p in &prototypes[i % 2] {
            values.push(f64::from(u8::from(rng.random::<f64>() < p)));
        }
    }
    Case {
        data: RowMatrix::new(values, 6).expect("rows"),
        n_components: 2,
        outside: Some(2.0),
        // A prior's pseudo-counts do not scale with the weights.
        scale_free: family.prior() == (1.0, 1.0),
        family,
    }
}

mod maximum_likelihood {
    mixture_core::family_contract_tests!(super::case(mixture_bern::Bernoulli::new()));
}

mod with_a_prior {
    mixture_core::family_contract_tests!(super::case(
        mixture_bern::Bernoulli::new().with_prior(2.0, 3.0)
    ));
}
