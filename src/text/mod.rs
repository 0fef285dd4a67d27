//! How things leave the program for people and their scripts: numbers as people read them
//! (thousands separators, exact percentages), and the one path every string takes to a
//! terminal (sanitised), to stderr ([`warn`]) or into JSON ([`json`]).

pub mod json;

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

/// `num / den` as a percentage rounded half-up to two decimals, in hundredths of a percent,
/// computed with integers only (so 81.305% shows as 81.31, never as 81.30 by a float slip).
pub fn percent_hundredths(num: u64, den: u64) -> Option<u64> {
    (den > 0).then(|| ((u128::from(num) * 20_000 + u128::from(den)) / (2 * u128::from(den))) as u64)
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

/// Characters that change how the text around them is laid out or read without being seen:
/// bidirectional controls (which can make `P\u{202e}1` read as something else) and invisible
/// ones (zero-width space and the like). Ids may hold none of them; shown text has them
/// neutralised.
pub fn is_bidi_or_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{061c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2060}'..='\u{2064}'
            | '\u{feff}'
            | '\u{180e}'
            | '\u{00ad}'
    )
}

/// Joiners that writing systems need inside words (Persian, Indic scripts, emoji sequences):
/// kept in names shown, never allowed in ids.
fn is_joiner(c: char) -> bool {
    matches!(c, '\u{200c}' | '\u{200d}')
}

/// The one way feed text reaches a terminal drawn by us (dashboard, table): control
/// characters (escape sequences start with one), bidirectional controls and invisible
/// characters are dropped, so nothing from a feed can drive the terminal or disguise itself.
pub fn clean(s: &str) -> String {
    s.chars().filter(|&c| !(c.is_control() || (is_bidi_or_invisible(c) && !is_joiner(c)))).collect()
}

/// A file name as it can be printed: UTF-8 as it is, other bytes as `\xNN`.
pub fn display_name(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in name.as_bytes().utf8_chunks() {
            out.push_str(chunk.valid());
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        name.to_string_lossy().into_owned()
    }
}

/// A path as it can be printed in a message: control characters escaped (`\u{1b}`), bytes
/// that are not UTF-8 as `\xNN`.
pub fn clean_path(p: &std::path::Path) -> String {
    let mut out = String::new();
    for (i, part) in p.iter().enumerate() {
        if i > 0 && !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(&display_name(part));
    }
    escape_controls(&out)
}

/// `s` in double quotes for a message: escaped as Rust escapes (`\n`, `\u{1b}`, `\"`), then
/// cut to `max` characters — a quote of input is one short line, however long the input.
pub fn quote(s: &str, max: usize) -> String {
    let escaped: String = s.chars().flat_map(char::escape_debug).collect();
    format!("\"{}\"", cut(&escaped, max))
}

/// `s` cut to at most `max` characters, with "…" when cut (for quoting input in messages).
pub fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

/// The one way a message reaches stderr (or a log line): control, bidirectional and invisible
/// characters as `\u{..}` escapes, so they are seen rather than obeyed.
pub fn escape_controls(s: &str) -> String {
    let hidden = |c: char| c.is_control() || is_bidi_or_invisible(c);
    if !s.chars().any(hidden) {
        return s.to_string();
    }
    s.chars().map(|c| if hidden(c) { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

/// Says `message` on stderr, prefixed with the program's name, through [`escape_controls`].
pub fn warn(message: &str) {
    say(&format!("votewatch: {message}"));
}

/// Writes `line` to stderr as it is, through [`escape_controls`] (a log line that names its
/// own source).
pub fn say(line: &str) {
    eprintln!("{}", escape_controls(line));
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

/// Cleaned text cut to `width` terminal cells from the left, keeping its end (a path's file
/// name and line number): `…/karaganda.csv:412`.
pub fn fit_end(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let s = clean(s);
    if self::width(&s) <= width {
        return s;
    }
    let mut kept = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        kept.push(c);
        used += w;
    }
    if width == 0 {
        return String::new();
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// Cleaned text wrapped at word boundaries into lines of at most `width` terminal cells (a
/// word longer than a line is broken).
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let s = clean(s);
    if s.is_empty() {
        return vec![String::new()];
    }
    textwrap::wrap(&s, textwrap::Options::new(width.max(1)).break_words(true))
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
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
        assert_eq!(clean("P\u{202e}1\u{200b}2\u{2066}"), "P12", "bidi and invisible characters go");
        assert_eq!(clean("می\u{200c}خواهم"), "می\u{200c}خواهم", "a joiner inside a word stays");
        assert_eq!(escape_controls("x\u{1b}]0;T\u{7}\u{202e}"), "x\\u{1b}]0;T\\u{7}\\u{202e}");
        assert_eq!(fit("Алматы", 10), "Алматы");
        assert_eq!(fit("Kassym-Jomart", 6), "Kassy…");
        assert_eq!(fit("東京都庁", 5), "東京…");
        assert_eq!(width(&pad("東京", 6)), 6);
        assert_eq!(width(&rpad("🗳 x", 6)), 6);
        assert_eq!(percent1(449, 10_000), "4.5%");
        assert_eq!(percent1(4449, 100_000), "4.4%", "rounded once, not twice");
    }
}
