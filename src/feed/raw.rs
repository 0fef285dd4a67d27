//! A report exactly as JSON or a CSV row gives it, every field optional and every count
//! kept as written, so that what is missing or wrong can be said by name; and its judgement
//! into a [`Report`].

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::count::RawCount;
use super::report::{Name, Report, check_id, parse_time};
use super::schema::Schema;

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
    pub fn has_float(&self) -> bool {
        let float = |c: &Option<RawCount>| matches!(c, Some(RawCount::Float));
        [&self.revision, &self.registered, &self.ballots, &self.invalid, &self.issued].into_iter().any(float)
            || matches!(&self.votes, Some(RawVotes::Map(m)) if m.iter().any(|(_, c)| *c == RawCount::Float))
    }

    /// Looks up, in the report's text, the literal of every number that is not a count.
    pub fn quote_literals(&mut self, bytes: &[u8]) {
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
