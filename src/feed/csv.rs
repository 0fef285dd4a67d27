//! `*.csv`: a header row and one report a row. By default the columns are
//! `precinct,region,reported_at,revision,registered,ballots,invalid,issued` and one column per
//! candidate id; a manifest's `csv` mapping reads a commission's own headers instead.
//!
//! Long because its tests (a third of it) sit beside the reader they check: header mapping, line
//! numbers across quoted newlines, a growing file's partial last row.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::count::RawCount;
use super::manifest::{Columns, CsvMapping};
use super::raw::{RawReport, RawStr, RawVotes};
use super::report::Name;
use super::{Batch, Loc, Schema, too_big};

const FIXED: [&str; 8] =
    ["precinct", "region", "reported_at", "revision", "registered", "ballots", "invalid", "issued"];

/// Which columns feed which field, worked out once from the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    precinct: Vec<usize>,
    separator: String,
    region: Vec<usize>,
    reported_at: Vec<usize>,
    revision: Vec<usize>,
    registered: Vec<usize>,
    ballots: Vec<usize>,
    invalid: Vec<usize>,
    issued: Vec<usize>,
    candidates: Vec<(String, Vec<usize>)>,
    /// The candidates as the schema names them, when every one is accepted and none twice
    /// (so that a row whose numbers are plain needs no further judgement of them).
    names: Option<Vec<Name>>,
}

/// The last region a row named and what the schema made of it (rows come grouped by region).
pub type RegionMemo = Option<(String, Option<Name>)>;

fn find(headers: &[String], name: &str) -> Result<usize, String> {
    headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| format!("no column {} in the header", crate::text::quote(name, 60)))
}

fn find_default(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| h.eq_ignore_ascii_case(name))
}

fn resolve(headers: &[String], mapped: Option<&Columns>, default: &str, required: bool) -> Result<Vec<usize>, String> {
    match mapped {
        Some(cols) => cols.names().iter().map(|n| find(headers, n)).collect(),
        None => match find_default(headers, default) {
            Some(i) => Ok(vec![i]),
            None if required => Err(format!("no column {default:?} in the header")),
            None => Ok(vec![]),
        },
    }
}

impl Plan {
    /// Works out the columns from a header row, or says why the file cannot be read.
    pub fn new(headers: &[String], schema: &Schema) -> Result<Plan, String> {
        let default = CsvMapping::default();
        let m = schema.csv.as_ref().unwrap_or(&default);
        let candidates = if let Some(map) = &m.candidates {
            let mut v: Vec<(String, Vec<usize>)> = map
                .iter()
                .map(|(id, cols)| {
                    Ok((id.clone(), cols.names().iter().map(|n| find(headers, n)).collect::<Result<_, _>>()?))
                })
                .collect::<Result<_, String>>()?;
            v.sort();
            v
        } else if schema.csv.is_some() && !schema.knows_candidates() {
            return Err("the manifest's csv mapping needs \"candidates\" (or the manifest a candidate list) to know which columns are votes".into());
        } else if schema.csv.is_some() {
            headers
                .iter()
                .enumerate()
                .filter_map(|(i, h)| Some((schema.candidate_for_header(h)?.to_string(), vec![i])))
                .collect()
        } else {
            let mut v = Vec::new();
            for (i, h) in headers.iter().enumerate() {
                if FIXED.iter().any(|f| h.eq_ignore_ascii_case(f)) {
                    continue;
                }
                let id = schema.candidate_for_header(h).map(str::to_string).unwrap_or_else(|| h.clone());
                schema.check_candidate(&id).map_err(|e| format!("column {}: {e}", crate::text::quote(h, 60)))?;
                v.push((id, vec![i]));
            }
            v
        };
        if candidates.is_empty() {
            return Err("no candidate columns in the header".into());
        }
        if !schema.knows_candidates() && candidates.len() > super::schema::MAX_LEARNED_CANDIDATES {
            return Err(format!(
                "the header has {} candidate columns, more than the {} a feed whose manifest lists no candidates may name (list them in election.json)",
                crate::text::thousands(candidates.len() as u64),
                crate::text::thousands(super::schema::MAX_LEARNED_CANDIDATES as u64)
            ));
        }
        let names: Option<Vec<Name>> = candidates.iter().map(|(id, _)| schema.candidate(id).ok()).collect();
        let names = names.filter(|n| n.iter().enumerate().all(|(i, a)| !n[..i].contains(a)));
        Ok(Plan {
            names,
            precinct: resolve(headers, m.precinct.as_ref(), "precinct", true)?,
            separator: m.precinct_separator.clone().unwrap_or_else(|| "/".into()),
            region: resolve(headers, m.region.as_ref(), "region", false)?,
            reported_at: resolve(headers, m.reported_at.as_ref(), "reported_at", false)?,
            revision: resolve(headers, m.revision.as_ref(), "revision", false)?,
            registered: resolve(headers, m.registered.as_ref(), "registered", true)?,
            ballots: resolve(headers, m.ballots.as_ref(), "ballots", true)?,
            invalid: resolve(headers, m.invalid.as_ref(), "invalid", false)?,
            issued: resolve(headers, m.issued.as_ref(), "issued", false)?,
            candidates,
        })
    }

    /// How many of a row's fields the plan reads (all before the last column it reads).
    pub fn columns(&self) -> usize {
        let cols = [&self.precinct, &self.region, &self.reported_at, &self.revision, &self.registered, &self.ballots];
        let more = [&self.invalid, &self.issued];
        let candidates = self.candidates.iter().map(|(_, c)| c);
        cols.into_iter().chain(more).chain(candidates).flatten().max().map_or(0, |&c| c + 1)
    }

    /// [`Plan::row`] of a row that passes every rule (whole numbers written plainly, a known
    /// region, a clean id…), made directly: the same report, without the detour through the
    /// JSON shape. `None` when the row needs the full judgement (to be refused with its
    /// reason, or to read a count written otherwise). `cell` gives a cell trimmed.
    pub fn accept<'c>(
        &self,
        cell: impl Fn(usize) -> &'c str,
        schema: &Schema,
        region_memo: &mut RegionMemo,
    ) -> Option<crate::feed::Report> {
        use super::report::{MAX_COUNT, check_id, parse_time};
        let names = self.names.as_ref()?;
        let text = |cols: &[usize]| -> Option<String> {
            if cols.iter().all(|&i| cell(i).is_empty()) {
                return None;
            }
            let mut joined = String::with_capacity(cols.iter().map(|&i| cell(i).len() + self.separator.len()).sum());
            for (k, &i) in cols.iter().enumerate() {
                if k > 0 {
                    joined.push_str(&self.separator);
                }
                joined.push_str(cell(i));
            }
            Some(joined)
        };
        let count = |cols: &[usize]| -> Option<u32> {
            let mut sum = 0u64;
            for &i in cols {
                sum = sum.saturating_add(cell(i).parse::<u64>().ok()?);
            }
            (sum <= MAX_COUNT).then_some(sum as u32)
        };
        let optional = |cols: &[usize]| -> Option<Option<u32>> {
            if cols.iter().all(|&i| cell(i).is_empty()) { Some(None) } else { count(cols).map(Some) }
        };
        let precinct = text(&self.precinct)?;
        check_id("precinct", &precinct).ok()?;
        let registered = count(&self.registered)?;
        let ballots = count(&self.ballots)?;
        let invalid = optional(&self.invalid)?.unwrap_or(0);
        let issued = optional(&self.issued)?;
        let revision = optional(&self.revision)?.unwrap_or(1);
        let region = match (self.region.len(), region_memo.as_ref()) {
            (1, Some((last, name))) if last == cell(self.region[0]) => name.clone(),
            _ => {
                let written = text(&self.region);
                let name = schema.resolve_region(written.as_deref()).ok()?;
                if let Some(w) = written {
                    *region_memo = Some((w, name.clone()));
                }
                name
            }
        };
        let reported_at = match text(&self.reported_at) {
            None => None,
            Some(t) => Some(parse_time(&t).ok()?),
        };
        let mut votes = Vec::with_capacity(names.len());
        for (name, (_, cols)) in names.iter().zip(&self.candidates) {
            if !cols.is_empty() {
                votes.push((name.clone(), count(cols)?));
            }
        }
        Some(crate::feed::Report {
            precinct: precinct.into_boxed_str(),
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

    /// Turns one row into a report, judged by the same rules as JSON.
    pub fn row(&self, row: &csv::StringRecord, schema: &Schema) -> Result<crate::feed::Report, String> {
        let cell = |i: usize| row.get(i).unwrap_or("").trim();
        let text = |cols: &[usize]| -> Option<RawStr<'_>> {
            let parts: Vec<&str> = cols.iter().map(|&i| cell(i)).collect();
            if parts.iter().all(|p| p.is_empty()) {
                None
            } else {
                Some(RawStr::Str(Cow::Owned(parts.join(&self.separator))))
            }
        };
        let count = |cols: &[usize]| -> Option<RawCount> {
            let mut sum = 0u64;
            for &i in cols {
                match RawCount::from_cell(cell(i)) {
                    RawCount::Whole(n) => sum = sum.saturating_add(n),
                    other => return Some(other),
                }
            }
            (!cols.is_empty()).then_some(RawCount::Whole(sum))
        };
        let optional = |cols: &[usize]| {
            if cols.iter().all(|&i| cell(i).is_empty()) { None } else { count(cols) }
        };
        let raw = RawReport {
            precinct: text(&self.precinct),
            region: text(&self.region),
            reported_at: text(&self.reported_at),
            revision: optional(&self.revision),
            registered: count(&self.registered),
            ballots: count(&self.ballots),
            invalid: optional(&self.invalid),
            issued: optional(&self.issued),
            votes: Some(RawVotes::Map(
                self.candidates
                    .iter()
                    .filter_map(|(id, cols)| Some((Cow::Borrowed(id.as_str()), count(cols)?)))
                    .collect(),
            )),
        };
        raw.validate(schema)
    }
}

/// A reader that notes where every newline is, so rows get true line numbers (blank lines
/// and quoted newlines included), and that stops a row (or the header) growing past the size
/// cap before the CSV reader holds it all in memory.
struct LineIndex<R> {
    inner: R,
    /// Bytes of the file read so far (an absolute offset).
    offset: u64,
    /// Offsets of the newlines read since `base_line`'s line began.
    newlines: Vec<u64>,
    /// Lines before the first byte this reader read.
    base_line: u32,
    /// Quote characters read (an odd count at the end: a quote left open).
    quotes: u64,
    /// Where the row being read began, and the cap on its size.
    row_start: u64,
    cap: u64,
    /// Set when a row went past the cap (the read failed on purpose).
    over: bool,
}

impl<R: Read> Read for LineIndex<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.offset.saturating_sub(self.row_start) > self.cap {
            self.over = true;
            return Err(std::io::Error::other("row over the size cap"));
        }
        let n = self.inner.read(buf)?;
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            self.newlines.push(self.offset + i as u64);
        }
        self.quotes += memchr::memchr_iter(b'"', &buf[..n]).count() as u64;
        self.offset += n as u64;
        Ok(n)
    }
}

impl<R> LineIndex<R> {
    /// The 1-based line of a byte offset already read.
    fn line_of(&self, byte: u64) -> u32 {
        self.base_line + self.newlines.partition_point(|&nl| nl < byte) as u32 + 1
    }
}

/// Offset just after the last newline of the file (0 when it has none).
fn complete_length(file: &mut File) -> std::io::Result<u64> {
    let len = file.metadata()?.len();
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = memchr::memrchr(b'\n', chunk) {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// From `from`, where a row begins: the offset of its first byte (blank lines before it
/// passed over) and how many blank lines that was.
fn skip_blank(mut file: &File, from: u64, limit: u64) -> std::io::Result<(u64, u32)> {
    file.seek(SeekFrom::Start(from))?;
    let mut buf = vec![0u8; 4096];
    let mut at = from;
    let mut blank_lines = 0;
    while at < limit {
        let n = file.read(&mut buf[..((limit - at) as usize).min(4096)])?;
        if n == 0 {
            break;
        }
        for (i, &b) in buf[..n].iter().enumerate() {
            match b {
                b'\n' => blank_lines += 1,
                b'\r' => {}
                _ => return Ok((at + i as u64, blank_lines)),
            }
        }
        at += n as u64;
    }
    Ok((limit, blank_lines))
}

/// Where the row that starts at `first` ends, as the CSV reader reads it (quotes and all):
/// just past its line ending (or `limit`), and the newlines in it. One pass over its bytes
/// with nothing kept, however long it is — so a row over the cap, even one a quote left
/// open swallows to the end of the file, costs its length once.
fn row_end(mut file: &File, first: u64, limit: u64, delimiter: u8) -> std::io::Result<(u64, u32)> {
    use csv_core::ReadRecordResult::*;
    let mut parser = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    file.seek(SeekFrom::Start(first))?;
    let (mut buf, mut out, mut ends) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024], vec![0usize; 1024]);
    let mut at = first;
    let mut newlines = 0u32;
    loop {
        let n = if at < limit { file.read(&mut buf[..((limit - at) as usize).min(64 * 1024)])? } else { 0 };
        if n == 0 {
            return Ok((limit.max(at), newlines));
        }
        let mut input = &buf[..n];
        loop {
            let (result, used, _, _) = parser.read_record(input, &mut out, &mut ends);
            newlines += memchr::memchr_iter(b'\n', &input[..used]).count() as u32;
            at += used as u64;
            input = &input[used..];
            match result {
                Record | End => return Ok((at, newlines)),
                InputEmpty => break,
                OutputFull | OutputEndsFull => {}
            }
        }
    }
}

/// The size of a row read whole that began at `row_start` and whose terminator ends at
/// `after`: from its first byte (blank lines before it passed over) to the end of its last
/// line, without the line ending.
fn row_size(mut file: &File, row_start: u64, after: u64) -> std::io::Result<u64> {
    let (first, _) = skip_blank(file, row_start, after)?;
    let mut end = after;
    let mut last = [0u8; 2];
    let tail = end.saturating_sub(first).min(2) as usize;
    file.seek(SeekFrom::Start(end - tail as u64))?;
    file.read_exact(&mut last[..tail])?;
    for &b in last[..tail].iter().rev() {
        if (b == b'\n' || b == b'\r') && end > first {
            end -= 1;
        } else {
            break;
        }
    }
    Ok(end - first)
}

/// Reads a whole CSV file. Without `take_tail`, a last row that lacks its newline is left
/// for later (it may be half written). Returns the number of bytes read. A file no larger than
/// the size cap (no row of which can be over it) is read in blocks parsed in parallel
/// (`csv_blocks`); a larger one streamed.
pub fn read(path: &Path, schema: &Schema, take_tail: bool, sink: &mut dyn FnMut(Batch)) -> std::io::Result<u64> {
    read_with(path, schema, take_tail, Some(super::csv_blocks::BLOCK), sink)
}

/// [`read`] in blocks of `block` bytes where it can, streamed otherwise (`None`: always).
pub fn read_with(
    path: &Path,
    schema: &Schema,
    take_tail: bool,
    block: Option<u64>,
    sink: &mut dyn FnMut(Batch),
) -> std::io::Result<u64> {
    let mut file = super::read::open_regular(path)?;
    let limit = if take_tail { file.metadata()?.len() } else { complete_length(&mut file)? };
    let delimiter = schema.csv.as_ref().and_then(|m| m.delimiter.as_ref()).map_or(b',', |d| d.as_bytes()[0]);
    let cap = schema.max_file_size;
    if let Some(block) = block
        && limit <= cap
    {
        super::csv_blocks::read(&file, limit, schema, delimiter, block.max(1), sink)?;
        return Ok(limit);
    }
    // The header, then rows; a row over the cap is refused and reading starts again after it.
    let mut header: Option<(usize, Plan)> = None;
    let mut start = 0u64;
    let mut base_line = 0u32;
    let mut batch = Batch::default();
    while start < limit || header.is_none() {
        file.seek(SeekFrom::Start(start))?;
        let index = LineIndex {
            inner: (&file).take(limit - start),
            offset: start,
            newlines: Vec::new(),
            base_line,
            quotes: 0,
            row_start: start,
            cap,
            over: false,
        };
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(index);
        let mut record = csv::ByteRecord::new();
        let resume = loop {
            let row_start = start + reader.position().byte();
            reader.get_mut().row_start = row_start;
            let result = reader.read_byte_record(&mut record);
            if reader.get_ref().over {
                let (first, blank) = skip_blank(&file, row_start, limit)?;
                let (end, newlines) = row_end(&file, first, limit, delimiter)?;
                let line = reader.get_ref().line_of(row_start) + blank;
                let what = if header.is_none() { "header" } else { "row" };
                batch.push(Loc::Line(line), Err(too_big(what, row_size(&file, first, end)?, cap)));
                if header.is_none() {
                    sink(batch);
                    return Ok(limit);
                }
                // Lines before where reading goes on: those before the row, and the row's.
                break Some((end, line - 1 + newlines));
            }
            // The reader stands just past the row; its first line is its last minus the
            // newlines inside quoted fields. (The row's own start offset would count skipped
            // blank lines.)
            let line = match &result {
                Ok(_) => {
                    let index = reader.get_ref();
                    let end = (start + reader.position().byte()).saturating_sub(1);
                    let mut inner: usize = record.iter().map(|f| memchr::memchr_iter(b'\n', f).count()).sum();
                    // A row cut off by the end of the file inside a quote that never closed
                    // ends on a newline of its own field, which `line_of(end)` does not count.
                    let at_end = start + reader.position().byte() == index.offset;
                    if at_end && index.quotes % 2 == 1 && record.iter().next_back().is_some_and(|f| f.ends_with(b"\n"))
                    {
                        inner = inner.saturating_sub(1);
                    }
                    // Never before the line the row began on (a quote inside an unquoted field
                    // makes the file's quotes even, so a field left open at the end is not told
                    // by them): for a row with newlines in its fields (rare), past the blank
                    // lines before it, found by reading them, the file put back where the reader
                    // stands.
                    let computed = index.line_of(end).saturating_sub(inner as u32);
                    let floor = index.line_of(row_start);
                    if inner == 0 {
                        computed.max(floor)
                    } else {
                        let (_, blank) = skip_blank(&file, row_start, limit)?;
                        (&file).seek(SeekFrom::Start(index.offset))?;
                        computed.max(floor + blank)
                    }
                }
                Err(e) => reader.get_ref().line_of(start + e.position().map_or(0, |p| p.byte())),
            };
            let row = match result {
                Ok(false) => break None,
                Err(e) => Err(format!("not a valid CSV row: {}", e.kind_text())),
                Ok(true) => match csv::StringRecord::from_byte_record(record.clone()) {
                    Err(e) => Err(format!("field {} is not valid UTF-8", e.utf8_error().field() + 1)),
                    Ok(text) => Ok(text),
                },
            };
            let Some((width, plan)) = &header else {
                if record.as_slice().len() as u64 > cap {
                    let size = row_size(&file, row_start, start + reader.position().byte())?;
                    sink(Batch::rejected(Loc::Line(line), too_big("header", size, cap)));
                    return Ok(limit);
                }
                let plan = row.and_then(|h| {
                    let names: Vec<String> =
                        h.iter().map(|s| s.trim().trim_start_matches('\u{feff}').to_string()).collect();
                    Plan::new(&names, schema).map(|p| (names.len(), p))
                });
                match plan {
                    Ok(p) => header = Some(p),
                    Err(e) => {
                        let reason = if e.starts_with("field ") || e.starts_with("not a valid") {
                            format!("cannot read the header: {e}")
                        } else {
                            e
                        };
                        sink(Batch::rejected(Loc::Line(line), reason));
                        return Ok(limit);
                    }
                }
                continue;
            };
            let end = start + reader.position().byte();
            let result = row.and_then(|record| {
                if record.iter().all(|c| c.trim().is_empty()) {
                    Ok(None)
                } else if record.as_slice().len() as u64 > cap {
                    // Within one read of the file: over the cap all the same.
                    let size = row_size(&file, row_start, end).map_err(|e| e.to_string())?;
                    Err(too_big("row", size, cap))
                } else if record.len() != *width {
                    Err(format!("row has {} fields, the header has {width}", record.len()))
                } else {
                    plan.row(&record, schema).map(Some)
                }
            });
            match result {
                Ok(None) => continue,
                Ok(Some(r)) => batch.push(Loc::Line(line), Ok(r)),
                Err(e) => batch.push(Loc::Line(line), Err(e)),
            }
            if batch.len() >= 65_536 {
                sink(std::mem::take(&mut batch));
            }
        };
        match resume {
            None => break,
            Some((next, line)) => {
                start = next;
                base_line = line;
            }
        }
    }
    sink(batch);
    Ok(limit)
}

trait KindText {
    fn kind_text(&self) -> String;
}

impl KindText for csv::Error {
    fn kind_text(&self) -> String {
        match self.kind() {
            csv::ErrorKind::Utf8 { .. } => "not valid UTF-8".into(),
            _ => self.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::Manifest;
    use crate::feed::report::Name;

    fn read_str(text: &str, schema: &Schema, take_tail: bool) -> Batch {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv");
        std::fs::write(&p, text).unwrap();
        let mut b = Batch::default();
        read(&p, schema, take_tail, &mut |x| b.extend(x)).unwrap();
        b
    }

    #[test]
    fn default_columns_and_row_errors() {
        let text = "precinct,region,reported_at,revision,registered,ballots,invalid,issued,a,b\n\
                    P1,north,2022-11-20T21:00:00+06:00,2,100,60,2,61,50,8\n\
                    P2,north,,,100,60,,,52,8\n\
                    P3,north,,,100,sixty,0,,52,8\n\
                    P4,north,,,100\n\
                    \n\
                    P5,north,,,100,60,0,,-1,8";
        let b = read_str(text, &Schema::default(), true);
        assert_eq!(b.reports.len(), 2);
        let r = &b.reports[0].1;
        assert_eq!((&*r.precinct, r.revision, r.ballots, r.invalid), ("P1", 2, 60, 2));
        assert_eq!((r.issued, b.reports[1].1.issued), (Some(61), None), "issued is a count, and optional");
        assert_eq!(r.votes, vec![("a".into(), 50), ("b".into(), 8)]);
        assert_eq!(b.reports[1].1.revision, 1);
        let rej: Vec<(Loc, &str)> = b.rejections.iter().map(|(l, e)| (*l, e.as_str())).collect();
        assert_eq!(rej[0].0, Loc::Line(4));
        assert!(rej[0].1.contains("ballots is the string \"sixty\""), "{}", rej[0].1);
        assert_eq!(rej[1].0, Loc::Line(5));
        assert!(rej[1].1.contains("row has 5 fields, the header has 10"), "{}", rej[1].1);
        assert_eq!(rej[2].0, Loc::Line(7));
        assert!(rej[2].1.contains("votes.a is -1"));
    }

    #[test]
    fn a_quote_left_open_is_refused_at_its_own_line() {
        // The quote on line 3 never closes: that row swallows the rest of the file.
        for text in [
            "precinct,registered,ballots,a\nP1,10,5,5\nP2,10,\"5,5\nP3,10,5,5\n",
            "precinct,registered,ballots,a\nP1,10,5,5\nP2,10,\"5,5\nP3,10,5,5",
        ] {
            let b = read_str(text, &Schema::default(), true);
            assert_eq!(b.reports.len(), 1, "{text:?}");
            assert_eq!(b.rejections.len(), 1, "{text:?}");
            assert_eq!(b.rejections[0].0, Loc::Line(3), "{text:?}: {:?}", b.rejections);
        }
        // A quoted newline at the very end of a closed, finished row is still its own row's.
        let text = "precinct,registered,ballots,a\nP1,10,5,\"two\n\"\nP2,10,5,\"end\n\"\n";
        let b = read_str(text, &Schema::default(), true);
        let lines: Vec<Loc> = b.rejections.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![Loc::Line(2), Loc::Line(4)], "{:?}", b.rejections);
    }

    #[test]
    fn half_written_last_row_waits_unless_finished() {
        let text = "precinct,registered,ballots,a\nP1,100,60,60\nP2,100,6";
        let live = read_str(text, &Schema::default(), false);
        assert_eq!((live.reports.len(), live.rejections.len()), (1, 0));
        // Once the file is taken as finished, the cut row is judged (and here refused).
        let done = read_str(text, &Schema::default(), true);
        assert_eq!((done.reports.len(), done.rejections.len()), (1, 1));
        assert_eq!(done.rejections[0].0, Loc::Line(3));
        let done = read_str("precinct,registered,ballots,a\nP1,100,60,60\nP2,100,6,6", &Schema::default(), true);
        assert_eq!(done.reports.len(), 2);
    }

    #[test]
    fn header_problems_reject_the_file_once() {
        let b = read_str("region,registered,ballots,a\nx,1,1,1\n", &Schema::default(), true);
        assert_eq!(b.rejections, vec![(Loc::Line(1), "no column \"precinct\" in the header".to_string())]);
        let m = Manifest::from_slice(br#"{"id":"t","candidates":[{"id":"a"}]}"#).unwrap();
        let s = Schema::from_manifest(Some(&m), 1 << 20);
        let b = read_str("precinct,registered,ballots,a,zz\nP,1,1,1,0\n", &s, true);
        assert!(b.rejections[0].1.contains("column \"zz\": unknown candidate"), "{:?}", b.rejections);
    }

    #[test]
    fn commission_headers_through_a_mapping() {
        let m = Manifest::from_slice(
            r#"{"id":"ru","candidates":[{"id":"putin","name":"Путин"},{"id":"grudinin","name":"Грудинин"}],
               "csv":{"precinct":["region","tik","uik"],"region":"region","registered":"Число избирателей",
                      "ballots":["В переносных","В стационарных"],"invalid":"Недействительных",
                      "issued":["Досрочно","В помещении","Вне помещения"]}}"#
                .as_bytes(),
        )
        .unwrap();
        let s = Schema::from_manifest(Some(&m), 1 << 20);
        let text = "region,tik,uik,Число избирателей,Досрочно,В помещении,Вне помещения,В переносных,В стационарных,Недействительных,Путин,Грудинин,url\n\
                    Алтай,ТИК 1,УИК №1,1000,3,580,21,20,580,10,500,90,http://x\n";
        let b = read_str(text, &s, true);
        assert!(b.rejections.is_empty(), "{:?}", b.rejections);
        let r = &b.reports[0].1;
        assert_eq!(&*r.precinct, "Алтай/ТИК 1/УИК №1");
        assert_eq!(r.region, Some(Name::from("Алтай")));
        assert_eq!((r.registered, r.ballots, r.invalid), (1000, 600, 10));
        assert_eq!(r.issued, Some(604), "the three issued columns summed");
        let mut votes = r.votes.clone();
        votes.sort();
        assert_eq!(votes, vec![(Name::Listed(0), 500), (Name::Listed(1), 90)]);
    }

    #[test]
    fn a_mapping_must_say_which_columns_are_votes() {
        let m =
            Manifest::from_slice(br#"{"id":"t","csv":{"precinct":"Station","registered":"Voters","ballots":"Cast"}}"#)
                .unwrap();
        let s = Schema::from_manifest(Some(&m), 1 << 20);
        let b = read_str("Station;Voters;Cast;tik\nS1;100;60;ТИК 1\n".replace(';', ",").as_str(), &s, true);
        assert_eq!(b.reports.len(), 0);
        assert_eq!(b.rejections.len(), 1);
        assert!(b.rejections[0].1.contains("needs \"candidates\""), "{:?}", b.rejections);
    }

    #[test]
    fn explicit_candidate_columns_and_delimiter() {
        let m = Manifest::from_slice(
            br#"{"id":"t","csv":{"precinct":"Station","registered":"Voters","ballots":"Cast","delimiter":";",
                "candidates":{"a":"Alice","b":["Bob (box 1)","Bob (box 2)"]}}}"#,
        )
        .unwrap();
        let s = Schema::from_manifest(Some(&m), 1 << 20);
        let b = read_str("Station;Voters;Cast;Alice;Bob (box 1);Bob (box 2)\nS1;100;60;30;20;10\n", &s, true);
        assert_eq!(b.reports[0].1.votes, vec![("a".into(), 30), ("b".into(), 30)]);
        let b = read_str(
            "Station;Voters;Cast;Alice;Bob (box 1);Bob (box 2);Note\nS1;100;60;30;20;10;\"two\nlines\"\r\n\r\nS2;1;1;1;0;x;\n",
            &s,
            true,
        );
        assert_eq!(&*b.reports[0].1.precinct, "S1");
        assert_eq!(b.reports[0].0, Loc::Line(2), "a quoted newline stays in its row");
        assert_eq!(b.rejections[0].0, Loc::Line(5));
        let b = read_str("Station;Voters;Cast;Alice\nS1;100;60;30\n", &s, true);
        assert_eq!(b.rejections[0].1, "no column \"Bob (box 1)\" in the header");
    }

    fn read_bytes(bytes: &[u8], schema: &Schema) -> Batch {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.csv");
        std::fs::write(&p, bytes).unwrap();
        let mut b = Batch::default();
        read(&p, schema, true, &mut |x| b.extend(x)).unwrap();
        b
    }

    #[test]
    fn invalid_utf8_is_refused_at_its_own_line() {
        // CRLF line ends: the bad row is line 3.
        let b = read_bytes(
            b"precinct,registered,ballots,a\r\nP1,10,5,5\r\nP\xff2,10,5,5\r\nP3,10,5,5\r\n",
            &Schema::default(),
        );
        assert_eq!(b.reports.len(), 2);
        assert_eq!(b.rejections.len(), 1);
        assert_eq!(b.rejections[0].0, Loc::Line(3), "{:?}", b.rejections);
        assert!(b.rejections[0].1.contains("not valid UTF-8"), "{:?}", b.rejections);
        // Blank lines before it: line 6.
        let b = read_bytes(b"precinct,registered,ballots,a\nP1,10,5,5\n\n\n\nP\xfe2,10,5,5\n", &Schema::default());
        assert_eq!(b.rejections[0].0, Loc::Line(6), "{:?}", b.rejections);
        assert_eq!(b.reports[0].0, Loc::Line(2));
    }

    #[test]
    fn rows_and_headers_over_the_cap_are_refused_with_their_size() {
        let s = Schema::default().with_max_file_size(1000);
        let long = "9".repeat(5000);
        let text = format!("precinct,registered,ballots,a\nP1,10,5,5\n\nP2,10,5,{long}\nP3,10,5,5\r\nP4,10,5,5\n");
        let b = read_bytes(text.as_bytes(), &s);
        let got: Vec<Loc> = b.reports.iter().map(|r| r.0).collect();
        assert_eq!(got, vec![Loc::Line(2), Loc::Line(5), Loc::Line(6)]);
        assert_eq!(b.rejections, vec![(Loc::Line(4), too_big("row", 5009, 1000))]);
        // A header with no end in sight: the file is refused once, with the header's size.
        let b = read_bytes(&vec![0u8; 30_000], &s);
        assert_eq!(b.rejections, vec![(Loc::Line(1), too_big("header", 30_000, 1000))]);
        assert!(b.reports.is_empty());
        // One that fits in a read of the file, the same.
        let b = read_bytes(format!("precinct,registered,ballots,{}\nP1,1,1,1\n", "a".repeat(2000)).as_bytes(), &s);
        assert_eq!(b.rejections, vec![(Loc::Line(1), too_big("header", 2027, 1000))]);
    }
}
