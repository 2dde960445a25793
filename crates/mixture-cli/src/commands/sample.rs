//! `mixture sample`.

use crate::args::SampleArgs;
use crate::error::CliError;
use crate::files::{Value, write_labels, write_matrix};
use mixture::model_file::AnyMixture;
use mixture::with_mixture;
use mixture_core::rand::{SeedableRng, rngs::ChaCha8Rng};

pub(super) fn run<T: Value>(model: &AnyMixture<T>, a: &SampleArgs) -> Result<(), CliError> {
    if a.n == 0 {
        return Err(CliError::input("--n must be at least 1"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(a.seed);
    let (points, labels) = with_mixture!(model, m => m.sample(a.n, &mut rng))
        .map_err(|e| CliError::from(e).context(format!("--n {}", a.n)))?;
    let header: Vec<String> = (0..points.n_cols()).map(|j| format!("x{j}")).collect();
    write_matrix(&a.output, &points, Some(&header))?;
    if let Some(path) = &a.labels {
        write_labels(path, "component", &labels)?;
    }
    Ok(())
}
