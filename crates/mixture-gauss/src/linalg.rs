//! The small dense algebra of the M-step, in `f64`, sequential (so results never depend on the
//! thread count).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{
    LltError, LltRegularization, cholesky_in_place, cholesky_in_place_scratch,
};
use faer::linalg::evd::{ComputeEigenvectors, self_adjoint_evd, self_adjoint_evd_scratch};
use faer::linalg::matmul::matmul;
use faer::linalg::triangular_inverse::invert_lower_triangular;
use faer::{Accum, Mat, MatRef, Par};

/// The lower Cholesky factor `L` of the symmetric `a` (only its lower triangle is read), or
/// the index of the first non-positive pivot.
pub(crate) fn cholesky_lower(a: MatRef<'_, f64>) -> Result<Mat<f64>, usize> {
    let d = a.nrows();
    let mut l = a.to_owned();
    let mut buffer = MemBuffer::new(cholesky_in_place_scratch::<f64>(
        d,
        Par::Seq,
        Default::default(),
    ));
    // Regularisation is added by the caller; faer's own is off (it can leave zero pivots).
    cholesky_in_place(
        l.as_mut(),
        LltRegularization::default(),
        Par::Seq,
        MemStack::new(&mut buffer),
        Default::default(),
    )
    .map_err(|LltError::NonPositivePivot { index }| index)?;
    // The routine leaves scratch above the diagonal.
    for j in 1..d {
        for i in 0..j {
            l[(i, j)] = 0.0;
        }
    }
    Ok(l)
}

/// `L⁻¹` for a lower-triangular `l` with positive diagonal.
pub(crate) fn invert_lower(l: MatRef<'_, f64>) -> Mat<f64> {
    let mut inv = Mat::zeros(l.nrows(), l.ncols());
    invert_lower_triangular(inv.as_mut(), l, Par::Seq);
    inv
}

/// `a b`, sequential.
pub(crate) fn product(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::zeros(a.nrows(), b.ncols());
    matmul(out.as_mut(), Accum::Replace, a, b, 1.0, Par::Seq);
    out
}

/// The eigenvalues of the symmetric `a` (lower triangle read) in decreasing order and the
/// matching unit eigenvectors as the columns of a matrix, or `None` when the iteration fails
/// (non-finite input).
pub(crate) fn eigen_decreasing(a: MatRef<'_, f64>) -> Option<(Vec<f64>, Mat<f64>)> {
    let d = a.nrows();
    let mut values = faer::Col::<f64>::zeros(d);
    let mut vectors = Mat::<f64>::zeros(d, d);
    let mut buffer = MemBuffer::new(self_adjoint_evd_scratch::<f64>(
        d,
        ComputeEigenvectors::Yes,
        Par::Seq,
        Default::default(),
    ));
    self_adjoint_evd(
        a,
        values.as_diagonal_mut(),
        Some(vectors.as_mut()),
        Par::Seq,
        MemStack::new(&mut buffer),
        Default::default(),
    )
    .ok()?;
    // faer's order is increasing.
    let order: Vec<usize> = (0..d).rev().collect();
    let decreasing = order.iter().map(|&j| values[j]).collect();
    Some((
        decreasing,
        Mat::from_fn(d, d, |i, j| vectors[(i, order[j])]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_and_inverse() {
        let a = Mat::from_fn(3, 3, |i, j| {
            [[4.0, 2.0, 0.4], [2.0, 5.0, 1.0], [0.4, 1.0, 3.0]][i][j]
        });
        let l = cholesky_lower(a.as_ref()).unwrap();
        let back = &l * l.transpose();
        let inv = invert_lower(l.as_ref());
        let eye = &inv * &l;
        for i in 0..3 {
            for j in 0..3 {
                assert!((back[(i, j)] - a[(i, j)]).abs() < 1e-14);
                assert!((eye[(i, j)] - f64::from(u8::from(i == j))).abs() < 1e-14);
            }
        }
        let singular = Mat::from_fn(2, 2, |_, _| 1.0);
        assert_eq!(cholesky_lower(singular.as_ref()).unwrap_err(), 1);
    }
}
