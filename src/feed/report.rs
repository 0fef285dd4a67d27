//! One precinct report as the engine takes it, and a JSON report read into one (its raw
//! shape is `raw`, the text checks `wellformed`) or refused with a one-line reason.

use serde::de::IgnoredAny;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::raw::RawReport;
use super::schema::Schema;
use super::wellformed::{check_depth, check_text, describe_json_error};

/// The largest count a report may carry.
pub const MAX_COUNT: u64 = 1_000_000_000;
/// The longest id (precinct, region, candidate) accepted, in characters.
pub const MAX_ID_CHARS: usize = 200;

/// A validated report, ready for the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub precinct: Box<str>,
    /// The region id as resolved against the manifest (or as written, without one).
    pub region: Option<Name>,
    /// Unix seconds and the UTC offset in seconds it was written with.
    pub reported_at: Option<Timestamp>,
    pub revision: u32,
    pub registered: u32,
    pub ballots: u32,
    pub invalid: u32,
    /// Ballots issued to voters, when the report gives them (turnout as researchers
    /// compute it: docs/ANOMALIES.md).
    pub issued: Option<u32>,
    /// Candidate and votes, in the order written (no duplicates).
    pub votes: Vec<(Name, u32)>,
}

/// A candidate or region a report names: by its place in the manifest when the manifest lists
/// it (no string kept per report), or by its id when it is learned from the reports.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Name {
    Listed(u32),
    Named(Box<str>),
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name::Named(s.into())
    }
}

/// A moment with the offset it was written in (so it can be shown in local time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    pub unix: i64,
    pub offset_seconds: i32,
}

impl Timestamp {
    pub fn parse(s: &str) -> Option<Timestamp> {
        let t = OffsetDateTime::parse(s, &Rfc3339).ok()?;
        Some(Timestamp::from(t))
    }

    pub fn to_datetime(self) -> OffsetDateTime {
        let offset = time::UtcOffset::from_whole_seconds(self.offset_seconds).unwrap_or(time::UtcOffset::UTC);
        OffsetDateTime::from_unix_timestamp(self.unix).unwrap_or(OffsetDateTime::UNIX_EPOCH).to_offset(offset)
    }

    pub fn to_rfc3339(self) -> String {
        self.to_datetime().format(&Rfc3339).unwrap_or_default()
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Self {
        Timestamp { unix: t.unix_timestamp(), offset_seconds: t.offset().whole_seconds() }
    }
}

/// Checks an id: not empty, not too long, no control, bidirectional or invisible character
/// (an id is a name people compare by eye: `P\u{202e}1` must not pass for another).
pub fn check_id(what: &str, id: &str) -> Result<(), String> {
    if plain_id(id) {
        return Ok(());
    }
    if id.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    if let Some(c) = id.chars().find(|&c| c.is_control() || crate::text::is_bidi_or_invisible(c)) {
        let kind = if c.is_control() { "a control character" } else { "an invisible or text-direction character" };
        return Err(format!("{what} {} contains {kind} ({})", crate::text::quote(id, 60), c.escape_unicode()));
    }
    if id.chars().count() > MAX_ID_CHARS {
        return Err(format!("{what} is longer than {MAX_ID_CHARS} characters"));
    }
    Ok(())
}
/// Whether an id passes [`check_id`] at a glance: not blank, no longer in bytes than the limit in
/// characters, and no byte that could start a character it refuses (ASCII controls; the lead
/// bytes of C1 controls, U+00AD, U+061C, U+180E, U+200B–U+206F and U+FEFF). Most ids are.
fn plain_id(id: &str) -> bool {
    let suspect = |b: u8| {
        u8::from(b < 0x20)
            | u8::from(b == 0x7f)
            | u8::from(b == 0xc2)
            | u8::from(b == 0xd8)
            | u8::from(b == 0xe1)
            | u8::from(b == 0xe2)
            | u8::from(b == 0xef)
    };
    id.len() <= MAX_ID_CHARS && id.bytes().fold(0, |any, b| any | suspect(b)) == 0 && !id.trim().is_empty()
}

/// Parses an RFC 3339 timestamp, or says what a good one looks like.
pub fn parse_time(s: &str) -> Result<Timestamp, String> {
    // RFC 3339 separates date and time with a `T` (or, as it allows, a space); the parser
    // underneath takes any character there.
    let sep_ok = matches!(s.trim().as_bytes().get(10), Some(b'T' | b't' | b' '));
    sep_ok.then(|| Timestamp::parse(s.trim())).flatten().ok_or_else(|| {
        let shown: String = s.chars().take(40).collect();
        format!(
            "reported_at {} is not an RFC 3339 timestamp with a UTC offset (e.g. 2022-11-20T21:14:05+06:00)",
            crate::text::quote(&shown, 40)
        )
    })
}

/// Parses one JSON report object; `Err` is the one-line reason.
pub fn parse_json_report(bytes: &[u8], schema: &Schema) -> Result<Report, String> {
    // The common shape of a valid report, read directly; anything else by the general reader.
    match super::plain::read(bytes, schema) {
        Some(report) => Ok(report),
        None => parse_json_general(bytes, schema),
    }
}

/// Parses one JSON report object by the general reader: the report as written, then judged.
pub(super) fn parse_json_general(bytes: &[u8], schema: &Schema) -> Result<Report, String> {
    check_depth(bytes)?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first != Some(b'{') {
        // serde would read a struct from an array too; a report must be an object.
        serde_json::from_slice::<IgnoredAny>(bytes).map_err(|e| describe_json_error(&e))?;
        let found = match first {
            Some(b'[') => "a list",
            Some(b'"') => "a string",
            Some(b't' | b'f') => "a true/false value",
            Some(b'n') => "null",
            _ => "a number",
        };
        return Err(format!("a report must be a JSON object, found {found}"));
    }
    check_text(bytes)?;
    // sonic-rs (SIMD) reads well-formed reports several times faster; when it refuses one,
    // serde_json reads it again to say why in its familiar words.
    let mut raw = match sonic_rs::from_slice::<RawReport>(bytes) {
        Ok(raw) => raw,
        Err(_) => serde_json::from_slice(bytes).map_err(|e| describe_json_error(&e))?,
    };
    if raw.has_float() {
        raw.quote_literals(bytes);
    }
    raw.validate(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The glance of `plain_id` never passes an id the full check refuses: every character
    /// there is, alone and inside an id.
    #[test]
    fn a_plain_id_is_one_the_full_check_passes() {
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            for id in [c.to_string(), format!("P{c}1")] {
                if plain_id(&id) {
                    assert!(!(c.is_control() || crate::text::is_bidi_or_invisible(c)), "{:?}", c.escape_unicode());
                    assert!(!id.trim().is_empty() && id.chars().count() <= MAX_ID_CHARS);
                }
            }
        }
        assert!(check_id("precinct", &"Ж".repeat(MAX_ID_CHARS)).is_ok());
        assert!(check_id("precinct", &"P".repeat(MAX_ID_CHARS + 1)).is_err());
        assert!(check_id("precinct", "P\u{202e}1").is_err());
    }

    fn schema() -> Schema {
        Schema::from_manifest(
            Some(
                &crate::feed::manifest::Manifest::from_slice(
                    br#"{"id":"t","candidates":[{"id":"a"},{"id":"b"}],"regions":[{"id":"north","name":"The North"}]}"#,
                )
                .unwrap(),
            ),
            1 << 20,
        )
    }

    fn parse(s: &str) -> Result<Report, String> {
        parse_json_report(s.as_bytes(), &schema())
    }

    const GOOD: &str = r#"{"precinct":"P1","region":"north","reported_at":"2022-11-20T21:14:05+06:00","revision":2,"registered":100,"ballots":60,"invalid":2,"votes":{"a":50,"b":8},"extra":{"x":[1,2]}}"#;

    #[test]
    fn accepts_a_full_report_and_ignores_unknown_fields() {
        let r = parse(GOOD).unwrap();
        assert_eq!(&*r.precinct, "P1");
        assert_eq!(r.region, Some(Name::Listed(0)));
        assert_eq!(r.revision, 2);
        assert_eq!((r.registered, r.ballots, r.invalid), (100, 60, 2));
        assert_eq!(r.votes, vec![(Name::Listed(0), 50), (Name::Listed(1), 8)]);
        let t = r.reported_at.unwrap();
        assert_eq!((t.unix, t.offset_seconds), (1668957245, 6 * 3600));
    }

    #[test]
    fn defaults_revision_invalid_and_time() {
        let r = parse(r#"{"precinct":"P1","region":"north","registered":10,"ballots":5,"votes":{"a":5}}"#).unwrap();
        assert_eq!((r.revision, r.invalid, r.reported_at, r.issued), (1, 0, None, None));
    }

    #[test]
    fn region_may_be_named_by_its_name() {
        let r = parse(r#"{"precinct":"P1","region":"The North","registered":10,"ballots":5,"votes":{"a":5}}"#).unwrap();
        assert_eq!(r.region, Some(Name::Listed(0)));
    }

    #[test]
    fn every_rejection_rule_has_a_clear_reason() {
        let base = r#"{"precinct":"P1","region":"north","registered":100,"ballots":60,"votes":{"a":50}}"#;
        let with = |from: &str, to: &str| base.replacen(from, to, 1);
        let cases: Vec<(String, &str)> = vec![
            ("not json".into(), "not valid JSON"),
            (r#"{"precinct":"P1""#.into(), "ends too early"),
            ("[1,2]".into(), "must be a JSON object"),
            ("42".into(), "must be a JSON object"),
            (with(r#""precinct":"P1","#, ""), "missing field \"precinct\""),
            (with(r#""registered":100,"#, ""), "missing field \"registered\""),
            (with(r#""ballots":60,"#, ""), "missing field \"ballots\""),
            (with(r#","votes":{"a":50}"#, ""), "missing field \"votes\""),
            (with("\"ballots\":60", "\"ballots\":-60"), "ballots is -60, a count cannot be negative"),
            (with("\"ballots\":60", "\"ballots\":60.5"), "ballots is 60.5, not a whole number"),
            (with("\"ballots\":60", "\"ballots\":\"60\""), "ballots is the string \"60\", expected a whole number"),
            (with("\"ballots\":60", "\"ballots\":1000000001"), "above the limit of 1,000,000,000"),
            (with("\"ballots\":60", "\"ballots\":1e12"), "ballots is 1e12, not a whole number"),
            (with("\"ballots\":60", "\"ballots\":60.0"), "ballots is 60.0, not a whole number"),
            (with("\"ballots\":60", "\"ballots\":6e1"), "ballots is 6e1, not a whole number"),
            (with("\"a\":50", "\"a\":999999999.99999999999"), "votes.a is 999999999.99999999999, not a whole number"),
            (with("\"a\":50", "\"a\":2.0000000000000001"), "votes.a is 2.0000000000000001, not a whole number"),
            (
                with("\"ballots\":60", "\"ballots\":9999999999999999999999"),
                "ballots is 9999999999999999999999, above the limit",
            ),
            (
                with("\"registered\"", r#""reported_at":"2022-11-20e21:22:15+06:00","registered""#),
                "not an RFC 3339 timestamp",
            ),
            (
                with("\"registered\"", r#""reported_at":"2022-11-20_21:22:15+06:00","registered""#),
                "not an RFC 3339 timestamp",
            ),
            (with("\"registered\"", r#""note":"\ud800","registered""#), "lone UTF-16 surrogate (\\ud800)"),
            (with("\"registered\"", r#""note":"\udc00\ud800","registered""#), "lone UTF-16 surrogate"),
            (with("\"ballots\":60", "\"ballots\":null"), "ballots is null"),
            (with("\"ballots\":60", "\"ballots\":true"), "ballots is a true/false value"),
            (with("\"ballots\":60", "\"ballots\":60,\"issued\":-2"), "issued is -2, a count cannot be negative"),
            (with("\"ballots\":60", "\"ballots\":60,\"issued\":\"61\""), "issued is the string \"61\""),
            (with("\"a\":50", "\"a\":-1"), "votes.a is -1"),
            (with("\"a\":50", "\"a\":1.25"), "votes.a is 1.25, not a whole number"),
            (with("\"a\":50", "\"zz\":1"), "unknown candidate \"zz\""),
            (with("\"a\":50", "\"a\":1,\"a\":2"), "appears twice"),
            (with("{\"a\":50}", "[50]"), "votes is a list"),
            (with("{\"a\":50}", "null"), "votes is null, expected an object of candidate votes"),
            (with("\"north\"", "\"south\""), "unknown region \"south\""),
            (with("\"north\"", "7"), "region is a number"),
            (with("\"P1\"", "\"P\\u00071\""), "control character"),
            (with("\"P1\"", "\"\""), "precinct is empty"),
            (with("\"P1\"", "12"), "precinct is a number"),
            (
                with(r#""registered""#, r#""reported_at":"yesterday","registered""#),
                "reported_at \"yesterday\" is not an RFC 3339 timestamp",
            ),
            (
                with(r#""registered""#, r#""reported_at":"2022-11-20T21:14:05","registered""#),
                "not an RFC 3339 timestamp",
            ),
            (with("\"registered\":100", "\"registered\":100,\"x\":"), "not valid JSON"),
            (format!("{}{}", "[".repeat(200), "]".repeat(200)), "nesting too deep"),
            (
                with(r#""votes""#, &format!(r#""deep":{}1{},"votes""#, "[".repeat(200), "]".repeat(200))),
                "nesting too deep",
            ),
        ];
        for (input, want) in &cases {
            let err = parse(input).expect_err(input);
            assert!(err.contains(want), "input {input}\n  got: {err}\n want: {want}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn strict_text_times_and_byte_order_marks() {
        // A pair of surrogates is one character, and fine.
        assert!(parse(&GOOD.replace("\"extra\"", "\"note\":\"\\ud83d\\uddf3\",\"extra\"")).is_ok());
        // Bytes that are not UTF-8, even in a field nobody reads.
        let mut bad = GOOD.as_bytes().to_vec();
        let at = GOOD.find("[1,2]").unwrap();
        bad.splice(at..at, b"\"\xff\",".iter().copied());
        let err = parse_json_report(&bad, &schema()).unwrap_err();
        assert!(err.contains("not valid UTF-8"), "{err}");
        // A space or a lower-case t may separate date and time, as RFC 3339 allows.
        assert!(parse(&GOOD.replace("2022-11-20T21", "2022-11-20 21")).is_ok());
        assert!(parse(&GOOD.replace("2022-11-20T21", "2022-11-20t21")).is_ok());
        // A byte-order mark before a JSON document is not part of it.
        let b = crate::feed::json::parse(format!("\u{feff}{GOOD}").as_bytes(), &schema());
        assert_eq!((b.reports.len(), b.rejections.len()), (1, 0));
        let b = crate::feed::ndjson::parse_lines(format!("\u{feff}{GOOD}\n{GOOD}").as_bytes(), 1, &schema());
        assert_eq!(b.reports.len(), 2);
    }

    #[test]
    fn brackets_inside_strings_are_not_nesting() {
        let text = format!(
            r#"{{"precinct":"P1","note":"{}\"[","region":"north","registered":1,"ballots":1,"votes":{{"a":1}}}}"#,
            "[".repeat(100)
        );
        assert!(parse(&text).is_ok(), "{:?}", parse(&text));
    }

    #[test]
    fn without_a_manifest_anything_well_formed_is_learned() {
        let s = Schema::from_manifest(None, 1 << 20);
        let r = parse_json_report(
            br#"{"precinct":"X","region":"anywhere","registered":1,"ballots":1,"votes":{"new":1}}"#,
            &s,
        )
        .unwrap();
        assert_eq!(r.region, Some(Name::from("anywhere")));
    }
}
