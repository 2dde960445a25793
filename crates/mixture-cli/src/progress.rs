//! Progress of long fits: a bar on standard error when it is a terminal and the fit has run
//! for more than a second (indicatif hides it otherwise).

use indicatif::{ProgressBar, ProgressStyle};
use mixture_core::{
    FitObserver,
    report::{IterationRecord, RunSummary},
};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Shows iteration, log-likelihood and its change once a fit has run for a second.
pub(crate) struct Progress {
    started: Instant,
    max_iter: u64,
    bar: Option<ProgressBar>,
    enabled: bool,
}

impl Progress {
    pub(crate) fn new(max_iter: usize) -> Self {
        Self {
            started: Instant::now(),
            max_iter: max_iter as u64,
            bar: None,
            enabled: std::io::stderr().is_terminal(),
        }
    }
}

impl FitObserver for Progress {
    fn on_iteration(&mut self, r: &IterationRecord) {
        if !self.enabled {
            return;
        }
        if self.bar.is_none() && self.started.elapsed() > Duration::from_secs(1) {
            let bar = ProgressBar::new(self.max_iter);
            if let Ok(style) =
                ProgressStyle::with_template("{bar:30} iteration {pos}/{len} {msg} [{elapsed}]")
            {
                bar.set_style(style);
            }
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_position(r.iteration as u64 + 1);
            bar.set_message(format!(
                "log p(X) = {:.4} nats, change {:.3e} per row",
                r.log_likelihood, r.change
            ));
        }
    }

    fn on_run_end(&mut self, _: &RunSummary) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        self.started = Instant::now();
    }
}
