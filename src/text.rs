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

/// Strips control characters (escape sequences start with one) so that nothing from a feed
/// can drive the terminal.
pub fn clean(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

/// A path as it can be printed in a message: control characters escaped (`\u{1b}`), bytes
/// that are not UTF-8 as `\xNN`.
pub fn clean_path(p: &std::path::Path) -> String {
    let mut out = String::new();
    for (i, part) in p.iter().enumerate() {
        if i > 0 && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(&crate::feed::scan::display_name(part));
    }
    escape_controls(&out)
}

/// `s` cut to at most `max` characters, with "…" when cut (for quoting input in messages).
pub fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

/// Control characters as `\u{..}` escapes, the rest as it is.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

/// Cuts `s` (cleaned) to `width` terminal columns, ending with "…" when cut. Widths are
/// measured per character (CJK and emoji take two columns).
pub fn fit(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let s = clean(s);
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return s;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// The terminal width of a string.
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// `s` cut or padded with spaces to exactly `w` columns (left-aligned).
pub fn pad(s: &str, w: usize) -> String {
    let f = fit(s, w);
    let n = width(&f);
    format!("{f}{}", " ".repeat(w.saturating_sub(n)))
}

/// `s` cut or padded to exactly `w` columns, right-aligned.
pub fn rpad(s: &str, w: usize) -> String {
    let f = fit(s, w);
    let n = width(&f);
    format!("{}{f}", " ".repeat(w.saturating_sub(n)))
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
        assert_eq!(clean("a\u{1b}[31mb\u{7}"), "a[31mb");
        assert_eq!(fit("Алматы", 10), "Алматы");
        assert_eq!(fit("Kassym-Jomart", 6), "Kassy…");
        assert_eq!(fit("東京都庁", 5), "東京…");
        assert_eq!(width(&pad("東京", 6)), 6);
        assert_eq!(width(&rpad("🗳 x", 6)), 6);
        assert_eq!(percent1(449, 10_000), "4.5%");
        assert_eq!(percent1(4449, 100_000), "4.4%", "rounded once, not twice");
    }
}
