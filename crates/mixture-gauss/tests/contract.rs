//! The engine's contracts for the Gaussian family (mixture-core's contract kit), for every
//! covariance model.

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

// mclust's ten other covariance models.

#[allow(non_snake_case)]
mod EII {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::new(
        mixture_gauss::CovarianceType::Eii
    )));
}

#[allow(non_snake_case)]
mod EEI {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::new(
        mixture_gauss::CovarianceType::Eei
    )));
}

#[allow(non_snake_case)]
mod VEI {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::new(
        mixture_gauss::CovarianceType::Vei
    )));
}

#[allow(non_snake_case)]
mod EVI {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::new(
        mixture_gauss::CovarianceType::Evi
    )));
}

#[allow(non_snake_case)]
mod VEE {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::new(
        mixture_gauss::CovarianceType::Vee
    )));
}

#[allow(non_snake_case)]
mod EVE {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::new(
        mixture_gauss::CovarianceType::Eve
    )));
}

#[allow(non_snake_case)]
mod VVE {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::new(
        mixture_gauss::CovarianceType::Vve
    )));
}

#[allow(non_snake_case)]
mod EEV {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::new(
        mixture_gauss::CovarianceType::Eev
    )));
}

#[allow(non_snake_case)]
mod VEV {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::new(
        mixture_gauss::CovarianceType::Vev
    )));
}

#[allow(non_snake_case)]
mod EVV {
    mixture_core::family_contract_tests!(super::case(mixture_gauss::Gaussian::new(
        mixture_gauss::CovarianceType::Evv
    )));
}
