//! Checked numeric conversions: the platform never converts with a bare `as` that could wrap,
//! truncate or lose a sign (the workspace's clippy lints refuse it); these are the few
//! conversions that need more than `TryFrom`.

/// A count or a length as a database integer (saturating: no collection comes near `i64::MAX`).
pub fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// `x` rounded to the nearest integer, or `None` when it is not finite or beyond `i64`.
#[allow(clippy::cast_possible_truncation)] // checked just above: finite and within range
pub fn round(x: f64) -> Option<i64> {
    let r = x.round();
    // ±2^63 are exactly representable; a rounded value in [-2^63, 2^63) converts exactly (NaN and
    // the infinities are outside the range).
    (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&r).then_some(r as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_are_checked() {
        assert_eq!(count(3), 3);
        assert_eq!(round(2.5), Some(3));
        assert_eq!(round(-2.4), Some(-2));
        assert_eq!(round(f64::NAN), None);
        assert_eq!(round(f64::INFINITY), None);
        assert_eq!(round(1e19), None);
        assert_eq!(round(-9.3e18), None);
    }
}
