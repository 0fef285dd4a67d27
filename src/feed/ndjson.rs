//! `*.ndjson` / `*.jsonl`: one report a line, in a file that may keep growing. Read in blocks
//! (memory stays bounded however long the log), lines parsed in parallel, and a last line
//! without its newline is only taken when the caller says the file is finished.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use rayon::prelude::*;

use super::report::parse_json_report;
use super::{Batch, Loc, Schema, too_big};

/// How much of a file is read and parsed at a time: about 5,000 reports, enough lines for
/// every core, while the blocks in flight (read, parsed, being counted) stay a few MB — at
/// 8 MiB they held ~65 MB of parsed reports at the peak of a million-report load.
const BLOCK: usize = 1 << 20;
/// Below this many lines parsing stays on the calling thread.
const PARALLEL_LINES: usize = 2048;

/// Where a read stopped: just after the last full line taken.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes from the start of the file up to and including the last newline read.
    pub offset: u64,
    /// Full lines read so far (the next line's number is `lines + 1`).
    pub lines: u32,
    /// The line starting at `offset` is over the size cap and has no newline yet: this many of
    /// its bytes were passed over (it is refused, with its whole size, once it ends).
    pub skipped: u64,
}

/// Parses the lines of `bytes` (newline-separated, the last one may lack its newline),
/// numbering them from `first_line`.
pub fn parse_lines(bytes: &[u8], first_line: u32, schema: &Schema) -> Batch {
    let mut lines: Vec<(u32, &[u8])> = Vec::new();
    let mut start = 0;
    let mut n = first_line;
    for end in memchr::memchr_iter(b'\n', bytes) {
        lines.push((n, &bytes[start..end]));
        n += 1;
        start = end + 1;
    }
    if start < bytes.len() {
        lines.push((n, &bytes[start..]));
    }
    let parse_one = |&(line, raw): &(u32, &[u8])| -> Option<(Loc, Result<crate::feed::Report, String>)> {
        // A byte-order mark before the first line is not part of it.
        let raw = if line == 1 { raw.strip_prefix(b"\xef\xbb\xbf").unwrap_or(raw) } else { raw };
        let text = raw.trim_ascii();
        if text.is_empty() {
            return None;
        }
        if text.len() as u64 > schema.max_file_size {
            return Some((Loc::Line(line), Err(too_big("line", trimmed_len(raw), schema.max_file_size))));
        }
        Some((Loc::Line(line), parse_json_report(text, schema)))
    };
    let results: Vec<_> = if lines.len() >= PARALLEL_LINES {
        lines.par_iter().filter_map(parse_one).collect()
    } else {
        lines.iter().filter_map(parse_one).collect()
    };
    let mut batch = Batch::default();
    batch.reports.reserve(results.len());
    for (loc, r) in results {
        batch.push(loc, r);
    }
    batch
}

/// Reads `path` from `from` on, handing each block's reports to `sink`. A last line without a
/// newline is parsed only when `take_tail` (the file is taken as finished); otherwise it is
/// left for the next read. Returns where the full lines end.
pub fn read(
    path: &Path,
    from: Progress,
    schema: &Schema,
    take_tail: bool,
    sink: &mut dyn FnMut(Batch),
) -> std::io::Result<Progress> {
    let mut file: File = super::read::open_regular(path)?;
    file.seek(SeekFrom::Start(from.offset + from.skipped))?;
    let mut progress = from;
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK.min(1 << 16));
    let over_cap = |progress: &Progress, size: u64| {
        Batch::rejected(Loc::Line(progress.lines + 1), too_big("line", size, schema.max_file_size))
    };
    loop {
        let got = file.by_ref().take(BLOCK as u64).read_to_end(&mut buf)?;
        let eof = got == 0;
        if progress.skipped > 0 {
            // Passing over the rest of a line that is over the cap, counting its bytes.
            match memchr::memchr(b'\n', &buf) {
                Some(nl) => {
                    let size = progress.skipped + trimmed_len(&buf[..nl]);
                    sink(over_cap(&progress, size));
                    progress.offset += progress.skipped + nl as u64 + 1;
                    progress.lines += 1;
                    progress.skipped = 0;
                    buf.drain(..=nl);
                }
                None => {
                    progress.skipped += buf.len() as u64;
                    buf.clear();
                    if eof {
                        if take_tail {
                            sink(over_cap(&progress, progress.skipped));
                        }
                        break;
                    }
                    continue;
                }
            }
        }
        if let Some(last_nl) = memchr::memrchr(b'\n', &buf) {
            let complete = &buf[..=last_nl];
            let lines = memchr::memchr_iter(b'\n', complete).count() as u32;
            sink(parse_lines(&complete[..complete.len() - 1], progress.lines + 1, schema));
            progress.offset += complete.len() as u64;
            progress.lines += lines;
            buf.drain(..=last_nl);
        } else if buf.len() as u64 > schema.max_file_size {
            progress.skipped = buf.len() as u64;
            buf.clear();
            continue;
        }
        if eof {
            if take_tail && !buf.is_empty() {
                sink(parse_lines(&buf, progress.lines + 1, schema));
            }
            break;
        }
    }
    Ok(progress)
}

/// A line's length as reported when it is over the cap: every byte before its newline.
fn trimmed_len(line: &[u8]) -> u64 {
    line.len() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = r#"{"precinct":"A","registered":5,"ballots":3,"votes":{"x":3}}"#;
    const B: &str = r#"{"precinct":"B","registered":5,"ballots":3,"votes":{"x":3}}"#;

    #[test]
    fn numbers_lines_skips_blank_and_rejects_bad() {
        let text = format!("{A}\n\n  \nnot json\r\n{B}\r");
        let b = parse_lines(text.as_bytes(), 1, &Schema::default());
        let locs: Vec<Loc> = b.reports.iter().map(|r| r.0).collect();
        assert_eq!(locs, vec![Loc::Line(1), Loc::Line(5)]);
        assert_eq!(b.rejections.len(), 1);
        assert_eq!(b.rejections[0].0, Loc::Line(4));
    }

    #[test]
    fn tail_is_left_unless_taken_and_reading_resumes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.ndjson");
        let half = &B[..20];
        std::fs::write(&p, format!("{A}\n{half}")).unwrap();
        let s = Schema::default();
        let mut got = Batch::default();
        let prog = read(&p, Progress::default(), &s, false, &mut |b| got.extend(b)).unwrap();
        assert_eq!((got.reports.len(), got.rejections.len()), (1, 0), "half a line is never counted");
        assert_eq!(prog, Progress { offset: A.len() as u64 + 1, lines: 1, skipped: 0 });
        std::fs::write(&p, format!("{A}\n{B}\n")).unwrap();
        let mut more = Batch::default();
        let prog = read(&p, prog, &s, false, &mut |b| more.extend(b)).unwrap();
        assert_eq!(more.reports.len(), 1);
        assert_eq!(more.reports[0].0, Loc::Line(2));
        assert_eq!(prog.lines, 2);
        // A finished file without a final newline: the last line counts.
        std::fs::write(&p, format!("{A}\n{B}")).unwrap();
        let mut all = Batch::default();
        read(&p, Progress::default(), &s, true, &mut |b| all.extend(b)).unwrap();
        assert_eq!(all.reports.len(), 2);
    }

    #[test]
    fn a_line_over_the_cap_is_rejected_and_the_rest_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.ndjson");
        let long =
            format!(r#"{{"precinct":"L","pad":"{}","registered":5,"ballots":3,"votes":{{"x":3}}}}"#, "x".repeat(500));
        std::fs::write(&p, format!("{A}\n{long}\n{B}\n")).unwrap();
        let s = Schema::default().with_max_file_size(200);
        let mut got = Batch::default();
        read(&p, Progress::default(), &s, true, &mut |b| got.extend(b)).unwrap();
        assert_eq!(got.reports.len(), 2);
        assert_eq!(got.rejections[0].0, Loc::Line(2));
        assert!(got.rejections[0].1.contains("above the size cap"), "{}", got.rejections[0].1);
    }

    #[test]
    fn many_lines_parse_in_parallel_in_order() {
        let text: String = (0..5000)
            .map(|i| format!(r#"{{"precinct":"P{i}","registered":5,"ballots":3,"votes":{{"x":3}}}}"#) + "\n")
            .collect();
        let b = parse_lines(&text.as_bytes()[..text.len() - 1], 1, &Schema::default());
        assert_eq!(b.reports.len(), 5000);
        assert!(
            b.reports
                .iter()
                .enumerate()
                .all(|(i, (loc, r))| *loc == Loc::Line(i as u32 + 1) && *r.precinct == *format!("P{i}"))
        );
    }

    #[test]
    fn a_long_line_is_measured_across_reads_and_refused_once() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("log.ndjson");
        let s = Schema::default().with_max_file_size(100);
        std::fs::write(&p, format!("{A}\n{}", "x".repeat(150))).unwrap();
        let mut got = Batch::default();
        let prog = read(&p, Progress::default(), &s, false, &mut |b| got.extend(b)).unwrap();
        assert_eq!((got.reports.len(), got.rejections.len()), (1, 0), "not refused while it may grow");
        assert_eq!(prog.skipped, 150);
        // It grows, then ends: refused once, with its whole size.
        std::fs::write(&p, format!("{A}\n{}\n{B}\n", "x".repeat(400))).unwrap();
        let mut more = Batch::default();
        let prog = read(&p, prog, &s, false, &mut |b| more.extend(b)).unwrap();
        assert_eq!(more.rejections, vec![(Loc::Line(2), too_big("line", 400, 100))]);
        assert_eq!(more.reports.len(), 1);
        assert_eq!((prog.lines, prog.skipped), (3, 0));
        // Read whole at once, the same.
        let mut all = Batch::default();
        read(&p, Progress::default(), &s, true, &mut |b| all.extend(b)).unwrap();
        assert_eq!(all.rejections, more.rejections);
    }
}
