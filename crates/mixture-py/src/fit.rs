//! Fitting from Python: [`fit()`], [`initialise()`] and stepwise E-M ([`Online`]).

use crate::arrays::{Value, readonly, rows, value_error, weights};
use crate::chunks::PyChunks;
use crate::model::Model;
use mixture::core::serde::de::DeserializeOwned;
use mixture::core::serde::{Deserialize, Serialize};
use mixture::core::{
    BestRun, Choice, Components, Data, DegeneratePolicy, Estimator, Family, FitObserver, FitReport,
    Init, Mixture, MixtureError, ParameterSet, SpuriousPolicy, Start, StopRule,
    chunked::Statistics,
    report::{IterationRecord, RunSummary},
};
use mixture::model_file::AnyMixture;
use mixture::registry::{AnyFamily, FamilyTask, RegisteredFamily};
use numpy::{PyArray2, PyReadonlyArray1};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

/// What to fit and how: a dict with every key, built by the Python layer.
#[derive(Debug, Clone, FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct Spec {
    /// The family and its own settings: `{"family": "gaussian", "covariance": "diag",
    /// "reg_covar": 1e-6}` (the registry's form; missing settings take their defaults).
    family: FamilySpec,
    n_components: usize,
    max_iter: usize,
    tol: f64,
    stop_rule: String,
    init: String,
    seed: u64,
    n_init: usize,
    /// What `n_init` compares: `"bound"` (scikit-learn's `lower_bound_`, the classes') or
    /// `"final"` (the engine's default when absent).
    #[pyo3(default)]
    best_run: Option<String>,
    on_degenerate: String,
    /// `"keep"` (the default) or `"degenerate"`.
    #[pyo3(default)]
    on_spurious: Option<String>,
    /// Parameter groups held at the start's values (`"weights,means"`).
    #[pyo3(default)]
    fix: Option<String>,
    /// A warm start's previous bound (scikit-learn's `lower_bound_` of the fit that gave the
    /// start): the stop rule compares the first iteration with it.
    #[pyo3(default)]
    previous_bound: Option<f64>,
    /// A partial start: the groups taken from the start, the rest from each initialisation.
    #[pyo3(default)]
    init_parts: Option<String>,
    /// Rows per block of the engine's passes (the default when absent): a fit in memory with
    /// blocks of `b` rows gives the bits of a fit over chunks of `b` rows.
    #[pyo3(default)]
    block_rows: Option<usize>,
    /// Variational fits: deletion moves after each run (off when absent).
    #[pyo3(default)]
    delete_moves: Option<bool>,
    /// Variational fits: split-and-merge moves after each run (off when absent).
    #[pyo3(default)]
    split_merge_moves: Option<bool>,
}

/// A family and its settings as a dict of JSON values, read through Python's `json` so that
/// the registry checks the keys and values and names what is wrong.
#[derive(Debug, Clone)]
pub(crate) struct FamilySpec(serde_json::Map<String, serde_json::Value>);

impl<'a, 'py> FromPyObject<'a, 'py> for FamilySpec {
    type Error = PyErr;

    fn extract(ob: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let text: String = ob
            .py()
            .import("json")?
            .call_method1("dumps", (ob,))?
            .extract()?;
        match serde_json::from_str(&text) {
            Ok(serde_json::Value::Object(map)) => Ok(Self(map)),
            _ => Err(PyValueError::new_err(format!(
                "family = {text} is invalid: use a dict such as {{\"family\": \"gaussian\"}} with finite settings"
            ))),
        }
    }
}

impl FamilySpec {
    /// The dict as a JSON value.
    pub(crate) fn value(&self) -> serde_json::Value {
        serde_json::Value::Object(self.0.clone())
    }

    /// The family it names, with its settings.
    pub(crate) fn family(&self) -> PyResult<AnyFamily> {
        AnyFamily::for_start::<f64>(&self.0, None).map_err(value_error)
    }
}

fn invalid(name: &str, value: &str, expected: &str) -> PyErr {
    PyValueError::new_err(format!("{name} = {value:?} is invalid: use {expected}"))
}

impl Spec {
    /// The family the spec names, with its settings (and what a start of it fixes).
    pub(crate) fn family_for<T: Value>(
        &self,
        start: Option<&AnyMixture<T>>,
    ) -> PyResult<AnyFamily> {
        AnyFamily::for_start(&self.family.0, start).map_err(value_error)
    }

    /// The family the spec names, with its settings.
    pub(crate) fn family(&self) -> PyResult<AnyFamily> {
        self.family_for::<f64>(None)
    }

    pub(crate) fn estimator<T: Value, F: Family<T>>(&self, family: F) -> PyResult<Estimator<F>> {
        let stop = choice::<StopRule>("stop_rule", &self.stop_rule)?;
        let init = choice::<Init>("init_params", &self.init)?;
        let policy = choice::<DegeneratePolicy>("on_degenerate", &self.on_degenerate)?;
        let spurious = match &self.on_spurious {
            Some(name) => choice::<SpuriousPolicy>("on_spurious", name)?,
            None => SpuriousPolicy::default(),
        };
        let best_run = match &self.best_run {
            Some(name) => choice::<BestRun>("best_run", name)?,
            None => BestRun::default(),
        };
        let est = Estimator::new(family, self.n_components).best_run(best_run);
        let est = match self.block_rows {
            Some(b) => est.block_rows(b),
            None => est,
        };
        Ok(est
            .max_iter(self.max_iter)
            .tol(self.tol)
            .stop_rule(stop)
            .init(init)
            .seed(self.seed)
            .n_init(self.n_init)
            .delete_moves(self.delete_moves.unwrap_or(false))
            .split_merge_moves(self.split_merge_moves.unwrap_or(false))
            .on_degenerate(policy)
            .on_spurious(spurious)
            .hold(groups::<T, F::Components>("fix", self.fix.as_deref())?.unwrap_or_default()))
    }

    /// The groups of a partial start of components `C`, if the start is partial.
    fn init_parts<T: Value, C: Components<T>>(&self) -> PyResult<Option<ParameterSet>> {
        groups::<T, C>("init_parts", self.init_parts.as_deref())
    }
}

/// The choice `name` (the core's names and scikit-learn's), or an error listing them.
pub(crate) fn choice<C: Choice>(option: &str, name: &str) -> PyResult<C> {
    C::from_name(name).ok_or_else(|| {
        let names: Vec<String> = C::names().iter().map(|n| format!("'{n}'")).collect();
        invalid(option, name, &names.join(", "))
    })
}

/// The parameter groups `text` names among those of components `C` (and the weights).
fn groups<T: Value, C: Components<T>>(
    name: &'static str,
    text: Option<&str>,
) -> PyResult<Option<ParameterSet>> {
    text.map(|t| ParameterSet::parse_for::<T, C>(t, name).map_err(value_error))
        .transpose()
}

/// Calls the Python observer's `on_iteration` and `on_run_end` (taking the GIL for each call);
/// the first exception it raises is kept and re-raised after the fit, which it stops, as does
/// `cancel` (set when the user presses Ctrl-C).
pub(crate) struct PyObserver<'a> {
    target: Option<Py<PyAny>>,
    error: Option<PyErr>,
    cancel: &'a AtomicBool,
}

impl<'a> PyObserver<'a> {
    /// An observer calling `target` (if any), stopped by `cancel`.
    pub(crate) fn new(target: Option<Py<PyAny>>, cancel: &'a AtomicBool) -> Self {
        Self {
            target,
            error: None,
            cancel,
        }
    }

    /// The first exception the target raised.
    pub(crate) fn take_error(&mut self) -> Option<PyErr> {
        self.error.take()
    }
}

impl PyObserver<'_> {
    fn call(&mut self, f: impl FnOnce(Python<'_>, &Py<PyAny>) -> PyResult<Py<PyAny>>) {
        let Some(target) = &self.target else { return };
        if self.error.is_some() {
            return;
        }
        Python::attach(|py| {
            if let Err(e) = f(py, target) {
                self.error = Some(e);
            }
        });
    }
}

/// Runs `work` on a thread of its own (and its parallel parts on `n_threads` threads) while
/// this thread waits without the GIL, checking every 50 ms for a signal (Ctrl-C): its
/// exception is returned once `work`, told through the flag it is given, has stopped.
pub(crate) fn interruptible<R: Send>(
    py: Python<'_>,
    n_threads: Option<usize>,
    work: impl FnOnce(&AtomicBool) -> R + Send,
) -> PyResult<R> {
    let cancel = AtomicBool::new(false);
    let (done, result) = mpsc::channel();
    std::thread::scope(|scope| {
        let cancel = &cancel;
        scope.spawn(move || {
            // A send fails only if this thread has gone, and it waits for the scope.
            let _ = done.send(with_threads(n_threads, || work(cancel)));
        });
        let mut interrupted = None;
        let mut result = result;
        loop {
            let (receiver, received) = py.detach(move || {
                let received = result.recv_timeout(Duration::from_millis(50));
                (result, received)
            });
            result = receiver;
            match received {
                Ok(r) => {
                    return match interrupted {
                        Some(e) => Err(e),
                        None => r,
                    };
                }
                Err(RecvTimeoutError::Timeout) => {
                    if interrupted.is_none()
                        && let Err(e) = py.check_signals()
                    {
                        cancel.store(true, Ordering::Relaxed);
                        interrupted = Some(e);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err(
                        "the engine's thread stopped without a result (a bug: please report it)",
                    ));
                }
            }
        }
    })
}

impl FitObserver for PyObserver<'_> {
    fn on_iteration(&mut self, r: &IterationRecord) {
        let args = (
            r.run,
            r.iteration,
            r.log_likelihood,
            r.mean_log_likelihood,
            r.change,
            r.mean_shift,
        );
        self.call(|py, t| t.call_method1(py, "on_iteration", args));
    }

    fn on_run_end(&mut self, s: &RunSummary) {
        let args = (s.run, s.n_iter, s.converged, s.log_likelihood);
        self.call(|py, t| t.call_method1(py, "on_run_end", args));
    }

    fn keep_going(&mut self) -> bool {
        self.error.is_none() && !self.cancel.load(Ordering::Relaxed)
    }
}

/// Runs `f` on a pool of `n_threads` threads (the global pool when `None`).
fn with_threads<R: Send>(n_threads: Option<usize>, f: impl FnOnce() -> R + Send) -> PyResult<R> {
    match n_threads {
        None => Ok(f()),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(value_error)?;
            Ok(pool.install(f))
        }
    }
}

type FitResult<T> = Result<(AnyMixture<T>, Option<FitReport>), MixtureError>;

/// Where a fit's rows are: in this process, or in chunks elsewhere.
pub(crate) enum Input<'a, T> {
    Memory(Data<'a, T>),
    Chunked(&'a mut PyChunks),
}

/// Initialises, or fits from `start` (of the family fitted: the registry checked) or from an
/// initialisation.
struct Run<'a, 'c, T> {
    spec: &'a Spec,
    input: Input<'a, T>,
    start: Option<&'a AnyMixture<T>>,
    initialise_only: bool,
    observer: &'a mut PyObserver<'c>,
}

impl<T: Value> FamilyTask<T> for Run<'_, '_, T> {
    type Output = PyResult<FitResult<T>>;

    fn run<F: RegisteredFamily<T>>(self, family: F) -> Self::Output {
        let est = self.spec.estimator::<T, F>(family)?;
        let parts = self.spec.init_parts::<T, F::Components>()?;
        let start = self.start.and_then(|s| s.as_family::<F::Components>());
        let start = match (start, parts) {
            (Some(s), Some(parts)) => Some(Start::taking(s, parts)),
            (Some(s), None) => Some(match self.spec.previous_bound {
                Some(bound) => Start::from(s).after(bound),
                None => Start::from(s),
            }),
            (None, _) => None,
        };
        let observer = self.observer;
        let fitted = match self.input {
            Input::Memory(data) if self.initialise_only => {
                return Ok(est.initialise(data).map(|m| (m.into(), None)));
            }
            Input::Memory(data) => est.fit_with(data, start, observer),
            Input::Chunked(chunks) => {
                est.fit_with(mixture::core::Input::Chunked(chunks), start, observer)
            }
        };
        Ok(fitted.map(|f| (f.mixture.into(), Some(f.report))))
    }
}

#[allow(clippy::too_many_arguments)]
fn fit_typed<T: Value>(
    x: &Bound<'_, PyAny>,
    spec: &Spec,
    sample_weight: Option<PyReadonlyArray1<'_, f64>>,
    start: Option<&Model>,
    observer: Option<Py<PyAny>>,
    n_threads: Option<usize>,
    initialise_only: bool,
) -> PyResult<(Model, Option<FitReport>)> {
    let array = readonly::<T>(x)?;
    let data = Data::new(rows(&array)?, weights(&sample_weight)?);
    let input = Input::Memory(data);
    fit_input(
        x.py(),
        input,
        spec,
        start,
        observer,
        n_threads,
        initialise_only,
    )
}

/// Runs the fit `spec` asks for on `input` (see [`run`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_input<T: Value>(
    py: Python<'_>,
    input: Input<'_, T>,
    spec: &Spec,
    start: Option<&Model>,
    observer: Option<Py<PyAny>>,
    n_threads: Option<usize>,
    initialise_only: bool,
) -> PyResult<(Model, Option<FitReport>)> {
    let start = start
        .map(|m| m.inner.to_precision::<T>())
        .transpose()
        .map_err(value_error)?;
    let start = start.as_ref();
    let family = spec.family_for(start)?;
    let fitted = interruptible(py, n_threads, |cancel| {
        let mut observer = PyObserver {
            target: observer,
            error: None,
            cancel,
        };
        let fitted = family.run(Run {
            spec,
            input,
            start,
            initialise_only,
            observer: &mut observer,
        });
        match observer.error {
            Some(e) => Err(e),
            None => fitted,
        }
    })??;
    let (mixture, report) = fitted.map_err(fit_error)?;
    Ok((Model::new(mixture), report))
}

/// A fit's error for the scikit-learn-style classes: scikit-learn's message for parameters
/// that cannot be formed (its tests and users match it), then the engine's, which names the
/// component and the setting to change.
pub(crate) fn fit_error(e: MixtureError) -> PyErr {
    match e {
        MixtureError::ParametersNotFormed { .. } => value_error(format!(
            "Fitting the mixture model failed because some components have ill-defined \
             empirical covariance (for instance caused by singleton or collapsed samples). \
             Try to decrease the number of components, increase reg_covar, or scale the input \
             data. ({e})"
        )),
        e => value_error(e),
    }
}

pub(crate) fn is_f32(x: &Bound<'_, PyAny>) -> bool {
    x.cast::<PyArray2<f32>>().is_ok()
}

pub(crate) fn report_dict<'py>(py: Python<'py>, r: &FitReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("n_iter", r.n_iter)?;
    d.set_item("converged", r.converged)?;
    d.set_item("log_likelihood", r.log_likelihood)?;
    d.set_item("mean_log_likelihood", r.mean_log_likelihood)?;
    d.set_item("n_samples", r.n_samples)?;
    d.set_item("weight_total", r.weight_total)?;
    d.set_item("best_run", r.best_run)?;
    let runs = PyList::empty(py);
    for s in &r.runs {
        runs.append((s.run, s.n_iter, s.converged, s.log_likelihood))?;
    }
    d.set_item("runs", runs)?;
    let history = PyList::empty(py);
    for h in &r.history {
        history.append((
            h.run,
            h.iteration,
            h.log_likelihood,
            h.mean_log_likelihood,
            h.change,
            h.mean_shift,
        ))?;
    }
    d.set_item("history", history)?;
    let degenerate = PyList::empty(py);
    for e in &r.degenerate {
        // (run, iteration, component, reason, action, row re-seeded at or None)
        degenerate.append((
            e.run,
            e.iteration,
            e.component,
            e.reason.name(),
            e.action.name(),
            e.action.row(),
        ))?;
    }
    d.set_item("degenerate", degenerate)?;
    let suspect = PyList::empty(py);
    for s in &r.suspect {
        suspect.append((s.component, s.effective_rows, s.rows_needed))?;
    }
    d.set_item("suspect", suspect)?;
    Ok(d)
}

/// Fits a mixture to `x` (N×D, float32 or float64, C order: the model computes in its dtype)
/// as `spec` says, from `start` when given, with optional `sample_weight` (float64, N).
/// `observer`'s `on_iteration(run, iteration, log_likelihood, mean_log_likelihood, change,
/// mean_shift)` and `on_run_end(run, n_iter, converged, log_likelihood)` are called as the fit
/// goes. Returns the model and the report as a dict.
#[pyfunction]
#[pyo3(signature = (x, spec, sample_weight=None, start=None, observer=None, n_threads=None))]
pub fn fit<'py>(
    x: &Bound<'py, PyAny>,
    spec: Spec,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    start: Option<PyRef<'py, Model>>,
    observer: Option<Py<PyAny>>,
    n_threads: Option<usize>,
) -> PyResult<(Model, Bound<'py, PyDict>)> {
    let start = start.as_deref();
    let (model, report) = if is_f32(x) {
        fit_typed::<f32>(x, &spec, sample_weight, start, observer, n_threads, false)?
    } else {
        fit_typed::<f64>(x, &spec, sample_weight, start, observer, n_threads, false)?
    };
    let report = report.expect("a fit reports");
    Ok((model, report_dict(x.py(), &report)?))
}

/// `(bic, aic)` of a model with `log_likelihood`, `n_parameters` free parameters and data of
/// total weight `weight_total`: the engine's one formula, for reductions computed in Python.
#[pyfunction]
pub fn information_criteria(
    log_likelihood: f64,
    n_parameters: usize,
    weight_total: f64,
) -> (f64, f64) {
    mixture::core::information_criteria(log_likelihood, n_parameters, weight_total)
}

/// The initial model a fit of `x` as `spec` says would start from (run 0's initialisation).
#[pyfunction]
#[pyo3(signature = (x, spec, sample_weight=None, n_threads=None))]
pub fn initialise<'py>(
    x: &Bound<'py, PyAny>,
    spec: Spec,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    n_threads: Option<usize>,
) -> PyResult<Model> {
    let (model, _) = if is_f32(x) {
        fit_typed::<f32>(x, &spec, sample_weight, None, None, n_threads, true)?
    } else {
        fit_typed::<f64>(x, &spec, sample_weight, None, None, n_threads, true)?
    };
    Ok(model)
}

/// Stepwise E-M of one family and precision, behind one interface.
trait Stepwise: Send + Sync {
    /// Batches seen.
    fn n_steps(&self) -> usize;
    /// The saved state as JSON (`None` before the first step).
    fn save_state(&self) -> PyResult<Option<String>>;
    /// One step on `x` with optional weights; returns the new model.
    fn partial_fit(
        &mut self,
        x: &Bound<'_, PyAny>,
        w: Option<PyReadonlyArray1<'_, f64>>,
        n_threads: Option<usize>,
    ) -> PyResult<Model>;
}

impl<T: Value, F: RegisteredFamily<T>> Stepwise for mixture::core::Online<T, F> {
    fn n_steps(&self) -> usize {
        mixture::core::Online::n_steps(self)
    }

    fn save_state(&self) -> PyResult<Option<String>> {
        save_state(self)
    }

    fn partial_fit(
        &mut self,
        x: &Bound<'_, PyAny>,
        w: Option<PyReadonlyArray1<'_, f64>>,
        n_threads: Option<usize>,
    ) -> PyResult<Model> {
        let array = readonly::<T>(x)?;
        let data = Data::new(rows(&array)?, weights(&w)?);
        let mixture = x
            .py()
            .detach(|| {
                with_threads(n_threads, || {
                    mixture::core::Online::partial_fit(self, data).cloned()
                })
            })?
            .map_err(fit_error)?;
        Ok(Model::new(mixture))
    }
}

/// Builds the stepwise E-M a spec asks for, going on from a saved state when given.
struct NewStepwise<'a> {
    spec: &'a Spec,
    kappa: f64,
    t0: f64,
    state: Option<&'a str>,
}

impl<T: Value> FamilyTask<T> for NewStepwise<'_> {
    type Output = PyResult<Box<dyn Stepwise>>;

    fn run<F: RegisteredFamily<T>>(self, family: F) -> Self::Output {
        let online = self
            .spec
            .estimator::<T, F>(family.clone())?
            .online::<T>()
            .step_size(self.kappa, self.t0);
        Ok(Box::new(match self.state {
            Some(state) => restore_state(online, family, state)?,
            None => online,
        }))
    }
}

/// Stepwise (online) E-M over batches seen once: the first `partial_fit` initialises from its
/// batch, each later one blends the batch's statistics into the running ones with step size
/// ρ_t = (t + t₀)^(−κ) and takes an M-step.
///
/// Pickles with its whole state (the model, the running statistics and the step count), so a
/// stepwise fit can stop in one process and go on in another with the same bits.
#[pyclass(module = "mixture_em._engine")]
pub struct Online {
    state: Box<dyn Stepwise>,
    dtype: &'static str,
    spec: Py<PyDict>,
    step_size: (f64, f64),
}

/// What rebuilds an [`Online`]: its spec, dtype, κ, t₀ and saved state.
type OnlineArgs = (Py<PyDict>, &'static str, f64, f64, Option<String>);

/// The saved state of stepwise E-M as JSON (`None` before the first step).
fn save_state<T: Value, F: Family<T>>(
    online: &mixture::core::Online<T, F>,
) -> PyResult<Option<String>>
where
    Mixture<T, F::Components>: Serialize,
    Statistics<F::Stats>: Serialize,
{
    let (Some(mixture), Some(running)) = (online.mixture(), online.statistics()) else {
        return Ok(None);
    };
    let state = serde_json::json!({
        "mixture": mixture,
        "statistics": running,
        "steps": online.n_steps(),
    });
    Ok(Some(state.to_string()))
}

/// Stepwise E-M going on from `state` (from [`save_state`]), with the family of `online`'s
/// estimator.
fn restore_state<T: Value, F: Family<T>>(
    online: mixture::core::Online<T, F>,
    family: F,
    state: &str,
) -> PyResult<mixture::core::Online<T, F>>
where
    Mixture<T, F::Components>: DeserializeOwned,
    Statistics<F::Stats>: DeserializeOwned,
{
    #[derive(Deserialize)]
    #[serde(crate = "mixture::core::serde")]
    struct Saved<M, S> {
        mixture: M,
        statistics: S,
        steps: usize,
    }
    let saved: Saved<Mixture<T, F::Components>, Statistics<F::Stats>> =
        serde_json::from_str(state).map_err(value_error)?;
    online
        .resume(family, saved.mixture, saved.statistics, saved.steps)
        .map_err(value_error)
}

#[pymethods]
impl Online {
    /// Stepwise E-M as `spec` says, computing in `dtype` (`"float32"` or `"float64"`), with
    /// step size exponent `kappa` and offset `t0`.
    #[new]
    #[pyo3(signature = (spec, dtype, kappa=0.6, t0=2.0, state=None))]
    fn new(
        spec: Bound<'_, PyDict>,
        dtype: &str,
        kappa: f64,
        t0: f64,
        state: Option<&str>,
    ) -> PyResult<Self> {
        let parsed: Spec = spec.extract()?;
        let f32 = match dtype {
            "float32" => true,
            "float64" => false,
            other => return Err(invalid("dtype", other, "'float32' or 'float64'")),
        };
        let family = parsed.family()?;
        let task = NewStepwise {
            spec: &parsed,
            kappa,
            t0,
            state,
        };
        let state = if f32 {
            family.run::<f32, _>(task)?
        } else {
            family.run::<f64, _>(task)?
        };
        Ok(Self {
            state,
            dtype: if f32 { "float32" } else { "float64" },
            spec: spec.unbind(),
            step_size: (kappa, t0),
        })
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, OnlineArgs)> {
        let this = slf.borrow();
        let state = this.state.save_state()?;
        let (kappa, t0) = this.step_size;
        let spec = this.spec.clone_ref(slf.py());
        Ok((
            slf.get_type().into_any(),
            (spec, this.dtype, kappa, t0, state),
        ))
    }

    /// `"float32"` or `"float64"`.
    #[getter]
    fn dtype(&self) -> &'static str {
        self.dtype
    }

    /// Batches seen.
    #[getter]
    fn n_steps(&self) -> usize {
        self.state.n_steps()
    }

    /// One step on `x` (the dtype of this object) with optional weights; returns the new
    /// model. After an error the state is unchanged.
    #[pyo3(signature = (x, sample_weight=None, n_threads=None))]
    fn partial_fit(
        &mut self,
        x: &Bound<'_, PyAny>,
        sample_weight: Option<PyReadonlyArray1<'_, f64>>,
        n_threads: Option<usize>,
    ) -> PyResult<Model> {
        self.state.partial_fit(x, sample_weight, n_threads)
    }
}
