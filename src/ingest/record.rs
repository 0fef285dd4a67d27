//! `watch --record FILE`: every change the live feed makes to the engine, with the wall-clock
//! moment it happened, as an NDJSON log that `replay` plays back exactly as it happened.
//!
//! The first line holds the manifest in use; each further line is one operation:
//! `{"t":"…","op":"report","source":"north/a.json","loc":…,"report":{…}}`,
//! `{"t":"…","op":"rejected","source":…,"loc":…,"error":"…"}` or
//! `{"t":"…","op":"withdraw","source":…,"from":…}` (`from` null: the whole file).
//! `loc` is `null` (the whole file), `{"line":N}` or `{"index":N}`.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::engine::Engine;
use crate::feed::report::Name;
use crate::feed::{Batch, Loc, Manifest, Report, Schema};

/// The key of a record log's first line.
pub const MARKER: &str = "votewatch_record";

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
            (Some(n), None) => Some(Loc::Line(n.as_u64()? as u32)),
            (None, Some(i)) => Some(Loc::Index(i.as_u64()? as u32)),
            _ => None,
        },
        _ => None,
    }
}

/// A report as its JSON object again (ids, not manifest places).
pub fn report_json(r: &Report, engine: &Engine) -> Value {
    let name = |n: &Name, ids: &dyn Fn(usize) -> String| match n {
        Name::Listed(i) => ids(*i as usize),
        Name::Named(s) => s.to_string(),
    };
    let cand = |i: usize| engine.candidates()[i].id.clone();
    let region = |i: usize| engine.regions()[i].id.clone();
    let votes: serde_json::Map<String, Value> = r.votes.iter().map(|(c, n)| (name(c, &cand), json!(n))).collect();
    let mut o = json!({
        "precinct": &*r.precinct,
        "revision": r.revision,
        "registered": r.registered,
        "ballots": r.ballots,
        "invalid": r.invalid,
        "votes": votes,
    });
    if let Some(reg) = &r.region {
        o["region"] = json!(name(reg, &region));
    }
    if let Some(t) = r.reported_at {
        o["reported_at"] = json!(t.to_rfc3339());
    }
    o
}

/// Writes the record log.
pub struct Recorder {
    out: std::io::BufWriter<std::fs::File>,
}

impl Recorder {
    pub fn create(path: &Path, manifest: Option<&Manifest>) -> Result<Recorder> {
        let file =
            std::fs::File::create(path).with_context(|| format!("{}: cannot create the record", path.display()))?;
        let mut r = Recorder { out: std::io::BufWriter::new(file) };
        r.line(&json!({ MARKER: 1, "manifest": manifest }))?;
        Ok(r)
    }

    fn line(&mut self, v: &Value) -> Result<()> {
        serde_json::to_writer(&mut self.out, v)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    fn now() -> String {
        OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()
    }

    /// Notes a batch about to be ingested from `source`.
    pub fn ingest(&mut self, source: &str, batch: &Batch, engine: &Engine) -> Result<()> {
        let t = Self::now();
        for (loc, r) in &batch.reports {
            self.line(&json!({"t": t, "op": "report", "source": source, "loc": loc_json(*loc), "report": report_json(r, engine)}))?;
        }
        for (loc, e) in &batch.rejections {
            self.line(&json!({"t": t, "op": "rejected", "source": source, "loc": loc_json(*loc), "error": e}))?;
        }
        Ok(())
    }

    /// Notes a withdrawal (from `from` on; `Loc::Whole` = the whole file).
    pub fn withdraw(&mut self, source: &str, from: Loc) -> Result<()> {
        let from = if from == Loc::Whole { Value::Null } else { loc_json(from) };
        self.line(&json!({"t": Self::now(), "op": "withdraw", "source": source, "from": from}))
    }

    pub fn flush(&mut self) -> Result<()> {
        Ok(self.out.flush()?)
    }
}

/// One recorded operation.
#[derive(Debug, Clone)]
pub enum Op {
    Report(Loc, Report),
    Rejected(Loc, String),
    Withdraw(Loc),
}

/// A record log read back: the manifest, and the operations with their moments (unix
/// seconds, fractional) and sources.
pub struct Recording {
    pub manifest: Option<Manifest>,
    pub ops: Vec<(f64, String, Op)>,
}

/// Whether a file is a record log (its first line says so).
pub fn is_record(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(path) else { return false };
    let mut first = String::new();
    let _ = std::io::BufReader::new(std::io::Read::take(f, 1 << 20)).read_line(&mut first);
    serde_json::from_str::<Value>(&first).is_ok_and(|v| v.get(MARKER).is_some())
}

pub fn read(path: &Path, max_file_size: u64) -> Result<Recording> {
    let f = std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    let mut lines = std::io::BufReader::new(f).lines();
    let head: Value = match lines.next() {
        Some(l) => serde_json::from_str(&l?).with_context(|| format!("{}:1: not a record log", path.display()))?,
        None => bail!("{}: empty record log", path.display()),
    };
    let manifest: Option<Manifest> = match head.get("manifest") {
        None | Some(Value::Null) => None,
        Some(m) => {
            Some(serde_json::from_value(m.clone()).with_context(|| format!("{}:1: bad manifest", path.display()))?)
        }
    };
    let schema = Schema::from_manifest(manifest.as_ref(), max_file_size);
    let mut ops = Vec::new();
    for (i, line) in lines.enumerate() {
        let n = i + 2;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| anyhow::anyhow!("{}:{n}: {why}", path.display());
        let v: Value = serde_json::from_str(&line).map_err(|e| bad(&format!("not JSON: {e}")))?;
        let t = v["t"].as_str().and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()).ok_or_else(|| bad("no time"))?;
        let at = t.unix_timestamp_nanos() as f64 / 1e9;
        let source = v["source"].as_str().ok_or_else(|| bad("no source"))?.to_string();
        let op = match v["op"].as_str() {
            Some("report") => {
                let loc = loc_from(&v["loc"]).ok_or_else(|| bad("bad loc"))?;
                let text = v["report"].to_string();
                let r = crate::feed::report::parse_json_report(text.as_bytes(), &schema).map_err(|e| bad(&e))?;
                Op::Report(loc, r)
            }
            Some("rejected") => Op::Rejected(
                loc_from(&v["loc"]).ok_or_else(|| bad("bad loc"))?,
                v["error"].as_str().unwrap_or_default().to_string(),
            ),
            Some("withdraw") => Op::Withdraw(loc_from(&v["from"]).ok_or_else(|| bad("bad from"))?),
            _ => return Err(bad("unknown op")),
        };
        ops.push((at, source, op));
    }
    Ok(Recording { manifest, ops })
}
