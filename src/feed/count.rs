//! A count as written (in JSON or a CSV cell), before it is judged, and its judgement: an
//! integer literal within bounds, or a one-line reason quoting what was written.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::report::MAX_COUNT;

/// A count as written, before it is judged. A count is an integer literal (`600`): `600.0`,
/// `6e2` and a number past any integer type are numbers, but not counts.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCount {
    Whole(u64),
    Negative(i64),
    /// Digits past 64 bits, as written (cut to 40 characters); negative or not.
    TooLong(String),
    /// A fraction or an exponent (`600.0`, `6e2`), as written.
    NotWhole(String),
    /// A number the fast reader saw as a float, before its literal is looked up.
    Float,
    Text(String),
    Other(&'static str),
}

/// The longest quote of input a message makes.
const QUOTE: usize = 40;

impl RawCount {
    /// The count, or why it is not one. `field` names it in the message.
    pub fn check(&self, field: impl fmt::Display) -> Result<u32, String> {
        match self {
            RawCount::Whole(n) if *n <= MAX_COUNT => Ok(*n as u32),
            RawCount::Whole(n) => Err(format!("{field} is {n}, above the limit of 1,000,000,000")),
            RawCount::Negative(n) => Err(format!("{field} is {n}, a count cannot be negative")),
            RawCount::TooLong(s) if s.starts_with('-') => Err(format!("{field} is {s}, a count cannot be negative")),
            RawCount::TooLong(s) => Err(format!("{field} is {s}, above the limit of 1,000,000,000")),
            RawCount::NotWhole(s) => {
                Err(format!("{field} is {s}, not a whole number (a count is written as an integer, like 600)"))
            }
            RawCount::Float => {
                Err(format!("{field} is not a whole number (a count is written as an integer, like 600)"))
            }
            RawCount::Text(s) => {
                Err(format!("{field} is the string {}, expected a whole number", crate::text::quote(s, 40)))
            }
            RawCount::Other(kind) => Err(format!("{field} is {kind}, expected a whole number")),
        }
    }

    /// Reads a number literal strictly: digits (with a `-` for negatives) are an integer;
    /// anything else a number may be is kept as written.
    fn from_number(text: &str) -> RawCount {
        let digits = text.strip_prefix('-').unwrap_or(text);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if text.starts_with('-') {
                if digits.bytes().all(|b| b == b'0') {
                    return RawCount::Whole(0);
                }
                if let Ok(n) = text.parse::<i64>() {
                    return RawCount::Negative(n);
                }
            } else if let Ok(n) = text.parse::<u64>() {
                return RawCount::Whole(n);
            }
            return RawCount::TooLong(crate::text::cut(text, QUOTE));
        }
        RawCount::NotWhole(crate::text::cut(text, QUOTE))
    }

    /// Parses a CSV cell (already trimmed).
    pub fn from_cell(cell: &str) -> RawCount {
        let numeric = cell.parse::<f64>().is_ok() && cell.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
        if numeric {
            RawCount::from_number(cell.strip_prefix('+').unwrap_or(cell))
        } else if cell.is_empty() {
            RawCount::Other("empty")
        } else {
            RawCount::Text(cell.chars().take(QUOTE).collect())
        }
    }

    /// A JSON value as written (a number, a string, or another kind), for the slow path that
    /// quotes what was written.
    pub fn from_json(raw: &str) -> RawCount {
        let raw = raw.trim();
        match raw.as_bytes().first() {
            Some(b'"') => {
                RawCount::Text(serde_json::from_str::<String>(raw).unwrap_or_default().chars().take(QUOTE).collect())
            }
            Some(b't' | b'f') => RawCount::Other("a true/false value"),
            Some(b'n') => RawCount::Other("null"),
            Some(b'[') => RawCount::Other("a list"),
            Some(b'{') => RawCount::Other("an object"),
            _ => RawCount::from_number(raw),
        }
    }
}

struct CountVisitor;

impl<'de> Visitor<'de> for CountVisitor {
    type Value = RawCount;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a count")
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawCount, E> {
        Ok(RawCount::Whole(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawCount, E> {
        Ok(if v < 0 { RawCount::Negative(v) } else { RawCount::Whole(v as u64) })
    }
    fn visit_f64<E>(self, _: f64) -> Result<RawCount, E> {
        // Not an integer literal; which literal it was is looked up if it matters.
        Ok(RawCount::Float)
    }
    fn visit_str<E>(self, v: &str) -> Result<RawCount, E> {
        Ok(RawCount::Text(v.chars().take(QUOTE).collect()))
    }
    fn visit_bool<E>(self, _: bool) -> Result<RawCount, E> {
        Ok(RawCount::Other("a true/false value"))
    }
    fn visit_unit<E>(self) -> Result<RawCount, E> {
        Ok(RawCount::Other("null"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawCount, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RawCount::Other("a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawCount, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(RawCount::Other("an object"))
    }
}

impl<'de> Deserialize<'de> for RawCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CountVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_bounds_are_exact() {
        assert_eq!(RawCount::Whole(1_000_000_000).check("x"), Ok(1_000_000_000));
        assert!(RawCount::Whole(1_000_000_001).check("x").is_err());
        assert!(RawCount::from_json("12.0").check("x").unwrap_err().contains("x is 12.0, not a whole number"));
        assert!(RawCount::from_json("6e2").check("x").unwrap_err().contains("x is 6e2, not a whole number"));
        assert!(
            RawCount::from_json("9999999999999999999999")
                .check("x")
                .unwrap_err()
                .contains("x is 9999999999999999999999, above")
        );
        assert!(RawCount::from_json("-99999999999999999999").check("x").unwrap_err().contains("cannot be negative"));
        assert_eq!(RawCount::from_json("-0"), RawCount::Whole(0));
        assert_eq!(RawCount::from_json(&"9".repeat(100)), RawCount::TooLong(format!("{}…", "9".repeat(40))));
        assert_eq!(RawCount::from_cell("007"), RawCount::Whole(7));
        assert_eq!(RawCount::from_cell("-3"), RawCount::Negative(-3));
        assert_eq!(RawCount::from_cell("2.5"), RawCount::NotWhole("2.5".into()));
        assert_eq!(RawCount::from_cell("600.0"), RawCount::NotWhole("600.0".into()));
        assert_eq!(RawCount::from_cell("inf"), RawCount::Text("inf".into()));
        assert_eq!(RawCount::from_cell("abc"), RawCount::Text("abc".into()));
        assert_eq!(RawCount::from_cell(""), RawCount::Other("empty"));
    }
}
