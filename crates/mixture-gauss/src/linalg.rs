//! The small dense algebra of the M-step, in `f64`, sequential (so results never depend on the
//! thread count).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt::factor::{
    LltError, LltRegularization, cholesky_in_place, cholesky_in_place_scratch,
};
use faer::linalg::triangular_inverse::invert_lower_triangular;
use faer::{Mat, MatRef, Par};

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
