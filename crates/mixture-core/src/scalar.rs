//! The numeric backend: one bound, implemented for `f32` and `f64`.

use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// A floating-point type the library computes in: `f32` or `f64`.
///
/// It joins faer's [`RealField`](faer::traits::RealField) (so blocks of rows go through faer's
/// GEMM and Cholesky kernels) with [`num_traits::Float`] (for `ln`, `exp` and friends), and adds
/// the few conversions and random draws the library needs. Counts and log-likelihood totals are
/// always accumulated in `f64`, whatever `T` is.
pub trait Scalar:
    faer::traits::RealField
    + num_traits::Float
    + Default
    + std::fmt::Debug
    + std::fmt::Display
    + std::fmt::LowerExp
    + Send
    + Sync
    + 'static
{
    /// `"f32"` or `"f64"`.
    const NAME: &'static str;

    /// The nearest value of this type to `value`.
    fn cast(value: f64) -> Self;

    /// This value widened (or kept) as `f64`.
    fn as_f64(self) -> f64;

    /// A draw from the standard normal distribution N(0, 1).
    fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> Self;

    /// A draw from the standard exponential distribution Exp(1) (mean 1).
    fn standard_exponential<R: Rng + ?Sized>(rng: &mut R) -> Self;

    /// `e^self` by the library's branch-free exponential, which the compiler vectorises at
    /// this type's width: within 2 ulp of the correctly rounded value, and exactly 0 where the
    /// result would be subnormal.
    fn exp_vectorised(self) -> Self;
}

macro_rules! impl_scalar {
    ($t:ty, $exp:path) => {
        impl Scalar for $t {
            const NAME: &'static str = stringify!($t);

            #[inline(always)]
            fn cast(value: f64) -> Self {
                value as $t
            }

            #[inline(always)]
            fn as_f64(self) -> f64 {
                self as f64
            }

            #[inline]
            fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> Self {
                Distribution::<$t>::sample(&StandardNormal, rng)
            }

            #[inline]
            fn standard_exponential<R: Rng + ?Sized>(rng: &mut R) -> Self {
                Distribution::<$t>::sample(&Exp1, rng)
            }

            #[inline(always)]
            fn exp_vectorised(self) -> Self {
                $exp(self)
            }
        }
    };
}

impl_scalar!(f32, crate::exp::exp_f32);
impl_scalar!(f64, crate::exp::exp_f64);
