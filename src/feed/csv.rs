//! `*.csv`: a header row and one report a row. By default the columns are
//! `precinct,region,reported_at,revision,registered,ballots,invalid,issued` and one column per
//! candidate id; a manifest's `csv` mapping reads a commission's own headers instead.

use std::borrow::Cow;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::manifest::{Columns, CsvMapping};
use super::report::{RawCount, RawReport, RawStr, RawVotes};
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
}

fn find(headers: &[String], name: &str) -> Result<usize, String> {
    headers.iter().position(|h| h == name).ok_or_else(|| format!("no column {name:?} in the header"))
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
                schema.check_candidate(&id).map_err(|e| format!("column {h:?}: {e}"))?;
                v.push((id, vec![i]));
            }
            v
        };
        if candidates.is_empty() {
            return Err("no candidate columns in the header".into());
        }
        Ok(Plan {
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
/// and quoted newlines included).
struct LineIndex<R> {
    inner: R,
    offset: u64,
    newlines: Vec<u64>,
    /// Quote characters read (an odd count at the end: a quote left open).
    quotes: u64,
}

impl<R: Read> Read for LineIndex<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
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
        self.newlines.partition_point(|&nl| nl < byte) as u32 + 1
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

/// Reads a whole CSV file. Without `take_tail`, a last row that lacks its newline is left
/// for later (it may be half written). Returns the number of bytes read.
pub fn read(path: &Path, schema: &Schema, take_tail: bool, sink: &mut dyn FnMut(Batch)) -> std::io::Result<u64> {
    let mut file = File::open(path)?;
    let limit = if take_tail { file.metadata()?.len() } else { complete_length(&mut file)? };
    file.seek(SeekFrom::Start(0))?;
    let delimiter = schema.csv.as_ref().and_then(|m| m.delimiter.as_ref()).map_or(b',', |d| d.as_bytes()[0]);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(LineIndex { inner: file.take(limit), offset: 0, newlines: Vec::new(), quotes: 0 });
    let mut record = csv::StringRecord::new();
    let headers: Vec<String> = match reader.read_record(&mut record) {
        Ok(false) => return Ok(limit),
        Err(e) => {
            sink(Batch::rejected(Loc::Line(1), format!("cannot read the header: {}", e.kind_text())));
            return Ok(limit);
        }
        Ok(true) => record.iter().map(|s| s.trim().trim_start_matches('\u{feff}').to_string()).collect(),
    };
    let plan = match Plan::new(&headers, schema) {
        Ok(p) => p,
        Err(e) => {
            sink(Batch::rejected(Loc::Line(1), e));
            return Ok(limit);
        }
    };
    let mut batch = Batch::default();
    loop {
        let result = reader.read_record(&mut record);
        // The reader stands just past the row; its first line is its last minus the newlines
        // inside quoted fields. (The row's own start offset would count skipped blank lines.)
        let line = match &result {
            Ok(_) => {
                let end = reader.position().byte().saturating_sub(1);
                let mut inner: usize = record.iter().map(|f| memchr::memchr_iter(b'\n', f.as_bytes()).count()).sum();
                // A row cut off by the end of the file inside a quote that never closed ends on
                // a newline of its own field, which `line_of(end)` does not count either.
                let index = reader.get_ref();
                let at_end = reader.position().byte() == index.offset;
                if at_end && index.quotes % 2 == 1 && record.iter().next_back().is_some_and(|f| f.ends_with('\n')) {
                    inner = inner.saturating_sub(1);
                }
                reader.get_ref().line_of(end).saturating_sub(inner as u32)
            }
            Err(e) => reader.get_ref().line_of(e.position().map_or(0, |p| p.byte())),
        };
        let result = match result {
            Ok(false) => break,
            Err(e) => Err(format!("not a valid CSV row: {}", e.kind_text())),
            Ok(true) => {
                let size = record.as_slice().len() as u64;
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                } else if size > schema.max_file_size {
                    Err(too_big("row", size, schema.max_file_size))
                } else if record.len() != headers.len() {
                    Err(format!("row has {} fields, the header has {}", record.len(), headers.len()))
                } else {
                    plan.row(&record, schema)
                }
            }
        };
        batch.push(Loc::Line(line), result);
        if batch.len() >= 65_536 {
            sink(std::mem::take(&mut batch));
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
}
