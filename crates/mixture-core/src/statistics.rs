//! The E-step's statistics of some rows under a mixture ([`Statistics`]), their exact merge,
//! and the M-step that turns merged statistics into a new mixture ([`m_step`]).
//!
//! This is the whole E-M iteration, wherever the rows live:
//!
//! ```text
//! for each part of the data (a block, a file chunk, a batch, a worker's chunk):
//!     stats_i = e_step(model, rows_i, weights_i)
//! merged = MergeTree of stats_0, stats_1, …       in part order
//! model' = m_step(merged, degenerate policy)
//! ```
//!
//! `Estimator::fit` is exactly this loop with blocks of `block_rows` rows as parts (computed in
//! parallel, merged in order as a balanced binary tree, [`MergeTree`]), so a loop written by
//! hand over the same blocks gives the same bits.

use crate::error::{MixtureError, Result};
use crate::family::{Components, Family, SufficientStats};
use crate::init::{nearest_centre, random_responsibility};
use crate::mixture::Mixture;
use crate::numeric::{normalise_rows, unit_scale};
use crate::options::DegeneratePolicy;
use crate::parameters::{Parameter, ParameterSet};
use crate::rows::Data;
use crate::scalar::Scalar;

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

/// What the E-step of a mixture on some rows gives: per-component weight totals, the family's
/// sufficient statistics, the rows' weighted log-likelihood, and the worst-explained rows.
///
/// Statistics of disjoint parts of the data [`merge`](Statistics::merge) into the statistics
/// of their union. Counts and totals are `f64` whatever the data's type. Behind the `serde`
/// feature they serialise (format `"mixture-statistics"`, version 1) so that another process
/// or machine can merge them; a round trip keeps every bit.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(
        try_from = "crate::serial::StatisticsRepr<S>",
        into = "crate::serial::StatisticsRepr<S>",
        bound(
            serialize = "S: serde::Serialize + Clone",
            deserialize = "S: serde::Deserialize<'de> + SufficientStats"
        )
    )
)]
pub struct Statistics<S> {
    pub(crate) counts: Vec<f64>,
    pub(crate) family: S,
    pub(crate) log_likelihood: f64,
    pub(crate) weight_total: f64,
    pub(crate) n_rows: usize,
    pub(crate) worst: Vec<WorstRow>,
}

impl<S: SufficientStats> Statistics<S> {
    /// Empty statistics around empty family statistics (from [`Family::new_stats`]): the
    /// neutral element of [`Statistics::merge`].
    pub fn new(family: S) -> Self {
        Self {
            counts: vec![0.0; family.n_components()],
            family,
            log_likelihood: 0.0,
            weight_total: 0.0,
            n_rows: 0,
            worst: Vec::new(),
        }
    }

    /// Number of components K.
    pub fn n_components(&self) -> usize {
        self.counts.len()
    }

    /// Data dimension D.
    pub fn n_features(&self) -> usize {
        self.family.n_features()
    }

    /// `N_k = Σ_i w_i r_ik`, the total (weighted) responsibility of every component.
    pub fn counts(&self) -> &[f64] {
        &self.counts
    }

    /// The family's sufficient statistics.
    pub fn family(&self) -> &S {
        &self.family
    }

    /// `Σ_i w_i ln p(x_i)` in nats, under the model of the E-step.
    pub fn log_likelihood(&self) -> f64 {
        self.log_likelihood
    }

    /// `Σ_i w_i` (the number of rows when unweighted).
    pub fn weight_total(&self) -> f64 {
        self.weight_total
    }

    /// Rows of positive weight seen (rows of weight 0 count as absent).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// The (at most K) worst-explained rows of positive weight, worst first.
    pub fn worst_rows(&self) -> &[WorstRow] {
        &self.worst
    }

    /// Adds `other`, the statistics of later rows, into `self`.
    ///
    /// Merging is exact arithmetic on `f64` values (sums, and for Gaussians the pairwise
    /// update of centred scatters), so it is associative only up to rounding: merge parts in
    /// a fixed order to get the same bits every time. `Estimator::fit` merges its blocks in
    /// the order of a [`MergeTree`].
    ///
    /// # Errors
    /// [`MixtureError::IncompatibleStatistics`] when the two differ in K, D or kind.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if let Some(reason) = self.family.incompatibility(&other.family) {
            return Err(MixtureError::IncompatibleStatistics { reason });
        }
        self.merge_unchecked(other);
        Ok(())
    }

    pub(crate) fn merge_unchecked(&mut self, other: &Self) {
        self.family.merge(&other.family);
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.log_likelihood += other.log_likelihood;
        self.weight_total += other.weight_total;
        self.n_rows += other.n_rows;
        let cap = self.counts.len();
        for w in &other.worst {
            keep_worst(&mut self.worst, cap, (w.badness, w.row), || w.clone());
        }
    }

    /// Multiplies every row's weight by `factor` (finite, > 0): counts, the family's
    /// statistics, the log-likelihood and the weight total scale; means and the rows' count do
    /// not. Stepwise E-M blends `(1 − ρ)·running + ρ·batch` this way.
    ///
    /// # Errors
    /// [`MixtureError::InvalidOption`] for a factor that is not finite and positive.
    pub fn scale(&mut self, factor: f64) -> Result<()> {
        if !(factor.is_finite() && factor > 0.0) {
            return Err(MixtureError::InvalidOption {
                name: "factor",
                value: factor.to_string(),
                expected: "a scale factor must be finite and positive",
            });
        }
        self.family.scale(factor);
        self.counts.iter_mut().for_each(|c| *c *= factor);
        self.log_likelihood *= factor;
        self.weight_total *= factor;
        self.worst.iter_mut().for_each(|w| w.weight *= factor);
        Ok(())
    }

    /// Empties the statistics, keeping their memory.
    pub fn reset(&mut self) {
        self.family.reset();
        self.counts.fill(0.0);
        self.log_likelihood = 0.0;
        self.weight_total = 0.0;
        self.n_rows = 0;
        self.worst.clear();
    }
}

/// Merges the statistics of consecutive parts of the data (blocks, file chunks, a cluster's
/// chunks), given in row order, as a balanced binary tree whose shape depends only on their
/// number: level by level, part 2i with part 2i + 1, an odd last part going up a level
/// alone. This is the order in which [`crate::Estimator::fit`] merges its blocks, so E-steps
/// of the same blocks merged through a `MergeTree` give the fit's bits, and a distributed
/// reduction that pairs neighbours level by level gives them too. Pairwise merging also
/// keeps the rounding error of the sums O(log n) in the number of parts, not O(n).
///
/// It holds at most one partial result per level (log₂ n of them).
///
/// # Examples
/// ```
/// use mixture_core::{MergeTree, Statistics};
/// # fn parts() -> Vec<Statistics<mixture_core::FirstMoments>> { Vec::new() }
/// let mut tree = MergeTree::new();
/// for part in parts() {
///     tree.push(&part)?; // in row order
/// }
/// let total: Option<Statistics<_>> = tree.finish();
/// # Ok::<(), mixture_core::MixtureError>(())
/// ```
#[derive(Debug, Clone)]
pub struct MergeTree<S> {
    pairs: Pairwise<Statistics<S>>,
}

impl<S> Default for MergeTree<S> {
    fn default() -> Self {
        Self {
            pairs: Pairwise::default(),
        }
    }
}

impl<S: SufficientStats> MergeTree<S> {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the statistics of the next part.
    ///
    /// # Errors
    /// [`MixtureError::IncompatibleStatistics`] when they differ in K, D or kind from the
    /// parts before.
    pub fn push(&mut self, part: &Statistics<S>) -> Result<()> {
        if let Some(first) = self.pairs.first()
            && let Some(reason) = first.family.incompatibility(&part.family)
        {
            return Err(MixtureError::IncompatibleStatistics { reason });
        }
        self.push_unchecked(part);
        Ok(())
    }

    pub(crate) fn push_unchecked(&mut self, part: &Statistics<S>) {
        // Merging into empty statistics copies them exactly (`SufficientStats::merge`), in the
        // memory of statistics merged before: no allocation once a pass has run.
        let copy = |into: &mut Statistics<S>, part: &Statistics<S>| {
            into.reset();
            into.merge_unchecked(part);
        };
        self.pairs.push(part, copy, Statistics::merge_unchecked);
    }

    /// The merged statistics of every part pushed (`None` if none was), leaving the tree
    /// empty.
    pub fn finish(&mut self) -> Option<Statistics<S>> {
        self.pairs.finish(Statistics::merge_unchecked)
    }

    /// Forgets the parts pushed and the memory kept for new ones.
    pub(crate) fn clear(&mut self) {
        self.pairs = Pairwise::default();
    }

    /// Keeps the memory of statistics no longer needed (a previous total) for the next parts.
    pub(crate) fn recycle(&mut self, done: Statistics<S>) {
        self.pairs.spare.push(done);
    }
}

/// The shape of a [`MergeTree`], for any values merged by a function `merge(left, right)`
/// (left holds the earlier parts).
#[derive(Debug, Clone)]
pub(crate) struct Pairwise<P> {
    /// Complete subtrees with their levels, strictly decreasing from the bottom.
    stack: Vec<(u32, P)>,
    /// Values no longer in use, whose memory the next parts reuse.
    spare: Vec<P>,
}

impl<P> Default for Pairwise<P> {
    fn default() -> Self {
        Self {
            stack: Vec::new(),
            spare: Vec::new(),
        }
    }
}

impl<P: Clone> Pairwise<P> {
    fn first(&self) -> Option<&P> {
        self.stack.first().map(|(_, p)| p)
    }

    /// Adds the next part: like a binary counter, it joins the subtrees of equal level on top.
    /// The part is merged straight into a lone part before it, or else copied (`copy(into,
    /// part)`, into a spare value when there is one) to wait for the next.
    pub(crate) fn push(&mut self, part: &P, copy: impl Fn(&mut P, &P), merge: impl Fn(&mut P, &P)) {
        let (mut carry, mut level) = match self.stack.pop() {
            Some((0, mut left)) => {
                merge(&mut left, part);
                (left, 1)
            }
            top => {
                self.stack.extend(top);
                let carry = match self.spare.pop() {
                    Some(mut spare) => {
                        copy(&mut spare, part);
                        spare
                    }
                    None => part.clone(),
                };
                (carry, 0)
            }
        };
        while self.stack.last().is_some_and(|(top, _)| *top == level) {
            let (_, mut left) = self.stack.pop().expect("a top");
            merge(&mut left, &carry);
            self.spare.push(carry);
            carry = left;
            level += 1;
        }
        self.stack.push((level, carry));
    }

    /// The complete subtrees joined from the right: what pairing level by level does with the
    /// parts left over at the end of each level.
    pub(crate) fn finish(&mut self, merge: impl Fn(&mut P, &P)) -> Option<P> {
        let (_, mut right) = self.stack.pop()?;
        while let Some((_, mut left)) = self.stack.pop() {
            merge(&mut left, &right);
            self.spare.push(right);
            right = left;
        }
        Some(right)
    }
}

/// Where a block's responsibilities come from.
pub(crate) enum Source<'m, T, C> {
    /// The E-step of a mixture.
    Model(&'m Mixture<T, C>),
    /// One-hot responsibilities for the nearest of these centres (K×D, initialisation), with
    /// each row's squared distance to it as its badness.
    Centres(&'m [f64]),
    /// Random responsibilities ([`crate::Init::Random`]) of the given seed and run.
    Random {
        /// The fit's seed.
        seed: u64,
        /// The run (0-based).
        run: usize,
    },
}

// Manual impls: a derive would demand `T: Copy, C: Copy` although only references are held.
impl<T, C> Clone for Source<'_, T, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, C> Copy for Source<'_, T, C> {}

/// Working memory of the block kernel, reused across blocks: a pass allocates only the values
/// of each block's K worst rows.
pub(crate) struct Workspace<T, W> {
    joint: Vec<T>,
    lse: Vec<T>,
    density_scratch: Vec<T>,
    stats_scratch: W,
    worst: Vec<(f64, usize)>,
}

impl<T, W: Default> Default for Workspace<T, W> {
    fn default() -> Self {
        Self {
            joint: Vec::new(),
            lse: Vec::new(),
            density_scratch: Vec::new(),
            stats_scratch: W::default(),
            worst: Vec::new(),
        }
    }
}

/// The fused work on one block, added into `out`: responsibilities (times the rows' weights),
/// log-likelihood, counts, worst rows and (when `accumulate`) the family's statistics.
///
/// `data` is already validated (finite, D columns, in the family's domain, one weight per row
/// if any). Rows of weight 0 add nothing and are never reported.
///
/// # Errors
/// [`MixtureError::ZeroDensity`] for the first row of positive weight that no component can
/// explain.
pub(crate) fn accumulate_block<T: Scalar, F: Family<T>>(
    family: &F,
    source: Source<'_, T, F::Components>,
    data: Data<'_, T>,
    first_row: usize,
    accumulate: bool,
    ws: &mut Workspace<T, F::Scratch>,
    out: &mut Statistics<F::Stats>,
) -> Result<()> {
    let (block, weights) = (data.rows(), data.weights());
    let k = out.n_components();
    let joint = &mut ws.joint;
    joint.resize(block.n_rows() * k, T::zero());
    ws.worst.clear();
    let weight_of = |i: usize| weights.map_or(1.0, |w| w[i]);
    match source {
        Source::Model(model) => {
            model
                .components()
                .log_densities(block, joint, &mut ws.density_scratch);
            let log_weights = model.log_weights();
            for row in joint.chunks_exact_mut(k) {
                for (v, &lw) in row.iter_mut().zip(log_weights) {
                    *v += lw;
                }
            }
            normalise_rows(joint, k, &mut ws.lse);
            for (i, (row, &lse)) in joint.chunks_exact_mut(k).zip(&ws.lse).enumerate() {
                let w = weight_of(i);
                if w == 0.0 {
                    row.fill(T::zero());
                    continue;
                }
                if !lse.is_finite() {
                    return Err(MixtureError::ZeroDensity {
                        row: first_row + i,
                        value: lse.as_f64(),
                    });
                }
                // w · lse is exact for w = 1: unweighted sums are the plain sums.
                out.log_likelihood += w * lse.as_f64();
                keep_worst(&mut ws.worst, k, (-lse.as_f64(), i), || (-lse.as_f64(), i));
            }
        }
        Source::Centres(centres) => {
            let scale = unit_scale(centres);
            joint.fill(T::zero());
            for (i, (row, x)) in joint.chunks_exact_mut(k).zip(block.iter()).enumerate() {
                if weight_of(i) > 0.0 {
                    let (label, distance) = nearest_centre(x, centres, scale);
                    row[label] = T::one();
                    keep_worst(&mut ws.worst, k, (distance, i), || (distance, i));
                }
            }
        }
        Source::Random { seed, run } => {
            let mut draws = vec![0.0; k];
            for (i, row) in joint.chunks_exact_mut(k).enumerate() {
                if weight_of(i) == 0.0 {
                    row.fill(T::zero());
                    continue;
                }
                for (c, v) in draws.iter_mut().enumerate() {
                    *v = random_responsibility(seed, run, first_row + i, c);
                }
                let total: f64 = draws.iter().sum();
                for (r, v) in row.iter_mut().zip(&draws) {
                    *r = T::cast(v / total);
                }
                // No row explains a random start worse than another.
                keep_worst(&mut ws.worst, k, (0.0, i), || (0.0, i));
            }
        }
    }
    if let Some(w) = weights {
        for (row, &w) in joint.chunks_exact_mut(k).zip(w) {
            if w != 1.0 {
                for r in row.iter_mut() {
                    *r = T::cast(w * r.as_f64());
                }
            }
        }
        out.weight_total += w.iter().sum::<f64>();
    } else {
        out.weight_total += block.n_rows() as f64;
    }
    out.n_rows += weights.map_or(block.n_rows(), |w| w.iter().filter(|&&v| v > 0.0).count());
    for &(badness, i) in &ws.worst {
        keep_worst(&mut out.worst, k, (badness, first_row + i), || WorstRow {
            badness,
            row: first_row + i,
            weight: weight_of(i),
            values: block.row(i).iter().map(|v| v.as_f64()).collect(),
        });
    }
    if accumulate {
        for row in joint.chunks_exact(k) {
            for (c, r) in out.counts.iter_mut().zip(row) {
                *c += r.as_f64();
            }
        }
        family.accumulate(block, joint, &mut out.family, &mut ws.stats_scratch);
    }
    Ok(())
}

/// What an M-step gives: the new mixture and the degenerate components it met.
#[derive(Debug, Clone)]
pub struct MStep<T, C> {
    /// The new parameters.
    pub mixture: Mixture<T, C>,
    /// Degenerate components, in the order they were handled.
    pub degenerate: Vec<Degeneracy>,
}

impl<T, C> MStep<T, C> {
    /// Indices of the components dropped, in removal order (each index as it was then).
    pub fn dropped(&self) -> impl Iterator<Item = usize> + '_ {
        self.degenerate
            .iter()
            .filter(|d| d.action == DegenerateAction::Dropped)
            .map(|d| d.component)
    }
}

/// The M-step: new parameters from merged statistics, handling degenerate components by
/// `policy`. The mixing weights are the counts over their total.
///
/// # Errors
/// [`MixtureError::EmptyComponent`] or [`MixtureError::ParametersNotFormed`] when the policy is
/// [`DegeneratePolicy::Error`], when re-seeding has no worst row left, or when dropping would
/// leave no component; [`MixtureError::IncompatibleStatistics`] for statistics that saw no
/// weight at all; other errors of [`Family::estimate`] as they come.
pub fn m_step<T: Scalar, F: Family<T>>(
    family: &F,
    stats: &Statistics<F::Stats>,
    policy: DegeneratePolicy,
) -> Result<MStep<T, F::Components>> {
    m_step_checked(family, stats, policy, None, None)
}

/// The mixture `current` holds fixed: its parameters of the groups `held` stay exactly as they
/// are in every M-step ([`crate::Estimator::hold`]).
#[derive(Debug)]
pub(crate) struct Hold<'a, T, C> {
    pub current: &'a Mixture<T, C>,
    pub held: ParameterSet,
}

// By hand: a derive would ask T and C to be Copy.
impl<T, C> Clone for Hold<'_, T, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, C> Copy for Hold<'_, T, C> {}

/// [`m_step`], and with `rows_needed` a component of fewer effective rows is degenerate too
/// ([`DegenerateReason::TooFewRows`]); a component re-seeded in this M-step is not checked
/// again.
pub(crate) fn m_step_checked<T: Scalar, F: Family<T>>(
    family: &F,
    stats: &Statistics<F::Stats>,
    policy: DegeneratePolicy,
    rows_needed: Option<f64>,
    hold: Option<Hold<'_, T, F::Components>>,
) -> Result<MStep<T, F::Components>> {
    if stats.weight_total.is_nan() || stats.weight_total <= 0.0 {
        return Err(MixtureError::IncompatibleStatistics {
            reason: "no rows of positive weight were accumulated; run the E-step on data first"
                .into(),
        });
    }
    // "A row" is the mean weight of a row, so scaling every weight changes nothing.
    let minimum = MIN_COMPONENT_WEIGHT * stats.weight_total / stats.n_rows.max(1) as f64;
    let mut edited: Option<Statistics<F::Stats>> = None;
    let mut degenerate = Vec::new();
    let mut reseeds = 0;
    let mut reseeded = Vec::new();
    loop {
        let current = edited.as_ref().unwrap_or(stats);
        let empty = current
            .counts
            .iter()
            .position(|&c| !(c >= minimum && c.is_finite()));
        let too_few = rows_needed.and_then(|needed| {
            let c = (0..current.counts.len())
                .find(|&c| current.counts[c] < needed && !reseeded.contains(&c))?;
            Some((c, needed))
        });
        let (component, reason, error) = match (empty, too_few) {
            (Some(component), _) => (
                component,
                DegenerateReason::Empty,
                MixtureError::EmptyComponent {
                    component,
                    weight: current.counts[component],
                    minimum,
                },
            ),
            (None, Some((component, needed))) => (
                component,
                DegenerateReason::TooFewRows,
                MixtureError::SpuriousComponent {
                    component,
                    effective_rows: current.counts[component],
                    rows_needed: needed,
                },
            ),
            (None, None) => match estimate(family, &current.family, hold) {
                Ok(components) => {
                    let total: f64 = current.counts.iter().sum();
                    let weights = match hold {
                        Some(h) if h.held.contains(Parameter::WEIGHTS) => {
                            h.current.weights().to_vec()
                        }
                        _ => current.counts.iter().map(|&c| c / total).collect(),
                    };
                    return Ok(MStep {
                        mixture: Mixture::from_normalised_weights(weights, components),
                        degenerate,
                    });
                }
                Err(e @ MixtureError::ParametersNotFormed { component, .. }) => {
                    (component, DegenerateReason::Singular, e)
                }
                Err(e) => return Err(e),
            },
        };
        let current = edited.get_or_insert_with(|| stats.clone());
        let action = match policy {
            DegeneratePolicy::Error => return Err(error),
            DegeneratePolicy::Reseed => {
                // Each re-seed takes the next worst row; K of them at most per M-step.
                let Some(worst) = current.worst.get(reseeds) else {
                    return Err(error);
                };
                reseeds += 1;
                let (row, weight, values) = (worst.row, worst.weight, worst.values.clone());
                current.family.reseed(component, &values, weight);
                current.counts[component] = weight;
                reseeded.push(component);
                DegenerateAction::Reseeded { row }
            }
            DegeneratePolicy::Drop => {
                if current.counts.len() == 1 {
                    return Err(error);
                }
                current.family.remove(component);
                current.counts.remove(component);
                for r in reseeded.iter_mut().filter(|r| **r > component) {
                    *r -= 1;
                }
                DegenerateAction::Dropped
            }
        };
        degenerate.push(Degeneracy {
            component,
            reason,
            action,
        });
    }
}

/// The family's M-step, holding what `hold` says.
fn estimate<T: Scalar, F: Family<T>>(
    family: &F,
    stats: &F::Stats,
    hold: Option<Hold<'_, T, F::Components>>,
) -> Result<F::Components> {
    match hold {
        Some(h) if !h.held.without(Parameter::WEIGHTS).is_empty() => {
            family.estimate_holding(stats, h.current.components(), h.held)
        }
        _ => family.estimate(stats),
    }
}

#[cfg(test)]
mod tests {
    use super::Pairwise;

    fn join(left: &mut String, right: &String) {
        *left = format!("({left}+{right})");
    }

    /// The reduction a cluster runs: neighbours paired level by level, an odd last one
    /// promoted alone.
    fn level_by_level(mut parts: Vec<String>) -> String {
        while parts.len() > 1 {
            parts = parts
                .chunks(2)
                .map(|pair| match pair {
                    [a, b] => format!("({a}+{b})"),
                    [a] => a.clone(),
                    _ => unreachable!(),
                })
                .collect();
        }
        parts.pop().unwrap_or_default()
    }

    #[test]
    fn the_streaming_tree_is_the_level_by_level_tree() {
        for n in 1..=300 {
            let parts: Vec<String> = (0..n).map(|i| i.to_string()).collect();
            let mut tree = Pairwise::default();
            for p in &parts {
                tree.push(p, String::clone_from, join);
            }
            assert_eq!(tree.finish(join).unwrap(), level_by_level(parts), "n = {n}");
            assert!(tree.finish(join).is_none());
        }
    }
}
