//! `watch --record FILE`: what changed in the live feed, once, with the wall-clock moment it
//! changed, as an NDJSON log that `replay` plays back exactly as it happened.
//!
//! The first line holds the manifest in use: `{"votewatch_record":2,"manifest":…}`. Each
//! further line is one operation on one place of one source file:
//! - `{"t":"…","op":"report","source":"north/a.json","loc":…,"report":{…}}` — the report at
//!   that place is now this one;
//! - `{"t":"…","op":"rejected","source":…,"loc":…,"error":"…"}` — the place is now refused;
//! - `{"t":"…","op":"drop","source":…,"loc":…}` — the place holds nothing any more;
//! - `{"t":"…","op":"withdraw","source":…,"from":…}` — every place from `from` on (`null`: the
//!   whole file) holds nothing any more;
//! - `{"t":"…","op":"manifest","manifest":…}` — the manifest changed (or appeared, or went): the
//!   count restarts with it, and what stands is recorded again.
//!
//! `loc` is `null` (the whole file), `{"line":N}` or `{"index":N}`. The recorder remembers a
//! digest of what it wrote for every place, so a file re-read whole (a CSV that grew a row, a
//! JSON rewritten with one correction) adds only what changed: a recording grows with the feed,
//! not with the number of reads. A recording cut short (a full disk, a crash) replays up to its
//! last complete line, and says so.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::feed::write::ReportOut;
use crate::feed::{Batch, Change, Loc, Manifest, Report, Schema};

/// The key of a record log's first line.
pub const MARKER: &str = "votewatch_record";
/// The format version written.
const VERSION: u64 = 2;

fn loc_json(loc: Loc) -> Value {
    match loc {
        Loc::Whole => Value::Null,
        Loc::Line(n) => json!({ "line": n }),
        Loc::Index(i) => json!({ "index": i }),
    }
}

fn loc_from(v: &Value) -> Option<Loc> {
    match v {
        Value::Null => Some(Loc::Whole),
        Value::Object(m) => match (m.get("line"), m.get("index")) {
            (Some(n), None) => Some(Loc::Line(u32::try_from(n.as_u64()?).ok()?)),
            (None, Some(i)) => Some(Loc::Index(u32::try_from(i.as_u64()?).ok()?)),
            _ => None,
        },
        _ => None,
    }
}

/// What a place of a source holds, as a line of the recording (`t` left out of its digest).
#[derive(Serialize)]
struct Placed<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    t: Option<&'a str>,
    op: &'static str,
    source: &'a str,
    loc: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<ReportOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

fn digest(what: &Placed) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(what).unwrap_or_default().hash(&mut h);
    h.finish()
}

/// A line of a recording as read (fields checked as each operation needs them).
#[derive(Deserialize)]
struct Recorded<'a> {
    #[serde(default)]
    t: Value,
    #[serde(default)]
    op: Value,
    #[serde(default)]
    source: Value,
    #[serde(default)]
    loc: Value,
    #[serde(default)]
    from: Value,
    #[serde(default, borrow)]
    report: Option<&'a serde_json::value::RawValue>,
    #[serde(default)]
    error: Value,
    #[serde(default)]
    manifest: Value,
}

fn write_line(out: &mut impl Write, v: &impl Serialize) -> Result<()> {
    crate::text::json::write(&mut *out, v)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Writes the record log: every change handed on by the live feed, once.
pub struct Recorder {
    out: std::io::BufWriter<std::fs::File>,
    /// What stands recorded for each place of each source: a digest of its operation.
    recorded: HashMap<String, BTreeMap<Loc, u64>>,
    /// The manifest in force (reports name candidates and regions by its places).
    manifest: Option<Manifest>,
}

impl Recorder {
    pub fn create(path: &Path, manifest: Option<&Manifest>) -> Result<Recorder> {
        let file = std::fs::File::create(path)
            .with_context(|| format!("{}: cannot create the record", crate::text::clean_path(path)))?;
        let mut r =
            Recorder { out: std::io::BufWriter::new(file), recorded: HashMap::new(), manifest: manifest.cloned() };
        r.line(&json!({ MARKER: VERSION, "manifest": manifest }))?;
        Ok(r)
    }

    /// Notes a change the live feed handed on.
    pub fn record(&mut self, change: &Change) -> Result<()> {
        match change {
            Change::Replace { source, from, batch } if batch.is_empty() && *from == Loc::Whole => self.forget(source),
            Change::Replace { source, from, batch } => self.replace(source, *from, batch),
            Change::Reset(m) => self.manifest(m.as_deref()),
            // A live feed hands on none of these (they are a recording's own steps).
            Change::Set { .. } | Change::Drop { .. } => Ok(()),
        }
        .and_then(|_| self.flush())
    }

    fn line(&mut self, v: &Value) -> Result<()> {
        write_line(&mut self.out, v)
    }

    fn now() -> String {
        OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()
    }

    /// Notes that what `source` gave from `from` on (`Loc::Whole`: all of it) is now `batch`:
    /// only the places that changed are written.
    pub fn replace(&mut self, source: &str, from: Loc, batch: &Batch) -> Result<()> {
        let t = Self::now();
        let manifest = self.manifest.as_ref();
        let mut new: BTreeMap<Loc, (u64, Placed)> = BTreeMap::new();
        for (loc, r) in &batch.reports {
            let what = Placed {
                t: None,
                op: "report",
                source,
                loc: loc_json(*loc),
                report: Some(ReportOut::of(r, manifest)),
                error: None,
            };
            new.insert(*loc, (digest(&what), what));
        }
        for (loc, e) in &batch.rejections {
            let what = Placed { t: None, op: "rejected", source, loc: loc_json(*loc), report: None, error: Some(e) };
            new.insert(*loc, (digest(&what), what));
        }
        let in_scope = |loc: &Loc| from == Loc::Whole || *loc >= from;
        let old = self.recorded.remove(source).unwrap_or_default();
        let dropped: Vec<Loc> = old.keys().filter(|l| in_scope(l) && !new.contains_key(l)).copied().collect();
        if !dropped.is_empty() {
            if new.is_empty() && dropped.len() == old.keys().filter(|l| in_scope(l)).count() {
                // Everything in scope goes: one line says it.
                let first = if from == Loc::Whole { Value::Null } else { loc_json(dropped[0]) };
                write_line(&mut self.out, &json!({"t": t, "op": "withdraw", "source": source, "from": first}))?;
            } else {
                for loc in &dropped {
                    write_line(&mut self.out, &json!({"t": t, "op": "drop", "source": source, "loc": loc_json(*loc)}))?;
                }
            }
        }
        let dropped: std::collections::HashSet<Loc> = dropped.into_iter().collect();
        let mut kept: BTreeMap<Loc, u64> = old.into_iter().filter(|(l, _)| !dropped.contains(l)).collect();
        for (loc, (d, mut what)) in new {
            if kept.get(&loc) != Some(&d) {
                what.t = Some(&t);
                write_line(&mut self.out, &what)?;
                kept.insert(loc, d);
            }
        }
        if !kept.is_empty() {
            self.recorded.insert(source.to_string(), kept);
        }
        Ok(())
    }

    /// Notes that `source` is gone (everything it gave is withdrawn).
    pub fn forget(&mut self, source: &str) -> Result<()> {
        if self.recorded.remove(source).is_some() {
            self.line(&json!({"t": Self::now(), "op": "withdraw", "source": source, "from": Value::Null}))?;
        }
        Ok(())
    }

    /// Notes a new manifest (or none): the count restarts, and what stands is recorded again.
    pub fn manifest(&mut self, manifest: Option<&Manifest>) -> Result<()> {
        self.recorded.clear();
        self.manifest = manifest.cloned();
        self.line(&json!({"t": Self::now(), "op": "manifest", "manifest": manifest}))
    }

    pub fn flush(&mut self) -> Result<()> {
        Ok(self.out.flush()?)
    }
}

/// One recorded operation.
#[derive(Debug, Clone)]
pub enum Op {
    /// The report at this place of the source (replacing what was there).
    Report(Loc, Report),
    /// The place is refused with this reason (replacing what was there).
    Rejected(Loc, String),
    /// Nothing at this place any more.
    Drop(Loc),
    /// Nothing from this place on (`Loc::Whole`: the whole source).
    Withdraw(Loc),
    /// The manifest changed: the count restarts with it.
    Manifest(Option<Box<Manifest>>),
}

/// A record log read back: the manifest, and the operations with their moments (unix
/// seconds, fractional) and sources.
pub struct Recording {
    pub manifest: Option<Manifest>,
    pub ops: Vec<(f64, String, Op)>,
    /// Set when the log ends in a line cut short (it is replayed up to the line before).
    pub cut_short: Option<String>,
}

/// Whether a file is a record log (its first line says so).
pub fn is_record(path: &Path) -> bool {
    let Ok(f) = crate::feed::read::open_regular(path) else { return false };
    let mut first = String::new();
    let _ = std::io::BufReader::new(std::io::Read::take(f, 1 << 20)).read_line(&mut first);
    serde_json::from_str::<Value>(&first).is_ok_and(|v| v.get(MARKER).is_some())
}

fn parse_manifest(v: &Value) -> Result<Option<Manifest>, String> {
    match v {
        Value::Null => Ok(None),
        m => serde_json::from_value(m.clone()).map(Some).map_err(|e| format!("bad manifest: {e}")),
    }
}

pub fn read(path: &Path, max_file_size: u64) -> Result<Recording> {
    let shown = crate::text::clean_path(path);
    let f = crate::feed::read::open_regular(path).with_context(|| format!("{shown}: cannot open"))?;
    let mut reader = std::io::BufReader::new(f);
    let mut raw = Vec::new();
    let mut next_line = |raw: &mut Vec<u8>| -> std::io::Result<Option<bool>> {
        raw.clear();
        let n = reader.read_until(b'\n', raw)?;
        if n == 0 {
            return Ok(None);
        }
        let complete = raw.last() == Some(&b'\n');
        Ok(Some(complete))
    };
    let head: Value = match next_line(&mut raw)? {
        Some(_) => serde_json::from_slice(&raw).with_context(|| format!("{shown}:1: not a record log"))?,
        None => bail!("{shown}: empty record log"),
    };
    if head.get(MARKER).and_then(Value::as_u64).is_none_or(|v| v > VERSION) {
        bail!("{shown}:1: not a record log this votewatch can read");
    }
    let manifest = parse_manifest(&head["manifest"]).map_err(|e| anyhow::anyhow!("{shown}:1: {e}"))?;
    let mut schema = Schema::from_manifest(manifest.as_ref(), max_file_size);
    let mut ops = Vec::new();
    let mut cut_short = None;
    let mut n = 1;
    while let Some(complete) = next_line(&mut raw)? {
        n += 1;
        let text = String::from_utf8_lossy(&raw);
        if text.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| anyhow::anyhow!("{shown}:{n}: {why}");
        let v: Recorded = match serde_json::from_str(&text) {
            Ok(v) => v,
            // The last line, cut short (only the last line lacks its newline): what came
            // before stands.
            Err(_) if !complete => {
                cut_short = Some(format!(
                    "{shown}:{n}: the recording ends in a line cut short (it was interrupted); replayed up to line {}",
                    n - 1
                ));
                break;
            }
            Err(e) => return Err(bad(&format!("not JSON: {e}"))),
        };
        let t = v.t.as_str().and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()).ok_or_else(|| bad("no time"))?;
        let at = t.unix_timestamp_nanos() as f64 / 1e9;
        let source = || v.source.as_str().map(str::to_string).ok_or_else(|| bad("no source"));
        let loc = |at: &Value| loc_from(at).ok_or_else(|| bad("bad loc"));
        let (source, op) = match v.op.as_str() {
            Some("report") => {
                // The report's own text, so its votes keep the order they were written in.
                let text = v.report.map_or("null", |r| r.get());
                let r = crate::feed::report::parse_json_report(text.as_bytes(), &schema).map_err(|e| bad(&e))?;
                (source()?, Op::Report(loc(&v.loc)?, r))
            }
            Some("rejected") => {
                (source()?, Op::Rejected(loc(&v.loc)?, v.error.as_str().unwrap_or_default().to_string()))
            }
            Some("drop") => (source()?, Op::Drop(loc(&v.loc)?)),
            Some("withdraw") => (source()?, Op::Withdraw(loc(&v.from).map_err(|_| bad("bad from"))?)),
            Some("manifest") => {
                let m = parse_manifest(&v.manifest).map_err(|e| bad(&e))?;
                schema = Schema::from_manifest(m.as_ref(), max_file_size);
                (String::new(), Op::Manifest(m.map(Box::new)))
            }
            _ => return Err(bad("unknown op")),
        };
        ops.push((at, source, op));
    }
    Ok(Recording { manifest, ops, cut_short })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(p: &str, a: u32) -> Report {
        let text = format!(r#"{{"precinct":"{p}","registered":100,"ballots":{a},"votes":{{"a":{a}}}}}"#);
        crate::feed::report::parse_json_report(text.as_bytes(), &Schema::default()).unwrap()
    }

    fn batch(rows: &[(u32, &str, u32)]) -> Batch {
        Batch { reports: rows.iter().map(|&(l, p, a)| (Loc::Line(l), report(p, a))).collect(), rejections: Vec::new() }
    }

    #[test]
    fn only_what_changed_is_written_and_it_replays_to_the_same_state() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("r.ndjson");
        let mut r = Recorder::create(&path, None).unwrap();
        let lines = |path: &Path| std::fs::read_to_string(path).unwrap().lines().count();
        r.replace("c.csv", Loc::Whole, &batch(&[(2, "P1", 10)])).unwrap();
        r.flush().unwrap();
        assert_eq!(lines(&path), 2);
        // The file read again with a row more: one line more.
        r.replace("c.csv", Loc::Whole, &batch(&[(2, "P1", 10), (3, "P2", 20)])).unwrap();
        // Read again unchanged: nothing.
        r.replace("c.csv", Loc::Whole, &batch(&[(2, "P1", 10), (3, "P2", 20)])).unwrap();
        r.flush().unwrap();
        assert_eq!(lines(&path), 3);
        // One row corrected, one gone: a line each.
        r.replace("c.csv", Loc::Whole, &batch(&[(2, "P1", 11)])).unwrap();
        r.flush().unwrap();
        assert_eq!(lines(&path), 5);
        // The file removed: one line.
        r.forget("c.csv").unwrap();
        r.forget("c.csv").unwrap();
        r.flush().unwrap();
        assert_eq!(lines(&path), 6);
        let rec = read(&path, 1 << 20).unwrap();
        let kinds: Vec<&str> = rec
            .ops
            .iter()
            .map(|(_, _, op)| match op {
                Op::Report(..) => "report",
                Op::Drop(_) => "drop",
                Op::Withdraw(_) => "withdraw",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["report", "report", "drop", "report", "withdraw"]);
        assert!(rec.cut_short.is_none());
    }

    #[test]
    fn a_recorded_report_replays_whole_ballots_issued_and_time_included() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("r.ndjson");
        let text = r#"{"precinct":"P1","region":"north","reported_at":"2022-11-20T20:15:03+06:00","revision":2,
            "registered":100,"ballots":60,"invalid":1,"issued":61,"votes":{"b":40,"a":19}}"#;
        let written = crate::feed::report::parse_json_report(text.as_bytes(), &Schema::default()).unwrap();
        let mut r = Recorder::create(&path, None).unwrap();
        r.replace(
            "north/a.ndjson",
            Loc::Whole,
            &Batch { reports: vec![(Loc::Line(1), written.clone())], rejections: Vec::new() },
        )
        .unwrap();
        r.flush().unwrap();
        let rec = read(&path, 1 << 20).unwrap();
        match &rec.ops[..] {
            [(_, source, Op::Report(loc, replayed))] => {
                assert_eq!((source.as_str(), *loc), ("north/a.ndjson", Loc::Line(1)));
                assert_eq!(replayed, &written);
            }
            other => panic!("one report expected, got {} operations", other.len()),
        }
    }
}
