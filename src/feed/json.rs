//! `*.json` files: one report object, or an array of report objects.

use serde_json::value::RawValue;

use super::report::parse_json_report;
use super::wellformed::describe_json_error;
use super::{Batch, Loc, Schema};

/// Parses a whole JSON document.
pub fn parse(bytes: &[u8], schema: &Schema) -> Batch {
    // A UTF-8 byte-order mark, as some editors write, is not part of the document.
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        match serde_json::from_slice::<Vec<&RawValue>>(bytes) {
            Err(e) => Batch::rejected(Loc::Whole, describe_json_error(&e)),
            Ok(items) => {
                let mut batch = Batch::default();
                for (i, item) in items.iter().enumerate() {
                    batch.push(Loc::Index(i as u32), parse_json_report(item.get().as_bytes(), schema));
                }
                batch
            }
        }
    } else {
        let mut batch = Batch::default();
        batch.push(Loc::Whole, parse_json_report(bytes, schema));
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_array_and_bad_elements() {
        let s = Schema::default();
        let b = parse(br#"{"precinct":"A","registered":5,"ballots":3,"votes":{"x":3}}"#, &s);
        assert_eq!((b.reports.len(), b.reports[0].0), (1, Loc::Whole));
        let b = parse(br#" [ {"precinct":"A","registered":5,"ballots":3,"votes":{"x":3}}, 7, {"precinct":"B"} ]"#, &s);
        assert_eq!(b.reports.len(), 1);
        assert_eq!(b.reports[0].0, Loc::Index(0));
        assert_eq!(b.rejections.len(), 2);
        assert_eq!(b.rejections[0].0, Loc::Index(1));
        assert!(b.rejections[0].1.contains("must be a JSON object"), "{}", b.rejections[0].1);
        assert_eq!(b.rejections[1].0, Loc::Index(2));
        assert!(b.rejections[1].1.contains("missing field \"registered\""));
        let b = parse(br#"[{"precinct":"A"},"#, &s);
        assert_eq!(b.rejections.len(), 1);
        assert_eq!(b.rejections[0].0, Loc::Whole);
        assert!(b.rejections[0].1.contains("not valid JSON"));
    }
}
