//! Special functions of variational bounds: the digamma and log-gamma functions, and the
//! divergences between the Beta and Gamma distributions of conjugate priors.

/// `ln Γ(x)` for `x > 0` (musl's `lgamma`, through `libm`: within a few ulps).
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)`.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// `KL(Beta(a, b) ‖ Beta(a0, b0))`.
pub fn beta_divergence(a: f64, b: f64, a0: f64, b0: f64) -> f64 {
    ln_beta(a0, b0) - ln_beta(a, b)
        + (a - a0) * digamma(a)
        + (b - b0) * digamma(b)
        + (a0 - a + b0 - b) * digamma(a + b)
}

/// `KL(Gamma(a, b) ‖ Gamma(a0, b0))`, shapes `a`, `a0` and rates `b`, `b0`.
pub fn gamma_divergence(a: f64, b: f64, a0: f64, b0: f64) -> f64 {
    (a - a0) * digamma(a) - ln_gamma(a) + ln_gamma(a0) + a0 * (b.ln() - b0.ln()) + a * (b0 - b) / b
}

/// The digamma function `ψ(x) = d ln Γ(x) / dx` for `x > 0`: the recurrence
/// `ψ(x) = ψ(x + 1) − 1/x` up to `x ≥ 10`, then the asymptotic series, whose terms left out
/// are below `1e-17` there. NaN for NaN or `x ≤ 0` (the priors keep arguments positive).
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    let (mut x, mut shift) = (x, 0.0);
    while x < 10.0 {
        shift -= 1.0 / x;
        x += 1.0;
    }
    // ψ(x) ~ ln x − 1/(2x) − Σ B_2n / (2n x^2n).
    let inv2 = 1.0 / (x * x);
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * 691.0 / 32760.0)))));
    shift + x.ln() - 0.5 / x - series
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `∫ q ln(q/p)` by the midpoint rule over `(lo, hi)`, for log-densities `q`, `p`.
    fn integrated(q: impl Fn(f64) -> f64, p: impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
        let steps = 400_000;
        let h = (hi - lo) / steps as f64;
        (0..steps)
            .map(|i| {
                let x = lo + (i as f64 + 0.5) * h;
                q(x).exp() * (q(x) - p(x)) * h
            })
            .sum()
    }

    #[test]
    fn divergences_match_their_integrals() {
        let beta = |a: f64, b: f64| {
            move |x: f64| (a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln() - ln_beta(a, b)
        };
        for (a, b, a0, b0) in [
            (3.0, 5.0, 1.0, 1.0),
            (2.5, 7.0, 1.0, 0.3),
            (4.0, 2.0, 2.0, 2.0),
        ] {
            let numeric = integrated(beta(a, b), beta(a0, b0), 0.0, 1.0);
            assert!(
                (beta_divergence(a, b, a0, b0) - numeric).abs() < 1e-6,
                "{a} {b}"
            );
        }
        let gamma =
            |a: f64, b: f64| move |x: f64| a * b.ln() - ln_gamma(a) + (a - 1.0) * x.ln() - b * x;
        for (a, b, a0, b0) in [
            (3.0, 2.0, 1.0, 0.5),
            (12.0, 4.0, 2.0, 1.0),
            (2.0, 1.0, 2.0, 1.0),
        ] {
            let numeric = integrated(gamma(a, b), gamma(a0, b0), 0.0, 60.0);
            assert!(
                (gamma_divergence(a, b, a0, b0) - numeric).abs() < 1e-6,
                "{a} {b}"
            );
        }
        assert_eq!(gamma_divergence(2.0, 1.0, 2.0, 1.0), 0.0);
    }

    #[test]
    fn digamma_matches_closed_forms() {
        const EULER: f64 = 0.577_215_664_901_532_9;
        let cases = [
            (1.0, -EULER),
            (0.5, -EULER - 2.0 * std::f64::consts::LN_2),
            (2.0, 1.0 - EULER),
            (
                10.0,
                1.0 + 0.5 + 1.0 / 3.0 + 0.25 + 0.2 + 1.0 / 6.0 + 1.0 / 7.0 + 0.125 + 1.0 / 9.0
                    - EULER,
            ),
            // ψ(1/4) = −γ − π/2 − 3 ln 2.
            (
                0.25,
                -EULER - std::f64::consts::FRAC_PI_2 - 3.0 * std::f64::consts::LN_2,
            ),
        ];
        for (x, expected) in cases {
            let got = digamma(x);
            assert!(
                (got - expected).abs() <= 4e-15 * expected.abs().max(1.0),
                "ψ({x}) = {got}, not {expected}"
            );
        }
        // The recurrence holds across the switch to the series.
        for x in [9.5, 9.999, 10.0, 37.2, 1e6] {
            let lhs = digamma(x + 1.0) - digamma(x);
            assert!(
                (lhs - 1.0 / x).abs() <= 1e-14 * (1.0 / x).max(1.0) + 1e-15,
                "ψ recurrence at {x}"
            );
        }
        assert!(digamma(0.0).is_nan() && digamma(-1.0).is_nan());
    }

    #[test]
    fn ln_beta_of_integers_is_a_binomial() {
        // B(3, 4) = 2! 3! / 6! = 1/60.
        assert!((ln_beta(3.0, 4.0) - (1.0f64 / 60.0).ln()).abs() < 1e-14);
    }
}
