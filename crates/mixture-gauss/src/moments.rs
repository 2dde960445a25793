//! Weighted first and second moments per component, merged exactly (Chan et al.).
//!
//! Each block's scatter is centred on that block's own weighted mean, and blocks are combined
//! with the pairwise update `M2 = M2_a + M2_b + δδᵀ · n_a n_b / n`. No raw moment
//! `E[xxᵀ] − μμᵀ` is ever formed, so nothing cancels: not in `f32`, not on data far from the
//! origin. Everything here is `f64`.

use mixture_core::family::SufficientStats;

/// Per component: total responsibility `n`, weighted mean, and centred scatter
/// `Σ r (x − mean)(x − mean)ᵀ`: the full D×D matrix (row-major), or only its diagonal (D
/// values) for the diagonal and spherical models, which need no more.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "GaussianStatsRepr", into = "GaussianStatsRepr")
)]
pub struct GaussianStats {
    k: usize,
    d: usize,
    diagonal: bool,
    counts: Vec<f64>,
    means: Vec<f64>,
    scatters: Vec<f64>,
}

impl GaussianStats {
    pub(crate) fn new(k: usize, d: usize, diagonal: bool) -> Self {
        let per = if diagonal { d } else { d * d };
        Self {
            k,
            d,
            diagonal,
            counts: vec![0.0; k],
            means: vec![0.0; k * d],
            scatters: vec![0.0; k * per],
        }
    }

    /// Whether only the scatters' diagonals are kept.
    pub fn is_diagonal(&self) -> bool {
        self.diagonal
    }

    /// Values per component's scatter: D (diagonal) or D·D.
    fn per(&self) -> usize {
        if self.diagonal {
            self.d
        } else {
            self.d * self.d
        }
    }

    /// Number of components.
    pub fn n_components(&self) -> usize {
        self.k
    }

    /// Total responsibility of component `k`.
    pub fn count(&self, k: usize) -> f64 {
        self.counts[k]
    }

    /// Weighted mean of component `k`.
    pub fn mean(&self, k: usize) -> &[f64] {
        &self.means[k * self.d..(k + 1) * self.d]
    }

    /// Centred scatter of component `k`: D×D row-major, or its D diagonal values when
    /// [`GaussianStats::is_diagonal`].
    pub fn scatter(&self, k: usize) -> &[f64] {
        let per = self.per();
        &self.scatters[k * per..(k + 1) * per]
    }

    /// Merges one component's moments of later rows: count `n_b`, mean `mean_b`, centred
    /// scatter `scatter_b`.
    pub(crate) fn merge_component(
        &mut self,
        k: usize,
        n_b: f64,
        mean_b: &[f64],
        scatter_b: &[f64],
    ) {
        if n_b <= 0.0 {
            return;
        }
        let (d, per, diagonal) = (self.d, self.per(), self.diagonal);
        let n_a = self.counts[k];
        let mean_a = &mut self.means[k * d..(k + 1) * d];
        let scatter_a = &mut self.scatters[k * per..(k + 1) * per];
        if n_a <= 0.0 {
            self.counts[k] = n_b;
            mean_a.copy_from_slice(mean_b);
            scatter_a.copy_from_slice(scatter_b);
            return;
        }
        let n = n_a + n_b;
        let weight = n_a * n_b / n;
        let frac_b = n_b / n;
        if diagonal {
            for i in 0..d {
                let delta = mean_b[i] - mean_a[i];
                scatter_a[i] += scatter_b[i] + weight * delta * delta;
            }
        } else {
            for i in 0..d {
                let delta_i = mean_b[i] - mean_a[i];
                for j in 0..d {
                    let delta_j = mean_b[j] - mean_a[j];
                    scatter_a[i * d + j] += scatter_b[i * d + j] + weight * delta_i * delta_j;
                }
            }
        }
        for (a, b) in mean_a.iter_mut().zip(mean_b) {
            *a += (b - *a) * frac_b;
        }
        self.counts[k] = n;
    }
}

impl SufficientStats for GaussianStats {
    fn n_components(&self) -> usize {
        self.k
    }

    fn n_features(&self) -> usize {
        self.d
    }

    fn n_values(&self) -> usize {
        self.counts.len() + self.means.len() + self.scatters.len()
    }

    fn incompatibility(&self, other: &Self) -> Option<String> {
        let describe = |s: &Self| {
            format!(
                "{} components × {} features ({} scatters)",
                s.k,
                s.d,
                if s.diagonal { "diagonal" } else { "full" }
            )
        };
        ((self.k, self.d, self.diagonal) != (other.k, other.d, other.diagonal)).then(|| {
            format!(
                "Gaussian statistics of {} against {}",
                describe(self),
                describe(other)
            )
        })
    }

    fn merge(&mut self, other: &Self) {
        for k in 0..self.k {
            self.merge_component(k, other.counts[k], other.mean(k), other.scatter(k));
        }
    }

    fn reset(&mut self) {
        self.counts.fill(0.0);
        self.means.fill(0.0);
        self.scatters.fill(0.0);
    }

    fn scale(&mut self, factor: f64) {
        // Means do not move; counts and centred scatters are sums over rows.
        self.counts.iter_mut().for_each(|c| *c *= factor);
        self.scatters.iter_mut().for_each(|s| *s *= factor);
    }

    /// One pseudo-row at `row` whose scatter is the pooled covariance of all the other
    /// components' data (their moments merged), so the new component starts as broad as the
    /// data rather than as a point.
    fn reseed(&mut self, k: usize, row: &[f64], weight: f64) {
        let (d, per) = (self.d, self.per());
        let mut pooled = GaussianStats::new(1, d, self.diagonal);
        for c in (0..self.k).filter(|&c| c != k) {
            pooled.merge_component(0, self.counts[c], self.mean(c), self.scatter(c));
        }
        let n = pooled.counts[0];
        self.counts[k] = weight;
        self.means[k * d..(k + 1) * d].copy_from_slice(row);
        // The scatter of `weight` rows spread as the pooled covariance.
        let scatter = &mut self.scatters[k * per..(k + 1) * per];
        for (s, p) in scatter.iter_mut().zip(&pooled.scatters) {
            *s = if n > 0.0 { weight * (p / n) } else { 0.0 };
        }
    }

    fn remove(&mut self, k: usize) {
        let (d, per) = (self.d, self.per());
        self.k -= 1;
        self.counts.remove(k);
        self.means.drain(k * d..(k + 1) * d);
        self.scatters.drain(k * per..(k + 1) * per);
    }
}

/// The serialised form, checked on the way in.
#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct GaussianStatsRepr {
    n_components: usize,
    n_features: usize,
    diagonal: bool,
    counts: Vec<f64>,
    means: Vec<f64>,
    scatters: Vec<f64>,
}

#[cfg(feature = "serde")]
impl From<GaussianStats> for GaussianStatsRepr {
    fn from(s: GaussianStats) -> Self {
        Self {
            n_components: s.k,
            n_features: s.d,
            diagonal: s.diagonal,
            counts: s.counts,
            means: s.means,
            scatters: s.scatters,
        }
    }
}

#[cfg(feature = "serde")]
impl TryFrom<GaussianStatsRepr> for GaussianStats {
    type Error = String;

    fn try_from(r: GaussianStatsRepr) -> Result<Self, String> {
        let (k, d) = (r.n_components, r.n_features);
        let per = if r.diagonal { d } else { d * d };
        if r.counts.len() != k || r.means.len() != k * d || r.scatters.len() != k * per {
            return Err(format!(
                "Gaussian statistics of {k} components × {d} features need {k} counts, {} mean values and {} scatter values; found {}, {} and {}",
                k * d,
                k * per,
                r.counts.len(),
                r.means.len(),
                r.scatters.len()
            ));
        }
        Ok(Self {
            k,
            d,
            diagonal: r.diagonal,
            counts: r.counts,
            means: r.means,
            scatters: r.scatters,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Moments of rows `x` (D = 2) with weights `r`, the naive two-pass way.
    fn naive(x: &[[f64; 2]], r: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
        let n: f64 = r.iter().sum();
        let mut m = vec![0.0; 2];
        for (xi, ri) in x.iter().zip(r) {
            for j in 0..2 {
                m[j] += ri * xi[j] / n;
            }
        }
        let mut s = vec![0.0; 4];
        for (xi, ri) in x.iter().zip(r) {
            for a in 0..2 {
                for b in 0..2 {
                    s[a * 2 + b] += ri * (xi[a] - m[a]) * (xi[b] - m[b]);
                }
            }
        }
        (n, m, s)
    }

    #[test]
    fn merging_parts_equals_the_whole() {
        let x = [
            [1.0, 2.0],
            [3.0, -1.0],
            [0.5, 0.5],
            [10.0, 4.0],
            [-2.0, 7.0],
        ];
        let r = [0.2, 1.0, 0.7, 0.1, 0.9];
        let (n, m, s) = naive(&x, &r);
        let mut stats = GaussianStats::new(1, 2, false);
        let mut diag = GaussianStats::new(1, 2, true);
        for (lo, hi) in [(0, 2), (2, 3), (3, 5)] {
            let (nb, mb, sb) = naive(&x[lo..hi], &r[lo..hi]);
            let mut part = GaussianStats::new(1, 2, true);
            part.merge_component(0, nb, &mb, &[sb[0], sb[3]]);
            diag.merge(&part);
            let mut part = GaussianStats::new(1, 2, false);
            part.merge_component(0, nb, &mb, &sb);
            stats.merge(&part);
        }
        assert!((stats.count(0) - n).abs() < 1e-14);
        for (a, b) in stats.mean(0).iter().zip(&m) {
            assert!((a - b).abs() < 1e-14);
        }
        for (a, b) in stats.scatter(0).iter().zip(&s) {
            assert!((a - b).abs() < 1e-13);
        }
        assert!(
            (diag.scatter(0)[0] - s[0]).abs() < 1e-13 && (diag.scatter(0)[1] - s[3]).abs() < 1e-13
        );
    }
}
