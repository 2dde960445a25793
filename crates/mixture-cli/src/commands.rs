//! The subcommands.

use crate::error::CliError;
use crate::files::{
    AtomicFile, Header, Value, is_npy, read_all, read_matrix, write_labels, write_matrix, write_row,
};
use crate::progress::Progress;
use crate::sources::FileSource;
use clap::{Args, Parser, Subcommand, ValueEnum};
use mixture::model_file::{self, AnyMixture, AnyModel, FitRecord};
use mixture::with_mixture;
use mixture_bern::Bernoulli;
use mixture_core::rand::{SeedableRng, rngs::ChaCha8Rng};
use mixture_core::{
    BlockSource, Data, DegeneratePolicy, Estimator, Family, FitObserver, FitReport, Init,
    IterationRecord, Mixture, ParameterSet, RowMatrix, Rows, RunSummary, SpuriousPolicy, Start,
    StopRule, TraceWriter,
};
use mixture_exp::Exponential;
use mixture_gauss::{CovarianceType, Gaussian};
use mixture_plot::{
    DensityOptions, fit_figure, histogram_figure, prototype_figure, samples_figure,
};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Fit finite mixture models by expectation-maximisation and use them: score, predict,
/// sample, plot. Data are CSV (numbers separated by commas, an optional header row) or NPY
/// (float32/float64, 1-D or 2-D).
#[derive(Debug, Parser)]
#[command(name = "mixture", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fit a mixture to a data file and report log p(X), BIC and AIC.
    Fit(FitArgs),
    /// Log-likelihood of data under a saved model.
    Score(ScoreArgs),
    /// Most likely component (or responsibilities) of every row.
    Predict(PredictArgs),
    /// Draw samples from a saved model.
    Sample(SampleArgs),
    /// Draw a saved model over data: density contours (Gaussian), prototypes (Bernoulli),
    /// histograms (exponential).
    Plot(PlotArgs),
    /// Write synthetic data with known truth.
    Generate(GenerateArgs),
    /// The lesson end to end: data, fit, trace, log p(X), model file and two pictures.
    Demo(DemoArgs),
    /// Fit a grid of K, covariance types and families; rank by BIC, AIC or ICL; save the best.
    Select(crate::select::SelectArgs),
}

/// Component family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FamilyArg {
    /// Gaussian components with full covariance.
    Gaussian,
    /// Bernoulli components (values in [0, 1]).
    Bernoulli,
    /// Exponential components (values of at least 0).
    Exponential,
}

/// Covariance type of Gaussian components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CovarianceArg {
    /// A general covariance per component.
    Full,
    /// A diagonal covariance per component.
    Diag,
    /// One variance per component.
    Spherical,
    /// One general covariance shared by all components.
    Tied,
}

impl From<CovarianceArg> for CovarianceType {
    fn from(c: CovarianceArg) -> Self {
        match c {
            CovarianceArg::Full => CovarianceType::Full,
            CovarianceArg::Diag => CovarianceType::Diagonal,
            CovarianceArg::Spherical => CovarianceType::Spherical,
            CovarianceArg::Tied => CovarianceType::Tied,
        }
    }
}

/// Stop rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StopArg {
    /// Change of the mean log-likelihood per row below --tol (scikit-learn's rule).
    Loglik,
    /// Frobenius norm of the change of the means below --tol (the lesson's rule; data units).
    MeanShift,
}

/// Initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitArg {
    /// k-means++ seeding.
    #[value(name = "kmeans++")]
    KMeansPlusPlus,
    /// K distinct random data rows as centres (the lesson's).
    RandomRows,
    /// k-means++ seeding refined by a few Lloyd iterations of k-means.
    Kmeans,
    /// Random responsibilities (scikit-learn's "random").
    Random,
}

impl From<InitArg> for Init {
    fn from(i: InitArg) -> Self {
        match i {
            InitArg::KMeansPlusPlus => Init::KMeansPlusPlus,
            InitArg::RandomRows => Init::RandomRows,
            InitArg::Kmeans => Init::KMeans,
            InitArg::Random => Init::Random,
        }
    }
}

/// What to do with a suspect component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SpuriousArg {
    /// Keep it, flag it in the output and prefer runs without one.
    Keep,
    /// Treat it as degenerate (see --on-degenerate).
    Degenerate,
}

/// What to do with a component that loses its rows or whose covariance cannot be factored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DegenerateArg {
    /// Re-seed it at the worst-explained row.
    Reseed,
    /// Drop it (K shrinks).
    Drop,
    /// Stop with an error naming it.
    Error,
}

/// Floating-point precision of the computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    /// 64-bit.
    F64,
    /// 32-bit (statistics and totals still accumulate in 64-bit).
    F32,
}

/// Options of `mixture fit`.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Data file (.csv, or .npy).
    #[arg(long, short)]
    pub input: PathBuf,
    /// Number of components K.
    #[arg(long, short = 'k')]
    pub components: usize,
    /// Component family.
    #[arg(long, value_enum, default_value = "gaussian")]
    pub family: FamilyArg,
    /// Covariance type (Gaussian only; default full).
    #[arg(long, value_enum)]
    pub covariance: Option<CovarianceArg>,
    /// Most E-M iterations per run.
    #[arg(long, default_value_t = 100)]
    pub max_iter: usize,
    /// Stop threshold (0 runs exactly --max-iter iterations).
    #[arg(long, default_value_t = 1e-3)]
    pub tol: f64,
    /// Stop rule.
    #[arg(long, value_enum, default_value = "loglik")]
    pub stop: StopArg,
    /// Initialisation.
    #[arg(long, value_enum, default_value = "kmeans++")]
    pub init: InitArg,
    /// Number of initialisations; the best log-likelihood wins.
    #[arg(long, default_value_t = 1)]
    pub n_init: usize,
    /// Seed of the random stream.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Added to every covariance's diagonal (Gaussian only; default 1e-6, absolute).
    #[arg(long, conflicts_with = "relative_reg_covar")]
    pub reg_covar: Option<f64>,
    /// Instead of --reg-covar: this factor times the data's mean variance, so the fit does
    /// not depend on the data's units (Gaussian only).
    #[arg(long)]
    pub relative_reg_covar: Option<f64>,
    /// What to do with a degenerate component.
    #[arg(long, value_enum, default_value = "reseed")]
    pub on_degenerate: DegenerateArg,
    /// What to do with a suspect component (fewer effective rows than its parameters need):
    /// keep it and flag it (runs without one are preferred), or hand it to --on-degenerate.
    #[arg(long, value_enum, default_value = "keep")]
    pub on_spurious: SpuriousArg,
    /// Precision of the computation.
    #[arg(long, value_enum, default_value = "f64")]
    pub precision: PrecisionArg,
    /// Start E-M from this model file's parameters (no initialisation step, unless
    /// --init-parts takes only some of them).
    #[arg(long)]
    pub init_model: Option<PathBuf>,
    /// Take only these parameter groups from --init-model (comma-separated: weights, means,
    /// covariances); the others come from the initialisation (--init, for each of --n-init
    /// runs), as scikit-learn's means_init given alone.
    #[arg(long, requires = "init_model", value_parser = parse_groups)]
    pub init_parts: Option<ParameterSet>,
    /// Hold these parameter groups at --init-model's values (comma-separated: weights,
    /// means, covariances; covariances for gaussian only): every iteration keeps them exactly
    /// and estimates the rest given them.
    #[arg(long, requires = "init_model", value_parser = parse_groups)]
    pub fix: Option<ParameterSet>,
    /// One weight per input row (a one-column CSV or NPY file): frequency weights, 0 leaves
    /// a row out.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Fit from the file without loading it: one pass per iteration, memory bounded by the
    /// blocks in flight, whatever the file's size. Same numbers as in memory.
    #[arg(long)]
    pub stream: bool,
    /// Stream automatically when the data would take more memory than this (bytes, or with a
    /// K, M, G or T suffix, powers of 1024).
    #[arg(long, default_value = "2G", value_parser = parse_bytes)]
    pub memory_limit: u64,
    /// Write the fitted model here (JSON).
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// Print the lesson's per-iteration trace to standard error.
    #[arg(long, short)]
    pub verbose: bool,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// The CSV's first row is a header (by default it is one when it is not all numbers).
    #[arg(long)]
    pub header: bool,
}

/// Options of `mixture score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// Model file.
    #[arg(long, short)]
    pub model: PathBuf,
    /// Data file (.csv or .npy).
    #[arg(long, short)]
    pub input: PathBuf,
    /// Also write every row's log-likelihood to this CSV.
    #[arg(long)]
    pub per_sample: Option<PathBuf>,
    /// One weight per input row (a one-column CSV or NPY file): the log-likelihood is the
    /// weighted sum, and its mean is per unit of weight.
    #[arg(long)]
    pub weights: Option<PathBuf>,
    /// Print the result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// The CSV's first row is a header.
    #[arg(long)]
    pub header: bool,
}

/// Options of `mixture predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Model file.
    #[arg(long, short)]
    pub model: PathBuf,
    /// Data file (.csv or .npy).
    #[arg(long, short)]
    pub input: PathBuf,
    /// Output CSV: one label per row, or with --proba one probability per component.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Write responsibilities instead of labels.
    #[arg(long)]
    pub proba: bool,
    /// The CSV's first row is a header.
    #[arg(long)]
    pub header: bool,
}

/// Options of `mixture sample`.
#[derive(Debug, Args)]
pub struct SampleArgs {
    /// Model file.
    #[arg(long, short)]
    pub model: PathBuf,
    /// Number of samples.
    #[arg(long, short)]
    pub n: usize,
    /// Seed of the random stream.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output file (.csv or .npy).
    #[arg(long, short)]
    pub output: PathBuf,
    /// Also write each sample's component to this CSV.
    #[arg(long)]
    pub labels: Option<PathBuf>,
}

/// Options of `mixture plot`.
#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Model file.
    #[arg(long, short)]
    pub model: PathBuf,
    /// Data file (.csv or .npy).
    #[arg(long, short)]
    pub input: PathBuf,
    /// Output PNG.
    #[arg(long, short)]
    pub output: PathBuf,
    /// Also draw this many samples over the same contours (Gaussian models).
    #[arg(long, requires = "samples_output")]
    pub samples: Option<usize>,
    /// Where to write the samples picture.
    #[arg(long, requires = "samples")]
    pub samples_output: Option<PathBuf>,
    /// The two features to draw, for data of more than two (the exact marginal is drawn).
    #[arg(long, value_delimiter = ',', num_args = 2, default_values_t = [0, 1])]
    pub dims: Vec<usize>,
    /// Image shape ROWSxCOLUMNS of Bernoulli prototypes (default: square when D is).
    #[arg(long)]
    pub shape: Option<String>,
    /// Seed for the samples.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The CSV's first row is a header.
    #[arg(long)]
    pub header: bool,
}

/// Options of `mixture generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// What to generate.
    #[command(subcommand)]
    pub kind: GenerateKind,
}

/// Options shared by every generator.
#[derive(Debug, Args)]
pub struct GenerateCommon {
    /// Output file (.csv or .npy).
    #[arg(long, short, global = true)]
    pub output: Option<PathBuf>,
    /// Also write each row's true component to this CSV.
    #[arg(long, global = true)]
    pub labels: Option<PathBuf>,
    /// Seed of the random stream.
    #[arg(long, default_value_t = 0, global = true)]
    pub seed: u64,
}

/// The generators.
#[derive(Debug, Subcommand)]
pub enum GenerateKind {
    /// The lesson's three 2-D Gaussian blobs.
    Lesson {
        /// Rows per blob.
        #[arg(long, default_value_t = 200)]
        n_per_mode: usize,
        /// Output, labels and seed.
        #[command(flatten)]
        common: GenerateCommon,
    },
    /// A random Gaussian mixture with well-separated means.
    Gaussian {
        /// Number of components.
        #[arg(long, short = 'k', default_value_t = 3)]
        components: usize,
        /// Number of features.
        #[arg(long, short = 'd', default_value_t = 2)]
        features: usize,
        /// Number of rows.
        #[arg(long, short, default_value_t = 1000)]
        n: usize,
        /// Minimum distance between means, in standard deviations.
        #[arg(long, default_value_t = 4.0)]
        separation: f64,
        /// Output, labels and seed.
        #[command(flatten)]
        common: GenerateCommon,
    },
    /// Binary rows from random prototypes (or the ten 8×8 digits) with flipped bits.
    Bernoulli {
        /// Number of prototypes (ignored with --digits).
        #[arg(long, short = 'k', default_value_t = 4)]
        components: usize,
        /// Bits per row (ignored with --digits).
        #[arg(long, short = 'd', default_value_t = 64)]
        features: usize,
        /// Number of rows.
        #[arg(long, short, default_value_t = 1000)]
        n: usize,
        /// Probability that a bit flips.
        #[arg(long, default_value_t = 0.1)]
        flip: f64,
        /// Use the ten 8×8 digit glyphs as prototypes.
        #[arg(long)]
        digits: bool,
        /// Output, labels and seed.
        #[command(flatten)]
        common: GenerateCommon,
    },
    /// Non-negative rows from random exponential components (rates between 0.1 and 10).
    Exponential {
        /// Number of components.
        #[arg(long, short = 'k', default_value_t = 3)]
        components: usize,
        /// Number of features.
        #[arg(long, short = 'd', default_value_t = 2)]
        features: usize,
        /// Number of rows.
        #[arg(long, short, default_value_t = 1000)]
        n: usize,
        /// Output, labels and seed.
        #[command(flatten)]
        common: GenerateCommon,
    },
}

/// Options of `mixture demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the data, the model and the two pictures.
    #[arg(long, default_value = ".")]
    pub out_dir: PathBuf,
}

/// Runs a parsed command line.
///
/// # Errors
/// A [`CliError`] with the exit status and one line to print.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Fit(a) => match a.precision {
            PrecisionArg::F64 => fit::<f64>(&a),
            PrecisionArg::F32 => fit::<f32>(&a),
        },
        Command::Score(a) => with_model(&a.model, |m| score(m, &a), |m| score(m, &a)),
        Command::Predict(a) => with_model(&a.model, |m| predict(m, &a), |m| predict(m, &a)),
        Command::Sample(a) => with_model(&a.model, |m| sample(m, &a), |m| sample(m, &a)),
        Command::Plot(a) => with_model(&a.model, |m| plot(m, &a), |m| plot(m, &a)),
        Command::Generate(a) => generate(&a.kind),
        Command::Demo(a) => demo(&a),
        Command::Select(a) => crate::select::run(&a),
    }
}

/// Prints to standard output; a closed pipe (`mixture score ... | head`) is not an error.
pub(crate) fn say(text: impl std::fmt::Display) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

fn with_model(
    path: &Path,
    f64_case: impl FnOnce(&AnyMixture<f64>) -> Result<(), CliError>,
    f32_case: impl FnOnce(&AnyMixture<f32>) -> Result<(), CliError>,
) -> Result<(), CliError> {
    match load_model(path)?.model {
        AnyModel::F64(m) => f64_case(&m),
        AnyModel::F32(m) => f32_case(&m),
    }
}

/// Reads a model file; errors name the file.
fn load_model(path: &Path) -> Result<model_file::ModelFile, CliError> {
    model_file::load(path).map_err(|e| match e {
        model_file::ModelFileError::Read { .. } => CliError::from(e),
        _ => CliError::from(e).context(path.display()),
    })
}

/// Reads a weights file: one column, one weight per row of the data (checked when fitting or
/// scoring, which name the row of a bad weight).
fn read_weights(path: &Path) -> Result<Vec<f64>, CliError> {
    let w = read_matrix::<f64>(path, Header::Detect)?;
    if w.n_cols() != 1 {
        return Err(CliError::input(format!(
            "{}: a weights file needs one column (one weight per row), not {}",
            path.display(),
            w.n_cols()
        )));
    }
    Ok(w.into_vec())
}

/// The context of an error about weighted data: the weights file for a weight error, else
/// the data file.
fn data_error(e: mixture_core::MixtureError, input: &Path, weights: Option<&Path>) -> CliError {
    use mixture_core::MixtureError as E;
    match (&e, weights) {
        // A source's message names its file already.
        (E::Source { .. }, _) => CliError::from(e),
        (E::WeightCount { .. } | E::InvalidWeight { .. } | E::ZeroTotalWeight { .. }, Some(w)) => {
            CliError::from(e).context(w.display())
        }
        _ => CliError::from(e).context(input.display()),
    }
}

/// Rows per chunk when scoring or predicting a file chunk by chunk (64 blocks of the fit's
/// 256 rows): bounded memory, parallel work within a chunk.
const CHUNK_ROWS: usize = 64 * mixture_core::DEFAULT_BLOCK_ROWS;

/// Reads `input` (and `weights`) chunk by chunk, checked against `model`'s dimension, and calls
/// `f` with each chunk and the index of its first row. Returns the number of rows.
fn for_each_chunk<T: Value>(
    model: &AnyMixture<T>,
    input: &Path,
    header: bool,
    weights: Option<&Path>,
    mut f: impl FnMut(Data<'_, T>, usize) -> Result<(), CliError>,
) -> Result<usize, CliError> {
    let mut x = FileSource::<T>::open(input, header_of(header))?;
    if x.n_cols() != model.n_features() {
        return Err(CliError::input(format!(
            "{}: the data have {} columns but the model has {} features",
            input.display(),
            x.n_cols(),
            model.n_features()
        )));
    }
    let mut w = weights.map(open_weights).transpose()?;
    let (mut rows, mut wbuf) = (Vec::new(), Vec::new());
    let mut seen = 0;
    loop {
        let n = mixture_core::read_weighted(
            &mut x,
            w.as_mut().map(|w| w as &mut dyn BlockSource<f64>),
            &mut rows,
            &mut wbuf,
            CHUNK_ROWS,
            seen,
        )
        .map_err(|e| data_error(e, input, weights))?;
        if n == 0 {
            break;
        }
        let data = Data::new(
            Rows::new(&rows, x.n_cols())?,
            w.is_some().then_some(&wbuf[..]),
        );
        f(data, seen)?;
        seen += n;
    }
    Ok(seen)
}

/// Reads `path` and checks it against a model's dimension and domain.
fn read_for_model<T: Value>(
    path: &Path,
    header: bool,
    model: &AnyMixture<T>,
) -> Result<RowMatrix<T>, CliError> {
    let x = read_matrix::<T>(
        path,
        if header {
            Header::Present
        } else {
            Header::Detect
        },
    )?;
    if x.n_cols() != model.n_features() {
        return Err(CliError::input(format!(
            "{}: the data have {} columns but the model has {} features",
            path.display(),
            x.n_cols(),
            model.n_features()
        )));
    }
    Ok(x)
}

/// Traces, shows progress, or both, as asked.
struct Observers {
    trace: Option<TraceWriter<std::io::Stderr>>,
    progress: Progress,
}

impl FitObserver for Observers {
    fn on_iteration(&mut self, r: &IterationRecord) {
        if let Some(t) = &mut self.trace {
            t.on_iteration(r);
        } else {
            self.progress.on_iteration(r);
        }
    }
    fn on_run_end(&mut self, s: &RunSummary) {
        if let Some(t) = &mut self.trace {
            t.on_run_end(s);
        }
        self.progress.on_run_end(s);
    }
}

fn options_record(a: &FitArgs) -> serde_json::Map<String, serde_json::Value> {
    let mut o = serde_json::Map::new();
    o.insert(
        "family".into(),
        json!(format!("{:?}", a.family).to_lowercase()),
    );
    o.insert("max_iter".into(), json!(a.max_iter));
    o.insert("tol".into(), json!(a.tol));
    o.insert(
        "stop".into(),
        json!(match a.stop {
            StopArg::Loglik => "loglik",
            StopArg::MeanShift => "mean-shift",
        }),
    );
    o.insert(
        "init".into(),
        json!(match (&a.init_model, a.init) {
            (Some(p), _) => format!("model:{}", p.display()),
            (None, InitArg::KMeansPlusPlus) => "kmeans++".into(),
            (None, InitArg::RandomRows) => "random-rows".into(),
            (None, InitArg::Kmeans) => "kmeans".into(),
            (None, InitArg::Random) => "random".into(),
        }),
    );
    o.insert("n_init".into(), json!(a.n_init));
    if let Some(parts) = a.init_parts {
        o.insert("init_parts".into(), json!(parts.to_string()));
    }
    if let Some(fix) = a.fix {
        o.insert("fix".into(), json!(fix.to_string()));
    }
    if a.family == FamilyArg::Gaussian {
        match a.relative_reg_covar {
            Some(f) => o.insert("relative_reg_covar".into(), json!(f)),
            None => o.insert("reg_covar".into(), json!(a.reg_covar.unwrap_or(1e-6))),
        };
    }
    o.insert(
        "on_degenerate".into(),
        json!(format!("{:?}", a.on_degenerate).to_lowercase()),
    );
    o.insert(
        "on_spurious".into(),
        json!(format!("{:?}", a.on_spurious).to_lowercase()),
    );
    o
}

/// `weights,means`: a set of parameter groups.
fn parse_groups(text: &str) -> Result<ParameterSet, String> {
    ParameterSet::parse(text).map_err(|e| e.to_string())
}

/// `2G`, `512M`, `100000`: a size in bytes (K, M, G, T are powers of 1024; a trailing `B` or
/// `iB` is allowed).
fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (digits, shift) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 10),
        Some('M' | 'm') => (&t[..t.len() - 1], 20),
        Some('G' | 'g') => (&t[..t.len() - 1], 30),
        Some('T' | 't') => (&t[..t.len() - 1], 40),
        _ => (t, 0),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|v| v.checked_mul(1 << shift))
        .ok_or_else(|| format!("{text:?} is not a size; use bytes or a number with K, M, G or T"))
}

/// The rows a fit reads: loaded, or streamed from the files.
enum FitInput<'a, T: Value> {
    Memory(Data<'a, T>),
    Stream {
        x: &'a mut FileSource<T>,
        w: Option<&'a mut FileSource<f64>>,
    },
}

pub(crate) fn header_of(present: bool) -> Header {
    if present {
        Header::Present
    } else {
        Header::Detect
    }
}

/// Opens a weights file for streaming: one column.
fn open_weights(path: &Path) -> Result<FileSource<f64>, CliError> {
    let w = FileSource::<f64>::open(path, Header::Detect)?;
    if w.n_cols() != 1 {
        return Err(CliError::input(format!(
            "{}: a weights file needs one column (one weight per row), not {}",
            path.display(),
            w.n_cols()
        )));
    }
    Ok(w)
}

fn fit<T: Value>(a: &FitArgs) -> Result<(), CliError> {
    if a.reg_covar.is_some() && a.family != FamilyArg::Gaussian {
        return Err(CliError::input(
            "--reg-covar applies to the gaussian family only",
        ));
    }
    let mut source = FileSource::<T>::open(&a.input, header_of(a.header))?;
    let streamed = a.stream || source.estimated_bytes() > a.memory_limit;
    let (x, weights, mut weight_source) = if streamed {
        let reason = if a.stream {
            "as asked (--stream)".to_string()
        } else {
            format!(
                "its data (about {} MiB) exceed --memory-limit ({} MiB)",
                source.estimated_bytes() >> 20,
                a.memory_limit >> 20
            )
        };
        if !a.json {
            say(format!(
                "streaming {} from disk: {reason}",
                a.input.display()
            ));
        }
        let w = a.weights.as_deref().map(open_weights).transpose()?;
        (None, None, w)
    } else {
        let x = read_all(&mut source, &a.input)?;
        let w = a.weights.as_deref().map(read_weights).transpose()?;
        (Some(x), w, None)
    };
    let mut input = match &x {
        Some(x) => FitInput::Memory(Data::new(x.view(), weights.as_deref())),
        None => FitInput::Stream {
            x: &mut source,
            w: weight_source.as_mut(),
        },
    };
    let n_cols = match &input {
        FitInput::Memory(d) => d.rows().n_cols(),
        FitInput::Stream { x, .. } => x.n_cols(),
    };
    let start = match &a.init_model {
        Some(path) => {
            let m = load_model(path)?
                .model
                .to_precision::<T>()
                .map_err(|e| CliError::from(e).context(path.display()))?;
            let k = with_mixture!(&m, m => m.n_components());
            if m.family() != format!("{:?}", a.family).to_lowercase() {
                return Err(CliError::input(format!(
                    "{}: the initial model is {} but --family is {}",
                    path.display(),
                    m.family(),
                    format!("{:?}", a.family).to_lowercase()
                )));
            }
            if k != a.components {
                return Err(CliError::input(format!(
                    "{}: the initial model has {k} components but --components is {}",
                    path.display(),
                    a.components
                )));
            }
            Some(m)
        }
        None => None,
    };
    let mut observers = Observers {
        trace: a.verbose.then(|| TraceWriter::new(std::io::stderr())),
        progress: Progress::new(a.max_iter),
    };
    let fitted: (AnyMixture<T>, FitReport) = match a.family {
        FamilyArg::Gaussian => {
            let from_start = match &start {
                Some(AnyMixture::Gaussian(s)) => Some(s.components().covariance_type()),
                _ => None,
            };
            // --covariance, else the initial model's type, else full.
            let kind = a
                .covariance
                .map_or(from_start.unwrap_or_default(), CovarianceType::from);
            if let Some(AnyMixture::Gaussian(s)) = &start
                && s.components().covariance_type() != kind
            {
                return Err(CliError::input(format!(
                    "the initial model's covariance type is {} but --covariance is {}",
                    s.components().covariance_type().name(),
                    kind.name()
                )));
            }
            let g = match a.relative_reg_covar {
                Some(factor) => Gaussian::new(kind).with_relative_reg_covar(factor),
                None => Gaussian::new(kind).with_reg_covar(a.reg_covar.unwrap_or(1e-6)),
            };
            let start = match &start {
                Some(AnyMixture::Gaussian(m)) => Some(m),
                _ => None,
            };
            fit_family(g, a, &mut input, start, &mut observers)?
        }
        FamilyArg::Bernoulli => {
            let start = match &start {
                Some(AnyMixture::Bernoulli(m)) => Some(m),
                _ => None,
            };
            fit_family(Bernoulli::new(), a, &mut input, start, &mut observers)?
        }
        FamilyArg::Exponential => {
            let start = match &start {
                Some(AnyMixture::Exponential(m)) => Some(m),
                _ => None,
            };
            fit_family(Exponential::new(), a, &mut input, start, &mut observers)?
        }
    };
    let (model, report) = fitted;
    // BIC and AIC of the returned model on the training data: its log-likelihood is in the
    // report (the same sum `Mixture::bic` would make), so no other pass is needed.
    let p = with_mixture!(&model, m => m.n_parameters()) as f64;
    let bic = -2.0 * report.log_likelihood + p * report.weight_total.ln();
    let aic = -2.0 * report.log_likelihood + 2.0 * p;
    if let Some(path) = &a.model {
        let record = FitRecord::new(
            &report,
            Some(a.input.display().to_string()),
            a.weights.as_ref().map(|w| w.display().to_string()),
            a.seed,
            options_record(a),
        );
        AtomicFile::write_all(path, model_file::to_json(&model, Some(&record)).as_bytes())?;
    }
    if a.json {
        say(json!({
            "log_likelihood": report.log_likelihood,
            "mean_log_likelihood": report.mean_log_likelihood,
            "n_iter": report.n_iter,
            "converged": report.converged,
            "bic": bic,
            "aic": aic,
            "n_samples": report.n_samples,
            "weight_total": report.weight_total,
            "weights": a.weights.as_ref().map(|p| p.display().to_string()),
            "n_features": n_cols,
            "streamed": streamed,
            "n_components": with_mixture!(&model, m => m.n_components()),
            "family": model.family(),
            "precision": T::NAME,
            "model": a.model.as_ref().map(|p| p.display().to_string()),
            "suspect": report.suspect.iter().map(|s| json!({
                "component": s.component,
                "effective_rows": s.effective_rows,
                "rows_needed": s.rows_needed,
            })).collect::<Vec<_>>(),
            "degenerate": report.degenerate.iter().map(|e| json!({
                "iteration": e.iteration, "component": e.component,
                "reason": format!("{:?}", e.reason).to_lowercase(),
                "action": format!("{:?}", e.action),
            })).collect::<Vec<_>>(),
        }));
    } else {
        say(format!(
            "{} after {} iterations",
            if report.converged {
                "Converged"
            } else {
                "Stopped (max_iter reached, not converged)"
            },
            report.n_iter
        ));
        if report.weighted {
            say(format!(
                "log[p(X)] = {:.4} nats ({:.6} per unit of weight, {} rows, total weight {})",
                report.log_likelihood,
                report.mean_log_likelihood,
                report.n_samples,
                report.weight_total
            ));
        } else {
            say(format!(
                "log[p(X)] = {:.4} nats ({:.6} per row, {} rows)",
                report.log_likelihood, report.mean_log_likelihood, report.n_samples
            ));
        }
        say(format!("BIC = {bic:.4}, AIC = {aic:.4}"));
        for e in &report.degenerate {
            say(format!(
                "note: component {} was degenerate ({:?}) at iteration {}: {:?}",
                e.component, e.reason, e.iteration, e.action
            ));
        }
        for s in &report.suspect {
            say(format!(
                "warning: component {} is suspect: {:.3} effective rows, fewer than the {} its parameters need (a spurious solution; see --on-spurious)",
                s.component, s.effective_rows, s.rows_needed
            ));
        }
        if let Some(path) = &a.model {
            say(format!("model written to {}", path.display()));
        }
    }
    Ok(())
}

fn fit_family<T: Value, F: Family<T>>(
    family: F,
    a: &FitArgs,
    input: &mut FitInput<'_, T>,
    start: Option<&Mixture<T, F::Components>>,
    observer: &mut dyn FitObserver,
) -> Result<(AnyMixture<T>, FitReport), CliError>
where
    AnyMixture<T>: From<Mixture<T, F::Components>>,
{
    let est = Estimator::new(family, a.components)
        .max_iter(a.max_iter)
        .tol(a.tol)
        .stop_rule(match a.stop {
            StopArg::Loglik => StopRule::LogLikelihood,
            StopArg::MeanShift => StopRule::MeanShift,
        })
        .init(a.init.into())
        .n_init(a.n_init)
        .seed(a.seed)
        .on_degenerate(match a.on_degenerate {
            DegenerateArg::Reseed => DegeneratePolicy::Reseed,
            DegenerateArg::Drop => DegeneratePolicy::Drop,
            DegenerateArg::Error => DegeneratePolicy::Error,
        })
        .on_spurious(match a.on_spurious {
            SpuriousArg::Keep => SpuriousPolicy::Keep,
            SpuriousArg::Degenerate => SpuriousPolicy::Degenerate,
        })
        .hold(a.fix.unwrap_or_default());
    let n_cols = match input {
        FitInput::Memory(d) => d.rows().n_cols(),
        FitInput::Stream { x, .. } => x.n_cols(),
    };
    if let Some(s) = start
        && s.n_features() != n_cols
    {
        return Err(CliError::input(format!(
            "the initial model has {} features but the data have {n_cols} columns",
            s.n_features(),
        )));
    }
    let start = start.map(|s| match a.init_parts {
        Some(parts) => Start::taking(s, parts),
        None => s.into(),
    });
    let fitted = match (input, start) {
        (FitInput::Memory(data), Some(s)) => est.fit_from_observed(s, *data, observer),
        (FitInput::Memory(data), None) => est.fit_observed(*data, observer),
        (FitInput::Stream { x, w }, start) => est.fit_source(
            &mut **x,
            w.as_deref_mut().map(|w| w as &mut dyn BlockSource<f64>),
            start,
            observer,
        ),
    };
    let fitted = fitted.map_err(|e| data_error(e, &a.input, a.weights.as_deref()))?;
    Ok((fitted.mixture.into(), fitted.report))
}

fn score<T: Value>(model: &AnyMixture<T>, a: &ScoreArgs) -> Result<(), CliError> {
    let ctx = |e: mixture_core::MixtureError, first: usize| {
        data_error(e.offset_rows(first), &a.input, a.weights.as_deref())
    };
    let mut per_sample = a
        .per_sample
        .as_deref()
        .map(AtomicFile::create)
        .transpose()?;
    let io = |e: std::io::Error| {
        let path = a.per_sample.as_deref().unwrap_or(Path::new("-"));
        CliError::input(format!("cannot write {}: {e}", path.display()))
    };
    if let Some(f) = &mut per_sample {
        writeln!(f.writer(), "log_likelihood").map_err(io)?;
    }
    let (mut total, mut weight_total) = (0.0, 0.0);
    let n = for_each_chunk(
        model,
        &a.input,
        a.header,
        a.weights.as_deref(),
        |data, first| {
            // Summed block by block as the library sums (and as a fit reports): the same bits as
            // `Mixture::log_likelihood` of the whole file.
            let b = mixture_core::DEFAULT_BLOCK_ROWS;
            for start in (0..data.n_rows()).step_by(b) {
                let block = data.slice_rows(start, (start + b).min(data.n_rows()));
                total += with_mixture!(model, m => m.log_likelihood(block))
                    .map_err(|e| ctx(e, first + start))?;
            }
            weight_total += data
                .weights()
                .map_or(data.n_rows() as f64, |w| w.iter().sum::<f64>());
            if let Some(f) = &mut per_sample {
                let per_row = with_mixture!(model, m => m.log_likelihood_per_row(data.rows()))
                    .map_err(|e| ctx(e, first))?;
                for v in per_row {
                    write_row(f.writer(), &[v]).map_err(io)?;
                }
            }
            Ok(())
        },
    )?;
    if weight_total <= 0.0 {
        return Err(data_error(
            mixture_core::MixtureError::ZeroTotalWeight { n_rows: n },
            &a.input,
            a.weights.as_deref(),
        ));
    }
    if let Some(f) = per_sample {
        f.commit()?;
    }
    let mean = total / weight_total;
    if a.json {
        say(json!({
            "log_likelihood": total,
            "mean_log_likelihood": mean,
            "n_samples": n,
            "weight_total": weight_total,
        }));
    } else if a.weights.is_some() {
        say(format!(
            "log[p(X)] = {total:.4} nats ({mean:.6} per unit of weight, {n} rows, total weight {weight_total})"
        ));
    } else {
        say(format!(
            "log[p(X)] = {total:.4} nats ({mean:.6} per row, {n} rows)"
        ));
    }
    Ok(())
}

fn predict<T: Value>(model: &AnyMixture<T>, a: &PredictArgs) -> Result<(), CliError> {
    let ctx = |e: mixture_core::MixtureError, first: usize| {
        CliError::from(e.offset_rows(first)).context(a.input.display())
    };
    let io =
        |e: std::io::Error| CliError::input(format!("cannot write {}: {e}", a.output.display()));
    let k = model.n_components();
    let mut out = AtomicFile::create(&a.output)?;
    if a.proba && is_npy(&a.output) {
        // NPY needs the row count first: from the header, or from a counting pass over CSV.
        let n = match FileSource::<T>::open(&a.input, header_of(a.header))?.n_rows() {
            Some(n) => n,
            None => for_each_chunk(model, &a.input, a.header, None, |_, _| Ok(()))?,
        };
        use npyz::WriterBuilder;
        let mut w = npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[n as u64, k as u64])
            .writer(out.writer())
            .begin_nd()
            .map_err(io)?;
        for_each_chunk(model, &a.input, a.header, None, |data, first| {
            let p = with_mixture!(model, m => m.predict_proba(data.rows()))
                .map_err(|e| ctx(e, first))?;
            w.extend(p.as_slice().iter().copied()).map_err(io)
        })?;
        w.finish().map_err(io)?;
    } else if a.proba {
        let header: Vec<String> = (0..k).map(|c| format!("p{c}")).collect();
        writeln!(out.writer(), "{}", header.join(",")).map_err(io)?;
        for_each_chunk(model, &a.input, a.header, None, |data, first| {
            let p = with_mixture!(model, m => m.predict_proba(data.rows()))
                .map_err(|e| ctx(e, first))?;
            p.iter()
                .try_for_each(|row| write_row(out.writer(), row))
                .map_err(io)
        })?;
    } else {
        writeln!(out.writer(), "label").map_err(io)?;
        for_each_chunk(model, &a.input, a.header, None, |data, first| {
            let labels =
                with_mixture!(model, m => m.predict(data.rows())).map_err(|e| ctx(e, first))?;
            labels
                .iter()
                .try_for_each(|l| writeln!(out.writer(), "{l}"))
                .map_err(io)
        })?;
    }
    out.commit()
}

fn sample<T: Value>(model: &AnyMixture<T>, a: &SampleArgs) -> Result<(), CliError> {
    if a.n == 0 {
        return Err(CliError::input("--n must be at least 1"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(a.seed);
    let (points, labels) = with_mixture!(model, m => m.sample(a.n, &mut rng))?;
    let header: Vec<String> = (0..points.n_cols()).map(|j| format!("x{j}")).collect();
    write_matrix(&a.output, &points, Some(&header))?;
    if let Some(path) = &a.labels {
        write_labels(path, "component", &labels)?;
    }
    Ok(())
}

fn parse_shape(shape: Option<&str>, d: usize) -> Result<(usize, usize), CliError> {
    match shape {
        Some(s) => {
            let parsed = s
                .split_once(['x', 'X', ','])
                .and_then(|(r, c)| Some((r.trim().parse().ok()?, c.trim().parse().ok()?)));
            match parsed {
                Some((r, c)) if r * c == d => Ok((r, c)),
                _ => Err(CliError::input(format!(
                    "--shape {s:?} must be ROWSxCOLUMNS with ROWS·COLUMNS = {d}"
                ))),
            }
        }
        None => {
            let side = (d as f64).sqrt().round() as usize;
            Ok(if side * side == d {
                (side, side)
            } else {
                (1, d)
            })
        }
    }
}

fn plot<T: Value>(model: &AnyMixture<T>, a: &PlotArgs) -> Result<(), CliError> {
    let x = read_for_model(&a.input, a.header, model)?;
    let save = |fig: mixture_plot::Figure, path: &Path| -> Result<(), CliError> {
        AtomicFile::write_all(path, &fig.png()?)
    };
    match model {
        AnyMixture::Gaussian(m) if m.n_features() == 1 => {
            // One feature has no contours: its histogram with the fitted density instead.
            if a.samples.is_some() {
                return Err(CliError::input(
                    "--samples draws density contours: models of two or more features only",
                ));
            }
            save(
                histogram_figure(m, x.view(), 50, "Data and fitted Gaussian mixture")?,
                &a.output,
            )?;
        }
        AnyMixture::Gaussian(m) => {
            let mut opts = DensityOptions::fit();
            opts.dims = [a.dims[0], a.dims[1]];
            save(fit_figure(m, x.view(), &opts)?, &a.output)?;
            if let (Some(n), Some(out)) = (a.samples, &a.samples_output) {
                let mut rng = ChaCha8Rng::seed_from_u64(a.seed);
                let (s, _) = m.sample(n.max(1), &mut rng)?;
                let mut opts = DensityOptions::samples();
                opts.dims = [a.dims[0], a.dims[1]];
                save(samples_figure(m, x.view(), s.view(), &opts)?, out)?;
            }
        }
        AnyMixture::Bernoulli(m) => {
            if a.samples.is_some() {
                return Err(CliError::input(
                    "--samples draws density contours: Gaussian models only",
                ));
            }
            let shape = parse_shape(a.shape.as_deref(), m.n_features())?;
            save(
                prototype_figure(
                    m.components().probabilities(),
                    m.weights(),
                    shape,
                    "Bernoulli prototypes",
                )?,
                &a.output,
            )?;
        }
        AnyMixture::Exponential(m) => {
            if a.samples.is_some() {
                return Err(CliError::input(
                    "--samples draws density contours: Gaussian models only",
                ));
            }
            let d = m.n_features().min(16);
            let dims: Vec<usize> = (0..d).collect();
            let marginal = m.marginal(&dims)?;
            let cols: Vec<T> = x.iter().flat_map(|r| r[..d].to_vec()).collect();
            save(
                histogram_figure(
                    &marginal,
                    Rows::new(&cols, d)?,
                    50,
                    "Data and fitted exponential mixture",
                )?,
                &a.output,
            )?;
        }
    }
    Ok(())
}

fn generate(kind: &GenerateKind) -> Result<(), CliError> {
    let (common, data, labels) = match kind {
        GenerateKind::Lesson { n_per_mode, common } => {
            let d = datagen::lesson_blobs::<f64>(*n_per_mode, common.seed)?;
            (common, d.data, d.labels)
        }
        GenerateKind::Gaussian {
            components,
            features,
            n,
            separation,
            common,
        } => {
            let g = datagen::GaussianMixtureGenerator::random(
                *components,
                *features,
                *separation,
                common.seed,
            )?;
            let d = g.generate::<f64>(*n, common.seed.wrapping_add(1))?;
            (common, d.data, d.labels)
        }
        GenerateKind::Bernoulli {
            components,
            features,
            n,
            flip,
            digits,
            common,
        } => {
            let g = if *digits {
                let protos = datagen::BernoulliMixtureGenerator::glyphs(&datagen::DIGITS_8X8)?;
                datagen::BernoulliMixtureGenerator::from_prototypes(
                    protos.view(),
                    *flip,
                    None,
                    common.seed,
                )?
            } else {
                datagen::BernoulliMixtureGenerator::random(
                    *components,
                    *features,
                    *flip,
                    common.seed,
                )?
            };
            let d = g.generate::<f64>(*n, common.seed.wrapping_add(1))?;
            (common, d.data, d.labels)
        }
        GenerateKind::Exponential {
            components,
            features,
            n,
            common,
        } => {
            let g =
                datagen::ExponentialMixtureGenerator::random(*components, *features, common.seed)?;
            let d = g.generate::<f64>(*n, common.seed.wrapping_add(1))?;
            (common, d.data, d.labels)
        }
    };
    let output = common.output.as_ref().ok_or_else(|| {
        CliError::input("--output is required: where to write the data (.csv or .npy)")
    })?;
    let header: Vec<String> = (0..data.n_cols()).map(|j| format!("x{j}")).collect();
    write_matrix(output, &data, Some(&header))?;
    if let Some(path) = &common.labels {
        write_labels(path, "component", &labels)?;
    }
    say(format!(
        "wrote {} rows of {} features to {}",
        data.n_rows(),
        data.n_cols(),
        output.display()
    ));
    Ok(())
}

fn demo(a: &DemoArgs) -> Result<(), CliError> {
    let dir = &a.out_dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::input(format!("cannot create {}: {e}", dir.display())))?;
    // The lesson: 200 latent codes from each of three Gaussians, a 3-component GMM with at
    // most 100 iterations initialised from random data rows, tol 1e-3, 600 samples.
    let blobs = datagen::lesson_blobs::<f64>(200, 69)?;
    let x = &blobs.data;
    let data_path = dir.join("lesson_data.csv");
    write_matrix(&data_path, x, Some(&["x0".to_string(), "x1".to_string()]))?;
    let est = Estimator::new(Gaussian::full(), 3)
        .max_iter(100)
        .tol(1e-3)
        .init(Init::RandomRows)
        .seed(69);
    let mut trace = TraceWriter::new(std::io::stdout());
    let fitted = est.fit_observed(x, &mut trace)?;
    let (model, report) = (fitted.mixture, fitted.report);
    say(format!("log[p(X)] = {:.4} nats", model.log_likelihood(x)?));
    let mut options = serde_json::Map::new();
    options.insert("family".into(), json!("gaussian"));
    options.insert("max_iter".into(), json!(100));
    options.insert("tol".into(), json!(1e-3));
    options.insert("init".into(), json!("random-rows"));
    options.insert("reg_covar".into(), json!(1e-6));
    let model_path = dir.join("model.json");
    let record = FitRecord::new(
        &report,
        Some(data_path.display().to_string()),
        None,
        69,
        options,
    );
    let text = model_file::to_json(&AnyMixture::from(model.clone()), Some(&record));
    AtomicFile::write_all(&model_path, text.as_bytes())?;
    let (samples, _) = model.sample(600, &mut ChaCha8Rng::seed_from_u64(70))?;
    let fit_path = dir.join("gmm_fit.png");
    let samples_path = dir.join("gmm_samples.png");
    AtomicFile::write_all(
        &fit_path,
        &fit_figure(&model, x.view(), &DensityOptions::fit())?.png()?,
    )?;
    AtomicFile::write_all(
        &samples_path,
        &samples_figure(&model, x.view(), samples.view(), &DensityOptions::samples())?.png()?,
    )?;
    say("");
    say(format!("data:    {}", data_path.display()));
    say(format!("model:   {}", model_path.display()));
    say(format!(
        "figures: {} (the learnt density over the data)",
        fit_path.display()
    ));
    say(format!(
        "         {} (over 600 samples drawn from it)",
        samples_path.display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn shapes_parse() {
        assert_eq!(parse_shape(Some("8x8"), 64), Ok((8, 8)));
        assert_eq!(parse_shape(None, 64), Ok((8, 8)));
        assert_eq!(parse_shape(None, 10), Ok((1, 10)));
        assert!(parse_shape(Some("3x3"), 64).is_err());
    }
}
