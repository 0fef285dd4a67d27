//! Numbers as people read them: thousands separators and exact percentages.

use crate::engine::totals::percent_hundredths;

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `num / den` as a percentage with two decimals, rounded half-up with integers (`"81.31%"`),
/// or `"–"` when `den` is 0.
pub fn percent(num: u64, den: u64) -> String {
    match percent_hundredths(num, den) {
        Some(h) => format!("{}.{:02}%", h / 100, h % 100),
        None => "–".to_string(),
    }
}

/// Like [`percent`] with one decimal (rounded once, half-up, from the exact ratio).
pub fn percent1(num: u64, den: u64) -> String {
    if den == 0 {
        return "–".to_string();
    }
    let tenths = (u128::from(num) * 2000 + u128::from(den)) / (2 * u128::from(den));
    format!("{}.{}%", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(11_950_485), "11,950,485");
        assert_eq!(percent(6_456_392, 7_940_466), "81.31%");
        assert_eq!(percent(1, 0), "–");
        assert_eq!(percent1(1046, 1000), "104.6%");
        assert_eq!(percent1(9995, 10_000), "100.0%");
        assert_eq!(percent1(449, 10_000), "4.5%");
        assert_eq!(percent1(4449, 100_000), "4.4%", "rounded once, not twice");
    }
}
