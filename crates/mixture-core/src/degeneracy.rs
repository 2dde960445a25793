//! The vocabulary of degenerate components (why, and what was done), and the rows a fit
//! explains worst, where degenerate components are re-seeded.

/// A component whose total responsibility is below this many rows is empty. With weights,
/// "a row" is the mean weight of a row (`Σw / N`), so scaling every weight changes nothing.
pub const MIN_COMPONENT_WEIGHT: f64 = 1e-6;

/// Why a component was degenerate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum DegenerateReason {
    /// It lost (almost) all its rows.
    Empty,
    /// Its parameters could not be formed (a covariance that is not positive definite).
    Singular,
    /// It has fewer effective rows than its parameters need
    /// ([`SpuriousPolicy::Degenerate`](crate::SpuriousPolicy::Degenerate)).
    TooFewRows,
}

impl DegenerateReason {
    /// A short name: `"empty"`, `"singular"` or `"too_few_rows"`.
    pub fn name(self) -> &'static str {
        match self {
            DegenerateReason::Empty => "empty",
            DegenerateReason::Singular => "singular",
            DegenerateReason::TooFewRows => "too_few_rows",
        }
    }
}

/// What the M-step did with a degenerate component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum DegenerateAction {
    /// Re-seeded at this row (global index).
    Reseeded {
        /// The row it was re-seeded at.
        row: usize,
    },
    /// Dropped (K shrank by one).
    Dropped,
}

impl DegenerateAction {
    /// A short name: `"reseeded"` or `"dropped"`.
    pub fn name(self) -> &'static str {
        match self {
            DegenerateAction::Reseeded { .. } => "reseeded",
            DegenerateAction::Dropped => "dropped",
        }
    }

    /// The row a component was re-seeded at.
    pub fn row(self) -> Option<usize> {
        match self {
            DegenerateAction::Reseeded { row } => Some(row),
            DegenerateAction::Dropped => None,
        }
    }
}

/// One degenerate component met by an M-step, and what was done about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Degeneracy {
    /// The component's index at that moment (after earlier drops in the same M-step).
    pub component: usize,
    /// Why.
    pub reason: DegenerateReason,
    /// What was done.
    pub action: DegenerateAction,
}

/// One of the worst-explained rows, kept by the E-step for the re-seeding policy: the row's
/// values travel with it, so an M-step needs no access to the data.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WorstRow {
    /// How badly it is explained: `−ln p(x)` under the E-step's model (at initialisation, the
    /// squared distance to its centre). Larger is worse.
    pub badness: f64,
    /// Its global index (the `first_row` given to the E-step plus its place in the block).
    pub row: usize,
    /// Its weight.
    pub weight: f64,
    /// Its values, widened to `f64`.
    pub values: Vec<f64>,
}

/// Ordering of worst rows: worse first, ties to the lower row, so the kept set does not depend
/// on the order rows are offered in.
fn worse(a: (f64, usize), b: (f64, usize)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// Something ranked by `(badness, row)`: worse first, ties to the lower row.
pub(crate) trait Ranked {
    fn rank(&self) -> (f64, usize);
}

impl Ranked for (f64, usize) {
    fn rank(&self) -> (f64, usize) {
        *self
    }
}

impl Ranked for WorstRow {
    fn rank(&self) -> (f64, usize) {
        (self.badness, self.row)
    }
}

/// Keeps the `cap` worst items in `list` (sorted, worst first), building the item ranked
/// `rank` only if it is kept.
pub(crate) fn keep_worst<W: Ranked>(
    list: &mut Vec<W>,
    cap: usize,
    rank: (f64, usize),
    make: impl FnOnce() -> W,
) {
    if list.len() == cap && !list.last().is_some_and(|last| worse(rank, last.rank())) {
        return;
    }
    let at = list.partition_point(|v| worse(v.rank(), rank));
    list.insert(at, make());
    list.truncate(cap);
}
