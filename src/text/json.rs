//! JSON as votewatch writes it: standard JSON whose strings carry no character that could
//! drive or disguise a terminal it is later printed to. Control characters (C0, DEL, C1),
//! bidirectional controls and invisible characters are written as `\uXXXX` escapes — which
//! any JSON reader decodes back to the same string, so nothing is lost.

use std::io::Write;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// A formatter that escapes what must not reach a terminal raw, around another formatter.
pub struct Safe<F>(pub F);

fn hidden(c: char) -> bool {
    c.is_control() || super::is_bidi_or_invisible(c)
}

impl<F: Formatter> Formatter for Safe<F> {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> std::io::Result<()> {
        if !fragment.chars().any(hidden) {
            return self.0.write_string_fragment(w, fragment);
        }
        for c in fragment.chars() {
            if hidden(c) {
                write!(w, "\\u{:04x}", c as u32)?;
            } else {
                let mut buf = [0u8; 4];
                w.write_all(c.encode_utf8(&mut buf).as_bytes())?;
            }
        }
        Ok(())
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `value` as one line of JSON.
pub fn write<W: Write, T: Serialize + ?Sized>(w: W, value: &T) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, Safe(CompactFormatter));
    value.serialize(&mut ser).map_err(std::io::Error::from)
}

/// Writes `value` as indented JSON.
pub fn write_pretty<W: Write, T: Serialize + ?Sized>(w: W, value: &T) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(w, Safe(PrettyFormatter::new()));
    value.serialize(&mut ser).map_err(std::io::Error::from)
}

#[cfg(test)]
mod tests {
    #[test]
    fn nothing_that_drives_a_terminal_is_written_raw_and_nothing_is_lost() {
        let s = "a\u{1b}]0;T\u{7}\u{9b}\u{7f}\u{202e}b\u{200b}c é 東";
        let mut out = Vec::new();
        super::write(&mut out, &serde_json::json!({ "k": s })).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.chars().all(|c| !super::hidden(c)), "{text:?}");
        assert!(text.contains("\\u202e") && text.contains("é 東"), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["k"], s);
    }
}
