//! One precinct report: its raw JSON shape, and validation into a [`Report`] with a
//! one-line reason a person understands when it breaks the format.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::schema::Schema;

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
    fn from_json(raw: &str) -> RawCount {
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

/// A string field as written, or the kind of value found instead.
#[derive(Debug, Clone, PartialEq)]
pub enum RawStr<'a> {
    Str(Cow<'a, str>),
    Other(&'static str),
}

impl<'a> RawStr<'a> {
    fn check(&self, field: &str) -> Result<&str, String> {
        match self {
            RawStr::Str(s) => Ok(s),
            RawStr::Other(kind) => Err(format!("{field} is {kind}, expected a string")),
        }
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = RawStr<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(RawStr::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(RawStr::Str(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(RawStr::Other("a number"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(RawStr::Other("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(RawStr::Other("a number"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(RawStr::Other("a true/false value"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RawStr::Other("a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(RawStr::Other("an object"))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor)
    }
}

/// The `votes` object as written: candidate and count, duplicates kept so they can be refused.
#[derive(Debug, Clone, PartialEq)]
pub enum RawVotes<'a> {
    Map(Vec<(Cow<'a, str>, RawCount)>),
    Other(&'static str),
}

struct VotesVisitor;

impl<'de> Visitor<'de> for VotesVisitor {
    type Value = RawVotes<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of candidate votes")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(k) = map.next_key::<KeyStr<'de>>()? {
            out.push((k.0, map.next_value::<RawCount>()?));
        }
        Ok(RawVotes::Map(out))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RawVotes::Other("a list"))
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(RawVotes::Other("a string"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(RawVotes::Other("a number"))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(RawVotes::Other("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(RawVotes::Other("a number"))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(RawVotes::Other("a true/false value"))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(RawVotes::Other("null"))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawVotes<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(VotesVisitor)
    }
}

/// A map key, borrowed when it has no escapes.
struct KeyStr<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for KeyStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a candidate id")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyStr(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// A report exactly as its JSON gives it; every field optional so that what is missing or
/// wrong can be said by name.
#[derive(Debug, Default, Deserialize)]
pub struct RawReport<'a> {
    #[serde(borrow, default)]
    pub precinct: Option<RawStr<'a>>,
    #[serde(borrow, default)]
    pub region: Option<RawStr<'a>>,
    #[serde(borrow, default)]
    pub reported_at: Option<RawStr<'a>>,
    #[serde(default)]
    pub revision: Option<RawCount>,
    #[serde(default, deserialize_with = "present")]
    pub registered: Option<RawCount>,
    #[serde(default, deserialize_with = "present")]
    pub ballots: Option<RawCount>,
    #[serde(default)]
    pub invalid: Option<RawCount>,
    #[serde(default)]
    pub issued: Option<RawCount>,
    #[serde(borrow, default, deserialize_with = "present_votes")]
    pub votes: Option<RawVotes<'a>>,
}

/// `votes` when present: `null` is kept (and refused as null), not read as absent.
fn present_votes<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<RawVotes<'a>>, D::Error> {
    RawVotes::deserialize(d).map(Some)
}

/// A required count: `null` is kept (and refused by name), not read as absent.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<RawCount>, D::Error> {
    RawCount::deserialize(d).map(Some)
}

fn required(v: &Option<RawCount>, field: &'static str) -> Result<u32, String> {
    match v {
        None => Err(format!("missing field \"{field}\"")),
        Some(c) => c.check(field),
    }
}

impl RawReport<'_> {
    /// Judges the report against the format and the manifest.
    pub fn validate(&self, schema: &Schema) -> Result<Report, String> {
        let precinct = match &self.precinct {
            None => return Err("missing field \"precinct\"".into()),
            Some(p) => p.check("precinct")?,
        };
        check_id("precinct", precinct)?;
        let registered = required(&self.registered, "registered")?;
        let ballots = required(&self.ballots, "ballots")?;
        let invalid = match &self.invalid {
            None => 0,
            Some(c) => c.check("invalid")?,
        };
        let issued = match &self.issued {
            None => None,
            Some(c) => Some(c.check("issued")?),
        };
        let revision = match &self.revision {
            None => 1,
            Some(c) => c.check("revision")?,
        };
        let region = match &self.region {
            None => None,
            Some(r) => Some(r.check("region")?),
        };
        let region = schema.resolve_region(region)?;
        let reported_at = match &self.reported_at {
            None => None,
            Some(t) => Some(parse_time(t.check("reported_at")?)?),
        };
        let votes = match &self.votes {
            None => return Err("missing field \"votes\"".into()),
            Some(RawVotes::Other(kind)) => {
                return Err(format!("votes is {kind}, expected an object of candidate votes"));
            }
            Some(RawVotes::Map(m)) => {
                if !schema.knows_candidates() && m.len() > super::schema::MAX_LEARNED_CANDIDATES {
                    return Err(format!(
                        "votes names {} candidates, more than the {} a feed whose manifest lists no candidates may name (list them in election.json)",
                        crate::text::thousands(m.len() as u64),
                        crate::text::thousands(super::schema::MAX_LEARNED_CANDIDATES as u64)
                    ));
                }
                let mut out: Vec<(Name, u32)> = Vec::with_capacity(m.len());
                let mut hint = 0;
                // Candidates 0..64 of the manifest seen so far, as bits; others in a set once
                // there are many (so a long list costs its length, not its square).
                let mut seen = 0u64;
                let mut named: std::collections::HashSet<Name> = std::collections::HashSet::new();
                for (cand, count) in m {
                    let id = schema.candidate_hinted(cand, hint)?;
                    let n = count.check(format_args!("votes.{cand}"))?;
                    let twice = match id {
                        Name::Listed(i) if i < 64 => {
                            hint = i as usize + 1;
                            let before = seen;
                            seen |= 1 << i;
                            before & 1 << i != 0
                        }
                        _ if out.len() < 16 => out.iter().any(|(c, _)| *c == id),
                        _ => {
                            if named.is_empty() {
                                named.extend(out.iter().map(|(c, _)| c.clone()));
                            }
                            !named.insert(id.clone())
                        }
                    };
                    if twice {
                        return Err(format!("candidate {} appears twice in votes", crate::text::quote(cand, 60)));
                    }
                    out.push((id, n));
                }
                out
            }
        };
        Ok(Report {
            precinct: precinct.into(),
            region,
            reported_at,
            revision,
            registered,
            ballots,
            invalid,
            issued,
            votes,
        })
    }
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

/// The count fields of a report as written, for quoting a number that is not a count.
#[derive(Deserialize)]
struct Literals<'a> {
    #[serde(borrow, default)]
    revision: Option<&'a RawValue>,
    #[serde(borrow, default)]
    registered: Option<&'a RawValue>,
    #[serde(borrow, default)]
    ballots: Option<&'a RawValue>,
    #[serde(borrow, default)]
    invalid: Option<&'a RawValue>,
    #[serde(borrow, default)]
    issued: Option<&'a RawValue>,
    #[serde(borrow, default)]
    votes: Option<LiteralVotes<'a>>,
}

/// The `votes` object's values as written, in order.
struct LiteralVotes<'a>(Vec<&'a RawValue>);

impl<'de: 'a, 'a> Deserialize<'de> for LiteralVotes<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LiteralVotes<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("votes")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((_, v)) = map.next_entry::<IgnoredAny, &'de RawValue>()? {
                    out.push(v);
                }
                Ok(LiteralVotes(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(LiteralVotes(Vec::new()))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(LiteralVotes(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

impl RawReport<'_> {
    fn counts_mut(&mut self) -> [&mut Option<RawCount>; 5] {
        [&mut self.revision, &mut self.registered, &mut self.ballots, &mut self.invalid, &mut self.issued]
    }

    /// Whether a number was read that is not an integer literal (its literal is wanted).
    fn has_float(&self) -> bool {
        let float = |c: &Option<RawCount>| matches!(c, Some(RawCount::Float));
        [&self.revision, &self.registered, &self.ballots, &self.invalid, &self.issued].into_iter().any(float)
            || matches!(&self.votes, Some(RawVotes::Map(m)) if m.iter().any(|(_, c)| *c == RawCount::Float))
    }

    /// Looks up, in the report's text, the literal of every number that is not a count.
    fn quote_literals(&mut self, bytes: &[u8]) {
        let Ok(lit) = serde_json::from_slice::<Literals>(bytes) else { return };
        let written = [lit.revision, lit.registered, lit.ballots, lit.invalid, lit.issued];
        for (count, raw) in self.counts_mut().into_iter().zip(written) {
            if let (Some(c @ RawCount::Float), Some(raw)) = (count.as_mut(), raw) {
                *c = RawCount::from_json(raw.get());
            }
        }
        if let (Some(RawVotes::Map(m)), Some(LiteralVotes(raw))) = (&mut self.votes, lit.votes) {
            for ((_, c), raw) in m.iter_mut().zip(raw) {
                if *c == RawCount::Float {
                    *c = RawCount::from_json(raw.get());
                }
            }
        }
    }
}

/// Refuses text JSON must not hold even where it is not read: bytes that are not UTF-8, and
/// an escaped UTF-16 surrogate without its pair (`"\ud800"`), in any string.
fn check_text(bytes: &[u8]) -> Result<(), String> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(format!("not valid UTF-8 (at byte {})", e.valid_up_to()));
    }
    if memchr::memchr(b'\\', bytes).is_none() {
        return Ok(());
    }
    // Escapes: a high surrogate must be followed by a low one, and a low one preceded by a high.
    let mut i = 0;
    let mut in_string = false;
    let hex = |at: usize| -> Option<u32> {
        let s = bytes.get(at..at + 4)?;
        u32::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok()
    };
    while i < bytes.len() {
        let b = bytes[i];
        if !in_string {
            in_string = b == b'"';
            i += 1;
            continue;
        }
        match b {
            b'"' => in_string = false,
            b'\\' if bytes.get(i + 1) == Some(&b'u') => {
                if let Some(u) = hex(i + 2) {
                    if (0xD800..0xDC00).contains(&u) {
                        let paired = bytes.get(i + 6..i + 8) == Some(b"\\u")
                            && hex(i + 8).is_some_and(|l| (0xDC00..0xE000).contains(&l));
                        if !paired {
                            return Err(format!("a string holds a lone UTF-16 surrogate (\\u{u:04x})"));
                        }
                        i += 12;
                        continue;
                    }
                    if (0xDC00..0xE000).contains(&u) {
                        return Err(format!("a string holds a lone UTF-16 surrogate (\\u{u:04x})"));
                    }
                }
                i += 2;
                continue;
            }
            b'\\' => {
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// The deepest nesting of arrays and objects a report may have (a report needs 2).
pub const MAX_DEPTH: usize = 32;

/// Refuses documents nested deeper than [`MAX_DEPTH`], before any parsing (serde_json does
/// not bound the depth of the unknown fields it skips).
fn check_depth(bytes: &[u8]) -> Result<(), String> {
    // Fast path (a loop the compiler vectorizes): too few brackets to nest too deep at all.
    if memchr::memchr2_iter(b'[', b'{', bytes).nth(MAX_DEPTH).is_none() {
        return Ok(());
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(format!("nesting too deep (more than {MAX_DEPTH} levels of arrays and objects)"));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A serde_json error's text with what it quotes of the input cut short (an unknown field's
/// name may be a megabyte long), and where it is.
pub fn json_error_text(e: &serde_json::Error) -> String {
    let text = crate::text::escape_controls(&e.to_string());
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(head) => format!("{}{suffix}", crate::text::cut(head, 200)),
        None => crate::text::cut(&text, 240),
    }
}

/// Turns a serde_json error into a reason a person understands.
pub fn describe_json_error(e: &serde_json::Error) -> String {
    let text = json_error_text(e);
    if text.contains("recursion limit exceeded") {
        return format!("nesting too deep (more than 128 levels) at line {} column {}", e.line(), e.column());
    }
    match e.classify() {
        serde_json::error::Category::Data => {
            if text.starts_with("invalid type") {
                // e.g. "invalid type: integer `5`, expected struct RawReport at line 1 column 1"
                let found =
                    text.trim_start_matches("invalid type: ").split(", expected").next().unwrap_or("something else");
                format!("a report must be a JSON object, found {found}")
            } else {
                format!("not a report: {text}")
            }
        }
        serde_json::error::Category::Eof => format!("not valid JSON (it ends too early): {text}"),
        _ => format!("not valid JSON: {text}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
