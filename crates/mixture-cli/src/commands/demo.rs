//! `mixture demo`: the lesson end to end.

use super::say;
use crate::args::DemoArgs;
use crate::error::CliError;
use crate::files::{OutputFile, write_matrix};
use mixture::model_file::{self, AnyMixture, FitRecord};
use mixture::registry::AnyFamily;
use mixture_core::rand::{SeedableRng, rngs::ChaCha8Rng};
use mixture_core::{Estimator, Init, TraceWriter};
use mixture_gauss::Gaussian;
use mixture_output::shown;
use mixture_plot::{DensityOptions, fit_figure, samples_figure};
use serde_json::json;

pub(super) fn run(a: &DemoArgs) -> Result<(), CliError> {
    let dir = &a.out_dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::input(format!("cannot create {}: {e}", shown(dir))))?;
    // The lesson: 200 latent codes from each of three Gaussians, a 3-component GMM with at
    // most 100 iterations initialised from random data rows, tol 1e-3, 600 samples.
    let blobs = datagen::lesson_blobs::<f64>(200, 69)?;
    let x = &blobs.data;
    let data_path = dir.join("lesson_data.csv");
    write_matrix(&data_path, x, Some(&["x0".to_string(), "x1".to_string()]))?;
    let family = Gaussian::full();
    let est = Estimator::new(family, 3)
        .max_iter(100)
        .tol(1e-3)
        .init(Init::RandomRows)
        .seed(69);
    let mut trace = TraceWriter::new(std::io::stdout());
    let fitted = est.fit_with(x, None, &mut trace)?;
    let (model, report) = (fitted.mixture, fitted.report);
    say(format!("log[p(X)] = {:.4} nats", model.log_likelihood(x)?));
    let mut options = AnyFamily::from(family).to_json();
    options.insert("max_iter".into(), json!(100));
    options.insert("tol".into(), json!(1e-3));
    options.insert("init".into(), json!("random-rows"));
    let model_path = dir.join("model.json");
    let record = FitRecord::new(
        &report,
        Some(data_path.display().to_string()),
        None,
        69,
        options,
    );
    let text = model_file::to_json(&AnyMixture::from(model.clone()), Some(&record));
    OutputFile::write_all(&model_path, text.as_bytes())?;
    let (samples, _) = model.sample(600, &mut ChaCha8Rng::seed_from_u64(70))?;
    let fit_path = dir.join("gmm_fit.png");
    let samples_path = dir.join("gmm_samples.png");
    OutputFile::write_all(
        &fit_path,
        &fit_figure(&model, x.view(), &DensityOptions::fit())?.png()?,
    )?;
    OutputFile::write_all(
        &samples_path,
        &samples_figure(&model, x.view(), samples.view(), &DensityOptions::samples())?.png()?,
    )?;
    say("");
    say(format!("data:    {}", shown(&data_path)));
    say(format!("model:   {}", shown(&model_path)));
    say(format!(
        "figures: {} (the learnt density over the data)",
        shown(&fit_path)
    ));
    say(format!(
        "         {} (over 600 samples drawn from it)",
        shown(&samples_path)
    ));
    Ok(())
}
