//! The command line: every subcommand's arguments and the value types they share. The
//! subcommands themselves are in `commands/`, one file each; what the command knows per family
//! is in `family.rs`.

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};
use mixture::registry::AnyFamily;
use mixture_core::variational::WeightPriorType;
use mixture_core::{
    Choice, DegeneratePolicy, HierarchyCoordinates, HierarchyMerge, Init, SpuriousPolicy, StopRule,
};
use std::path::{Path, PathBuf};

pub use crate::generators::{GenerateCommon, GenerateKind};

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
    /// histograms (exponential), bar charts of counts (Poisson): the picture its family asks for.
    Plot(PlotArgs),
    /// Write synthetic data with known truth.
    Generate(GenerateArgs),
    /// The lesson end to end: data, fit, trace, log p(X), model file and two pictures.
    Demo(DemoArgs),
    /// Fit a grid of K, covariance types and families; rank by BIC, AIC or ICL; save the best.
    Select(SelectArgs),
}

/// A file option of a command: its name on the command line and its path.
pub type FileOption<'a> = (&'static str, &'a Path);

impl Command {
    /// The files the command reads and the files it writes, by option.
    pub fn files(&self) -> (Vec<FileOption<'_>>, Vec<FileOption<'_>>) {
        fn some<'a>(name: &'static str, p: &'a Option<PathBuf>) -> Option<FileOption<'a>> {
            p.as_deref().map(|p| (name, p))
        }
        let (inputs, outputs) = match self {
            Command::Fit(a) => (
                vec![
                    Some(("--input", a.input.as_path())),
                    some("--weights", &a.weights),
                    some("--init-model", &a.init_model),
                ],
                vec![some("--model", &a.model)],
            ),
            Command::Score(a) => (
                vec![
                    Some(("--model", a.model.as_path())),
                    Some(("--input", a.input.as_path())),
                    some("--weights", &a.weights),
                ],
                vec![some("--per-sample", &a.per_sample)],
            ),
            Command::Predict(a) => (
                vec![
                    Some(("--model", a.model.as_path())),
                    Some(("--input", a.input.as_path())),
                ],
                vec![Some(("--output", a.output.as_path()))],
            ),
            Command::Sample(a) => (
                vec![Some(("--model", a.model.as_path()))],
                vec![
                    Some(("--output", a.output.as_path())),
                    some("--labels", &a.labels),
                ],
            ),
            Command::Plot(a) => (
                vec![
                    Some(("--model", a.model.as_path())),
                    Some(("--input", a.input.as_path())),
                ],
                vec![
                    Some(("--output", a.output.as_path())),
                    some("--samples-output", &a.samples_output),
                ],
            ),
            Command::Generate(a) => {
                let c = a.kind.common();
                (
                    vec![],
                    vec![some("--output", &c.output), some("--labels", &c.labels)],
                )
            }
            Command::Demo(_) => (vec![], vec![]),
            Command::Select(a) => (
                vec![Some(("--input", a.input.as_path()))],
                vec![some("--model", &a.model), some("--plot", &a.plot)],
            ),
        };
        (
            inputs.into_iter().flatten().collect(),
            outputs.into_iter().flatten().collect(),
        )
    }
}

/// The registered families' names, for `--family`.
fn family_names() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(AnyFamily::NAMES)
}

/// The Gaussian covariance models' names, for `--covariance`: mclust's codes, with
/// scikit-learn's names for its four (the codes then aliases), and `all` when `all` is true.
fn covariance_names(all: bool) -> clap::builder::PossibleValuesParser {
    let values = AnyFamily::covariance_names()
        .into_iter()
        .map(|(name, code)| {
            let value = PossibleValue::new(name);
            if name == code {
                value
            } else {
                value.alias(code).help(code)
            }
        });
    let all = all.then(|| PossibleValue::new("all").help("every model"));
    clap::builder::PossibleValuesParser::new(values.chain(all))
}

/// The families' own settings, as flags. Each flag is a key of a family's settings (`--reg-covar`
/// is `reg_covar`): the registry checks that the family has it, so a flag of another family is
/// refused with a message naming the family it applies to.
#[derive(Debug, Args, Default, serde::Serialize)]
pub struct FamilyFlags {
    /// Added to every covariance's diagonal (gaussian; default 1e-6, absolute).
    #[arg(
        long,
        allow_negative_numbers = true,
        conflicts_with = "relative_reg_covar"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reg_covar: Option<f64>,
    /// Instead of --reg-covar: this factor times the data's mean variance, so the fit does
    /// not depend on the data's units (gaussian).
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative_reg_covar: Option<f64>,
    /// MAP E-M under mclust's default conjugate prior (priorControl()) with this shrinkage
    /// (gaussian: full, diag, spherical, tied, EII, EEI, VEI, EVI, EEV or VEV, the models
    /// mclust gives a prior; mclust's default is 0.01): keeps E-M away from
    /// degenerate, spiky solutions on small data; BIC is then mclust's under a prior.
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prior_shrinkage: Option<f64>,
    /// Beta(A, B) prior on every probability, as A,B: A − 1 pseudo-ones and B − 1 pseudo-zeros
    /// per component (bernoulli; default 1,1: none; 2,2 is Laplace smoothing).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_prior)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prior: Option<(f64, f64)>,
    /// Floor on every component's per-feature mean, in data units (exponential; default
    /// 1e-10).
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_mean: Option<f64>,
    /// Floor on every component's rate (poisson; default 1e-10).
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_rate: Option<f64>,
}

impl FamilyFlags {
    /// The given flags as settings keys and values (the registry's form: the fields' names).
    pub fn settings(&self) -> serde_json::Map<String, serde_json::Value> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        }
    }
}

/// `A,B`: two numbers.
fn parse_prior(text: &str) -> Result<(f64, f64), String> {
    text.split_once(',')
        .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)))
        .ok_or_else(|| "give the Beta prior's two parameters as A,B (for example 2,2)".into())
}

/// A parser of the core's named choices ([`Choice`]): their names, each with its summary in
/// `--help`, and scikit-learn's spellings accepted too.
fn choice<C: Choice + Send + Sync + Clone>() -> impl clap::builder::TypedValueParser<Value = C> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values = C::ALL.iter().map(|c| {
        PossibleValue::new(c.name())
            .help(c.summary())
            .aliases(c.aliases().iter().copied())
    });
    PossibleValuesParser::new(values)
        .map(|name: String| C::from_name(&name).expect("clap accepts only the choices' names"))
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
    #[arg(long, allow_negative_numbers = true, short = 'k')]
    pub components: usize,
    /// Component family.
    #[arg(long, default_value = AnyFamily::NAMES[0], value_parser = family_names())]
    pub family: String,
    /// Covariance model (gaussian): one of mclust's 14 codes, or scikit-learn's full, diag,
    /// spherical, tied (= VVV, VVI, VII, EEE), in any case; default full, or the initial
    /// model's.
    #[arg(long, ignore_case = true, value_parser = covariance_names(false))]
    pub covariance: Option<String>,
    /// Most E-M iterations per run.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1000)]
    pub max_iter: usize,
    /// Stop threshold (0 runs exactly --max-iter iterations); tight enough by default that the
    /// reported BIC is the converged one (scikit-learn's 1e-3 stops early on overlapping
    /// components).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1e-5)]
    pub tol: f64,
    /// Stop rule.
    #[arg(long, default_value_t = StopRule::default(), value_parser = choice::<StopRule>())]
    pub stop: StopRule,
    /// Initialisation (by default mclust's model-based hierarchical clustering, on a sample
    /// of at most 2000 rows: it reaches the best of many k-means++ runs in one).
    #[arg(long, default_value_t = Init::Hierarchical, value_parser = choice::<Init>())]
    pub init: Init,
    /// The hierarchical start's merges (mclust's hcModelName; with --init hc).
    #[arg(long, ignore_case = true, default_value_t = HierarchyMerge::default(), value_parser = choice::<HierarchyMerge>())]
    pub hc_model: HierarchyMerge,
    /// The hierarchical start's coordinates (mclust's hcUse; with --init hc).
    #[arg(long, ignore_case = true, default_value_t = HierarchyCoordinates::default(), value_parser = choice::<HierarchyCoordinates>())]
    pub hc_use: HierarchyCoordinates,
    /// Number of initialisations; the best log-likelihood wins.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1)]
    pub n_init: usize,
    /// Seed of the random stream.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0)]
    pub seed: u64,
    /// The family's own settings.
    #[command(flatten)]
    pub settings: FamilyFlags,
    /// What to do with a degenerate component.
    #[arg(long, default_value_t = DegeneratePolicy::default(), value_parser = choice::<DegeneratePolicy>())]
    pub on_degenerate: DegeneratePolicy,
    /// What to do with a suspect component (fewer effective rows than its parameters need):
    /// keep it and flag it (runs without one are preferred), or hand it to --on-degenerate.
    #[arg(long, default_value_t = SpuriousPolicy::default(), value_parser = choice::<SpuriousPolicy>())]
    pub on_spurious: SpuriousPolicy,
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
    #[arg(long, requires = "init_model")]
    pub init_parts: Option<String>,
    /// Hold these parameter groups at --init-model's values (comma-separated: weights,
    /// means, covariances; covariances for gaussian only): every iteration keeps them exactly
    /// and estimates the rest given them.
    #[arg(long, requires = "init_model")]
    pub fix: Option<String>,
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
    /// Fit a variational Bayesian mixture (scikit-learn's BayesianGaussianMixture) instead
    /// of E-M, with this prior on the weights: dirichlet-process (stick-breaking: the
    /// components the data do not need fall to tiny weights, so give a generous K) or
    /// dirichlet (a symmetric Dirichlet). Gaussian (full, diag, spherical or tied), Bernoulli
    /// or exponential family. The model file records the posterior; the trace and --tol follow
    /// the lower bound.
    #[arg(long, value_parser = choice::<WeightPriorType>())]
    pub variational: Option<WeightPriorType>,
    /// The weights' prior concentration, with --variational (default 1/K; smaller values
    /// favour fewer components).
    #[arg(long, requires = "variational", allow_negative_numbers = true)]
    pub weight_concentration: Option<f64>,
    /// With --variational: after each run, switch off each component in use in turn (the
    /// smallest first) and run on, keeping a run that ends with a higher lower bound, until
    /// none does. Finds better optima than restarts; each move costs up to --max-iter
    /// iterations.
    #[arg(long, requires = "variational")]
    pub delete_moves: bool,
    /// With --variational: after each run (and its deletion moves), split a large component
    /// along its principal axis into a free one (or into one freed by merging the most
    /// overlapping pair) and run on, keeping a run that ends with a higher lower bound, until
    /// none does. Each move costs up to --max-iter iterations.
    #[arg(long, requires = "variational")]
    pub split_merge_moves: bool,
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
    #[arg(long, allow_negative_numbers = true, short)]
    pub n: usize,
    /// Seed of the random stream.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0)]
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
    #[arg(long, allow_negative_numbers = true, requires = "samples_output")]
    pub samples: Option<usize>,
    /// Where to write the samples picture.
    #[arg(long, requires = "samples")]
    pub samples_output: Option<PathBuf>,
    /// The two features to draw, for data of more than two (the exact marginal is drawn).
    #[arg(long, value_delimiter = ',', num_args = 1..=2, default_values_t = [0, 1])]
    pub dims: Vec<usize>,
    /// Image shape ROWSxCOLUMNS of Bernoulli prototypes (default: square when D is).
    #[arg(long)]
    pub shape: Option<String>,
    /// Seed for the samples.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0)]
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

/// Options of `mixture demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the data, the model and the two pictures.
    #[arg(long, default_value = ".")]
    pub out_dir: PathBuf,
}

/// Options of `mixture select`.
#[derive(Debug, Args)]
pub struct SelectArgs {
    /// Data file (.csv, or .npy).
    #[arg(long, short)]
    pub input: PathBuf,
    /// Numbers of components: a range `1..8` (both ends included) or a list `2,3,5`.
    #[arg(
        long,
        allow_negative_numbers = true,
        short = 'k',
        default_value = "1..9"
    )]
    pub components: String,
    /// Covariance models of the gaussian cells: comma-separated mclust codes or scikit-learn
    /// names (any case), or `all` (the default: all 14).
    #[arg(
        long,
        ignore_case = true,
        value_delimiter = ',',
        value_parser = covariance_names(true)
    )]
    pub covariance: Option<Vec<String>>,
    /// Families (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = AnyFamily::NAMES[0], value_parser = family_names())]
    pub family: Vec<String>,
    /// The criterion that ranks the cells (all are printed; lower is better). Default: bic, or
    /// elbo with --variational.
    #[arg(long, value_enum)]
    pub criterion: Option<CriterionArg>,
    /// Fit every cell as a variational Bayesian mixture (as `fit --variational`) with this
    /// prior on the weights: dirichlet-process or dirichlet. Cells are then ranked by their
    /// evidence lower bound (--criterion elbo); the gaussian cells are full, diag, spherical
    /// and tied unless --covariance names some of them.
    #[arg(long, value_parser = choice::<WeightPriorType>())]
    pub variational: Option<WeightPriorType>,
    /// The weights' prior concentration, with --variational (default 1/K).
    #[arg(long, requires = "variational", allow_negative_numbers = true)]
    pub weight_concentration: Option<f64>,
    /// With --variational: deletion moves after each cell's runs (as fit's --delete-moves).
    #[arg(long, requires = "variational")]
    pub delete_moves: bool,
    /// With --variational: split-and-merge moves after each cell's runs (as fit's
    /// --split-merge-moves).
    #[arg(long, requires = "variational")]
    pub split_merge_moves: bool,
    /// Initialisations per cell; the best log-likelihood wins.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1)]
    pub n_init: usize,
    /// Initialisation (by default mclust's: its model-based hierarchical clustering, grown
    /// once and cut at every K).
    #[arg(long, default_value_t = Init::Hierarchical, value_parser = choice::<Init>())]
    pub init: Init,
    /// The hierarchical start's merges (mclust's hcModelName; with --init hc).
    #[arg(long, ignore_case = true, default_value_t = HierarchyMerge::default(), value_parser = choice::<HierarchyMerge>())]
    pub hc_model: HierarchyMerge,
    /// The hierarchical start's coordinates (mclust's hcUse; with --init hc).
    #[arg(long, ignore_case = true, default_value_t = HierarchyCoordinates::default(), value_parser = choice::<HierarchyCoordinates>())]
    pub hc_use: HierarchyCoordinates,
    /// Most E-M iterations per run (more than fit's 100: slowly converging cells are run to
    /// their optimum, as mclust runs them).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1000)]
    pub max_iter: usize,
    /// Stop when the mean log-likelihood changes by less than this (tighter than fit's 1e-3,
    /// so that every cell's BIC is its converged one: mclust stops at a relative change of
    /// 1e-5).
    #[arg(long, default_value_t = 1e-5, allow_negative_numbers = true)]
    pub tol: f64,
    /// The families' own settings (each applies to the cells of the families that have it).
    #[command(flatten)]
    pub settings: FamilyFlags,
    /// Seed of the random stream (the same for every cell).
    #[arg(long, allow_negative_numbers = true, default_value_t = 0)]
    pub seed: u64,
    /// Do not refit each cell from its neighbours in K (K − 1's model with a component split,
    /// K + 1's with two merged; by default the better fit is kept).
    #[arg(long)]
    pub no_neighbour_starts: bool,
    /// Print the table as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Draw the criterion against K, one line per covariance type and family (PNG).
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Write the best model here (JSON model file).
    #[arg(long, short)]
    pub model: Option<PathBuf>,
    /// The CSV's first row is a header (by default it is one when it is not all numbers).
    #[arg(long)]
    pub header: bool,
}

/// Information criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CriterionArg {
    /// Bayesian information criterion, −2 ln p(X) + p ln N.
    Bic,
    /// Akaike information criterion, −2 ln p(X) + 2p.
    Aic,
    /// Integrated completed likelihood, BIC + 2 × the responsibilities' entropy.
    Icl,
    /// −2 × the evidence lower bound of a variational fit (with --variational).
    Elbo,
}

/// `weights,means`: a set of parameter groups.
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }
}
