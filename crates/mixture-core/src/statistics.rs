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

use crate::degeneracy::{WorstRow, keep_worst};
use crate::error::{MixtureError, Result};
use crate::family::SufficientStats;

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
    /// `−Σ_i w_i Σ_k r_ik ln r_ik`, on variational passes only (0 otherwise).
    pub(crate) entropy: f64,
    pub(crate) weight_total: f64,
    pub(crate) n_rows: usize,
    pub(crate) worst: Vec<WorstRow>,
}

impl<S: SufficientStats> Statistics<S> {
    /// Empty statistics around empty family statistics (from [`Family::new_stats`](crate::family::Family::new_stats)): the
    /// neutral element of [`Statistics::merge`].
    pub fn new(family: S) -> Self {
        Self {
            counts: vec![0.0; family.n_components()],
            family,
            log_likelihood: 0.0,
            entropy: 0.0,
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

    /// The responsibilities' entropy `−Σ_i w_i Σ_k r_ik ln r_ik` in nats: the data's term of a
    /// variational lower bound. Computed on variational passes only (0 on E-M passes).
    pub fn entropy(&self) -> f64 {
        self.entropy
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
        self.entropy += other.entropy;
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
        self.entropy *= factor;
        self.weight_total *= factor;
        self.worst.iter_mut().for_each(|w| w.weight *= factor);
        Ok(())
    }

    /// Empties the statistics, keeping their memory.
    pub fn reset(&mut self) {
        self.family.reset();
        self.counts.fill(0.0);
        self.log_likelihood = 0.0;
        self.entropy = 0.0;
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
/// use mixture_core::chunked::{MergeTree, Statistics};
/// # fn parts() -> Vec<Statistics<mixture_core::family::FirstMoments>> { Vec::new() }
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

/// `parts` merged by `merge(left, right)` (left holds the earlier parts) in the order of a
/// [`MergeTree`]: neighbours paired level by level, an odd last one going up alone. It is the
/// order a cluster's tree reduction must follow to give the engine's bits; the first error
/// stops the merging. `None` for no parts.
///
/// # Errors
/// The first error of `merge`.
///
/// # Examples
/// ```
/// use mixture_core::chunked::merge_in_tree_order;
///
/// let parts = ["0", "1", "2", "3", "4"].map(String::from);
/// let joined = merge_in_tree_order(parts, |left: &mut String, right: &String| {
///     *left = format!("({left}+{right})");
///     Ok(())
/// })?;
/// assert_eq!(joined.as_deref(), Some("(((0+1)+(2+3))+4)"));
/// # Ok::<(), mixture_core::MixtureError>(())
/// ```
pub fn merge_in_tree_order<P: Clone>(
    parts: impl IntoIterator<Item = P>,
    merge: impl Fn(&mut P, &P) -> Result<()>,
) -> Result<Option<P>> {
    let failed = std::cell::RefCell::new(None);
    let join = |left: &mut P, right: &P| {
        if failed.borrow().is_none()
            && let Err(e) = merge(left, right)
        {
            *failed.borrow_mut() = Some(e);
        }
    };
    let mut tree = Pairwise::default();
    for part in parts {
        tree.push(&part, P::clone_from, join);
    }
    let merged = tree.finish(join);
    match failed.into_inner() {
        Some(e) => Err(e),
        None => Ok(merged),
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
