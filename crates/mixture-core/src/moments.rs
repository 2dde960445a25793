//! [`FirstMoments`]: per-component counts and weighted sums, the sufficient statistics of every
//! family whose M-step needs only `Σ r` and `Σ r x` (Bernoulli, exponential, Poisson, ...).

use crate::family::SufficientStats;
use crate::rows::Rows;
use crate::scalar::Scalar;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// Per component `k`: `N_k = Σ_i r_ik` and `S_k = Σ_i r_ik x_i` (D values), in `f64`.
///
/// A block's sums come from one GEMM `Rᵀ X` in the data's type (B rows at a time), then are
/// added in `f64`; merging is addition, in the engine's fixed order.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "FirstMomentsRepr", into = "FirstMomentsRepr")
)]
pub struct FirstMoments {
    n_features: usize,
    counts: Vec<f64>,
    sums: Vec<f64>,
}

impl FirstMoments {
    /// Empty statistics for `n_components` components of dimension `n_features`.
    pub fn new(n_components: usize, n_features: usize) -> Self {
        Self {
            n_features,
            counts: vec![0.0; n_components],
            sums: vec![0.0; n_components * n_features],
        }
    }

    /// Number of components.
    pub fn n_components(&self) -> usize {
        self.counts.len()
    }

    /// Data dimension.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// `N_k`, the total responsibility of component `k`.
    pub fn count(&self, k: usize) -> f64 {
        self.counts[k]
    }

    /// `S_k = Σ_i r_ik x_i`.
    pub fn sum(&self, k: usize) -> &[f64] {
        &self.sums[k * self.n_features..(k + 1) * self.n_features]
    }

    /// Adds a block of rows weighted by `resp` (B×K, row-major). `scratch` is reused across
    /// calls.
    pub fn accumulate<T: Scalar>(&mut self, block: Rows<'_, T>, resp: &[T], scratch: &mut Vec<T>) {
        let (b, k, d) = (block.n_rows(), self.counts.len(), self.n_features);
        scratch.resize(k * d, T::zero());
        matmul(
            MatMut::from_row_major_slice_mut(scratch, k, d),
            Accum::Replace,
            MatRef::from_row_major_slice(resp, b, k).transpose(),
            block.as_mat(),
            T::one(),
            Par::Seq,
        );
        for (s, v) in self.sums.iter_mut().zip(scratch.iter()) {
            *s += v.as_f64();
        }
        for row in resp.chunks_exact(k) {
            for (n, r) in self.counts.iter_mut().zip(row) {
                *n += r.as_f64();
            }
        }
    }
}

impl SufficientStats for FirstMoments {
    fn n_components(&self) -> usize {
        self.counts.len()
    }

    fn n_features(&self) -> usize {
        self.n_features
    }

    fn n_values(&self) -> usize {
        self.counts.len() + self.sums.len()
    }

    fn incompatibility(&self, other: &Self) -> Option<String> {
        let (a, b) = (
            (self.n_components(), self.n_features),
            (other.n_components(), other.n_features),
        );
        (a != b).then(|| {
            format!(
                "first moments of {} components × {} features against {} × {}",
                a.0, a.1, b.0, b.1
            )
        })
    }

    fn merge(&mut self, other: &Self) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
    }

    fn reset(&mut self) {
        self.counts.fill(0.0);
        self.sums.fill(0.0);
    }

    fn scale(&mut self, factor: f64) {
        self.counts.iter_mut().for_each(|c| *c *= factor);
        self.sums.iter_mut().for_each(|s| *s *= factor);
    }

    fn reseed(&mut self, k: usize, row: &[f64], weight: f64) {
        let d = self.n_features;
        self.counts[k] = weight;
        for (s, v) in self.sums[k * d..(k + 1) * d].iter_mut().zip(row) {
            *s = weight * v;
        }
    }

    fn remove(&mut self, k: usize) {
        let d = self.n_features;
        self.counts.remove(k);
        self.sums.drain(k * d..(k + 1) * d);
    }
}

/// The serialised form: K counts and K×D sums, checked on the way in.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct FirstMomentsRepr {
    n_features: usize,
    counts: Vec<f64>,
    sums: Vec<f64>,
}

#[cfg(feature = "serde")]
impl From<FirstMoments> for FirstMomentsRepr {
    fn from(m: FirstMoments) -> Self {
        Self {
            n_features: m.n_features,
            counts: m.counts,
            sums: m.sums,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<FirstMomentsRepr> for FirstMoments {
    type Error = String;

    fn try_from(r: FirstMomentsRepr) -> Result<Self, String> {
        if r.sums.len() != r.counts.len() * r.n_features {
            return Err(format!(
                "first moments: {} sums for {} components of {} features",
                r.sums.len(),
                r.counts.len(),
                r.n_features
            ));
        }
        Ok(Self {
            n_features: r.n_features,
            counts: r.counts,
            sums: r.sums,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_match_a_loop() {
        let x = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let r = [0.25f32, 0.75, 1.0, 0.0, 0.5, 0.5];
        let mut m = FirstMoments::new(2, 2);
        m.accumulate(Rows::new(&x, 2).unwrap(), &r, &mut Vec::new());
        assert_eq!(m.count(0), 1.75);
        assert_eq!(m.count(1), 1.25);
        assert_eq!(m.sum(0), &[0.25 + 3.0 + 2.5, 0.5 + 4.0 + 3.0]);
        assert_eq!(m.sum(1), &[0.75 + 2.5, 1.5 + 3.0]);
        let mut twice = m.clone();
        twice.merge(&m);
        assert_eq!(twice.count(0), 3.5);
        twice.reset();
        assert_eq!(twice, FirstMoments::new(2, 2));
    }
}
