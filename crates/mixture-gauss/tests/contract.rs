//! The engine's contracts for the Gaussian family (mixture-core's contract kit), for every
//! covariance type.

use mixture_core::RowMatrix;
use mixture_core::rand::rngs::ChaCha8Rng;
use mixture_core::rand::{RngExt, SeedableRng};
use mixture_core::testkit::Case;
use mixture_gauss::Gaussian;

/// 120 rows of 3 features from two correlated blobs.
fn case(family: Gaussian) -> Case<Gaussian> {
    let centres = [[0.0, 0.0, 0.0], [4.0, -3.0, 2.0]];
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let mut values = Vec::new();
    for i in 0..120 {
        // Uniform noise with a shared term: correlated features, no distribution crate needed.
        let shared = rng.random::<f64>() - 0.5;
        for (j, &c) in centres[i % 2].iter().enumerate() {
            let own = rng.random::<f64>() - 0.5;
            values.push(c + own + shared * (j as f64 + 1.0));
        }
    }
    Case {
        family,
        data: RowMatrix::new(values, 3).expect("rows"),
        n_components: 2,
        outside: None,
        scale_free: true,
    }
}

mod full {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::full()));
}

mod diagonal {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::diagonal()));
}

mod spherical {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::spherical()));
}

mod tied {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::tied()));
}

mod relative_regularisation {
    mixture_core::family_contract_tests!(super::case(
        mixture_gauss::Gaussian::full().with_relative_reg_covar(1e-3)
    ));
}
