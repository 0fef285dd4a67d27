//! A seeded mutation fuzzer for every reader, on stable Rust (cargo-fuzz needs nightly): valid
//! seeds of each format, mutated (bytes flipped, inserted, deleted, repeated, spliced with
//! JSON and CSV tokens, huge numbers, bad UTF-8, BOMs, line ends), fed to the reader in the
//! process. Each input must end without a panic, within a second of CPU time, and every refusal must be
//! one line that names where it is and quotes input only cut short. `tests/fuzz.rs` runs a
//! short run in CI; `cargo bench --bench fuzz -- N` a long one.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use votewatch::feed::{Batch, Loc, Manifest, Schema};

/// The longest a refusal may be: it quotes input only cut short.
pub const MAX_MESSAGE: usize = 400;

/// A small, fast, seeded generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b",",
    b":",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\\udc00",
    b"\\u0000",
    b"null",
    b"true",
    b"-1",
    b"0",
    b"1e999",
    b"9999999999999999999999",
    b"1.5",
    b"2.0000000000000001",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"\n",
    b"\r\n",
    b"\r",
    b"\0",
    b"\x1b[2J",
    b"\xe2\x80\xae",
    b"\"votes\":",
    b"\"precinct\":",
    b"\"region\":",
    b"\"reported_at\":\"2022-11-20T21:00:00+06:00\"",
    b"\"revision\":",
    b"\"issued\":",
    b"\"\"",
    b";",
    b"\t",
    b"{\"a\":1}",
    b"[[[[[[[[",
    b"]]]]]]]]",
];

/// One mutation of `seed`.
pub fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut v = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(8) {
            0 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] ^= 1 << rng.below(8);
            }
            1 if !v.is_empty() => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            2 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                v.splice(at..at, t.iter().copied());
            }
            3 if !v.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(v.len());
                let at = at.min(end);
                v.drain(at..end);
            }
            4 if !v.is_empty() => {
                // Repeat a slice (long lines, deep nesting, many columns).
                let start = rng.below(v.len());
                let end = (start + 1 + rng.below(32)).min(v.len());
                let piece = v[start..end].to_vec();
                let most = if rng.below(50) == 0 { 5000 } else { 8 };
                let times = 1 + rng.below(most);
                let at = rng.below(v.len() + 1);
                for _ in 0..times {
                    v.splice(at..at, piece.iter().copied());
                }
            }
            5 => v.truncate(at),
            6 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let i = rng.below(v.len() + 1);
                let end = (i + t.len()).min(v.len());
                v.splice(i..end, t.iter().copied());
            }
            _ => {
                let n = rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                v.splice(at..at, bytes);
            }
        }
    }
    v
}

/// What one input did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Outcome {
    pub reports: usize,
    pub refusals: usize,
}

/// A reader under test: takes bytes, gives what it read.
pub type Reader = fn(&[u8], &Scratch) -> Result<Outcome, String>;

/// Where readers that need a file write one.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new() -> Scratch {
        let base = if Path::new("/dev/shm").is_dir() { Path::new("/dev/shm") } else { Path::new("/tmp") };
        let dir = base.join(format!("votewatch-fuzz-{}-{:?}", std::process::id(), std::thread::current().id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn manifest_schema() -> Schema {
    let m = Manifest::from_slice(
        br#"{"id":"t","candidates":[{"id":"a","name":"Alice"},{"id":"b","name":"Bob"}],"regions":[{"id":"n","name":"North"},{"id":"s"}]}"#,
    )
    .unwrap();
    Schema::from_manifest(Some(&m), 1 << 16)
}

fn check_batch(b: &Batch, lines: usize) -> Result<Outcome, String> {
    for (loc, msg) in &b.rejections {
        check_message(msg)?;
        match loc {
            Loc::Line(n) if *n == 0 || *n as usize > lines + 1 => return Err(format!("line {n} of {lines}: {msg}")),
            _ => {}
        }
    }
    Ok(Outcome { reports: b.reports.len(), refusals: b.rejections.len() })
}

pub fn check_message(msg: &str) -> Result<(), String> {
    if msg.is_empty() || msg.contains('\n') || msg.chars().count() > MAX_MESSAGE {
        return Err(format!(
            "a refusal must be one short line, got {} chars: {:?}",
            msg.chars().count(),
            votewatch::text::cut(msg, 200)
        ));
    }
    Ok(())
}

fn lines(bytes: &[u8]) -> usize {
    memchr_count(bytes) + 1
}

fn memchr_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

pub fn json(bytes: &[u8], _: &Scratch) -> Result<Outcome, String> {
    check_batch(&votewatch::feed::json::parse(bytes, &manifest_schema()), 0)
}

pub fn json_learned(bytes: &[u8], _: &Scratch) -> Result<Outcome, String> {
    check_batch(&votewatch::feed::json::parse(bytes, &Schema::default().with_max_file_size(1 << 16)), 0)
}

pub fn ndjson(bytes: &[u8], s: &Scratch) -> Result<Outcome, String> {
    let p = s.file("r.ndjson", bytes);
    let mut all = Batch::default();
    votewatch::feed::read::read_file(
        &p,
        votewatch::feed::Format::Ndjson,
        Default::default(),
        &manifest_schema(),
        true,
        &mut |b| all.extend(b),
    )
    .map_err(|e| e.to_string())?;
    check_batch(&all, lines(bytes))
}

pub fn csv(bytes: &[u8], s: &Scratch) -> Result<Outcome, String> {
    let p = s.file("r.csv", bytes);
    let mut all = Batch::default();
    votewatch::feed::read::read_file(
        &p,
        votewatch::feed::Format::Csv,
        Default::default(),
        &Schema::default().with_max_file_size(1 << 16),
        true,
        &mut |b| all.extend(b),
    )
    .map_err(|e| e.to_string())?;
    check_batch(&all, lines(bytes))
}

pub fn csv_mapped(bytes: &[u8], s: &Scratch) -> Result<Outcome, String> {
    let m = Manifest::from_slice(
        r#"{"id":"ru","candidates":[{"id":"putin","name":"Путин"},{"id":"grudinin","name":"Грудинин"}],
           "csv":{"precinct":["region","tik","uik"],"region":"region","registered":"Voters","ballots":["Box A","Box B"],"invalid":"Bad","delimiter":";"}}"#
            .as_bytes(),
    )
    .unwrap();
    let p = s.file("m.csv", bytes);
    let mut all = Batch::default();
    votewatch::feed::read::read_file(
        &p,
        votewatch::feed::Format::Csv,
        Default::default(),
        &Schema::from_manifest(Some(&m), 1 << 16),
        true,
        &mut |b| all.extend(b),
    )
    .map_err(|e| e.to_string())?;
    check_batch(&all, lines(bytes))
}

pub fn manifest(bytes: &[u8], _: &Scratch) -> Result<Outcome, String> {
    match Manifest::from_slice(bytes) {
        Ok(_) => Ok(Outcome { reports: 1, refusals: 0 }),
        Err(e) => {
            check_message(&format!("{e:#}"))?;
            Ok(Outcome { reports: 0, refusals: 1 })
        }
    }
}

pub fn recording(bytes: &[u8], s: &Scratch) -> Result<Outcome, String> {
    let p = s.file("rec.ndjson", bytes);
    match votewatch::source::record::read(&p, 1 << 16) {
        Ok(r) => Ok(Outcome { reports: r.ops.len(), refusals: usize::from(r.cut_short.is_some()) }),
        Err(e) => {
            check_message(&format!("{e:#}"))?;
            Ok(Outcome { reports: 0, refusals: 1 })
        }
    }
}

/// The readers and the valid seeds each is fuzzed from.
pub fn targets() -> Vec<(&'static str, Reader, Vec<Vec<u8>>)> {
    let report = br#"{"precinct":"N-1","region":"n","reported_at":"2022-11-20T21:14:05+06:00","revision":2,"registered":1000,"ballots":650,"invalid":10,"votes":{"a":400,"b":240},"extra":{"x":[1,"\u00e9"]}}"#.to_vec();
    let array = [b"[".as_slice(), &report, b",", &report, b"]"].concat();
    let ndjson_seed = [report.as_slice(), b"\n", &report, b"\r\n\n", &report].concat();
    let csv_seed = b"precinct,region,reported_at,revision,registered,ballots,invalid,a,b\nP1,north,2022-11-20T21:00:00+06:00,2,100,60,2,50,8\r\nP2,north,,,100,60,,52,8\n\n\"P3\",\"no\"\"rth\",,,100,60,0,52,8\n".to_vec();
    let mapped_seed = "region;tik;uik;Voters;Box A;Box B;Bad;Путин;Грудинин;url\nАлтай;ТИК 1;УИК №1;1000;20;580;10;500;90;http://x\nАлтай;ТИК 1;УИК №2;900;0;500;5;400;95;\n".as_bytes().to_vec();
    let manifest_seed = br##"{"id":"demo","name":"Demo","contest":"party-list","seats":10,"threshold":0.05,"majority":0.5,"date":"2024-03-10","polls_close":"20:00","candidates":[{"id":"a","name":"A","party":"P","color":"#fff"},{"id":"b"}],"regions":[{"id":"n","name":"North","utc_offset":"+05:00","polls_close":"21:00","precincts":3,"registered":3000}],"csv":{"precinct":["x","y"],"delimiter":";","candidates":{"a":"A"}},"forensics":{"fdr":0.05,"min_precincts":10}}"##.to_vec();
    let recording_seed = br#"{"votewatch_record":2,"manifest":{"id":"t","candidates":[{"id":"a"},{"id":"b"}]}}
{"t":"2026-11-29T22:41:03.52Z","op":"report","source":"a.json","loc":null,"report":{"precinct":"A","revision":1,"registered":100,"ballots":60,"invalid":0,"votes":{"a":40,"b":20}}}
{"t":"2026-11-29T22:41:04Z","op":"rejected","source":"bad.json","loc":{"line":3},"error":"nope"}
{"t":"2026-11-29T22:41:05Z","op":"drop","source":"a.json","loc":{"index":0}}
{"t":"2026-11-29T22:41:06Z","op":"manifest","manifest":null}
{"t":"2026-11-29T22:41:07Z","op":"withdraw","source":"a.json","from":null}
"#.to_vec();
    vec![
        ("json", json as Reader, vec![report.clone(), array]),
        ("json-learned", json_learned as Reader, vec![report.clone()]),
        ("ndjson", ndjson as Reader, vec![ndjson_seed]),
        ("csv", csv as Reader, vec![csv_seed]),
        ("csv-mapping", csv_mapped as Reader, vec![mapped_seed]),
        ("manifest", manifest as Reader, vec![manifest_seed]),
        ("recording", recording as Reader, vec![recording_seed]),
    ]
}

/// CPU time this thread has used (so that a busy machine does not make an input look slow).
fn thread_cpu() -> Duration {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Totals of a run.
#[derive(Debug, Default)]
pub struct Run {
    pub inputs: u64,
    pub reports: u64,
    pub refusals: u64,
    pub slowest: Duration,
    pub failures: Vec<String>,
}

/// Runs `n` mutated inputs against `reader`, starting from `seed`.
pub fn run(name: &str, reader: Reader, seeds: &[Vec<u8>], n: u64, seed: u64) -> Run {
    let scratch = Scratch::new();
    let mut rng = Rng::new(seed);
    let mut run = Run::default();
    let mut corpus: Vec<Vec<u8>> = seeds.to_vec();
    for _ in 0..n {
        let base = &corpus[rng.below(corpus.len())];
        let input = mutate(base, &mut rng);
        let start = thread_cpu();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| reader(&input, &scratch)));
        let took = thread_cpu().saturating_sub(start);
        run.slowest = run.slowest.max(took);
        run.inputs += 1;
        let failure = match result {
            Err(_) => Some("panicked".to_string()),
            Ok(Err(e)) => Some(e),
            Ok(Ok(o)) => {
                run.reports += o.reports as u64;
                run.refusals += o.refusals as u64;
                // Inputs that still read are kept to mutate further (bounded).
                if o.reports > 0 && corpus.len() < 256 && input.len() < 1 << 16 {
                    corpus.push(input.clone());
                }
                None
            }
        };
        let failure = failure.or_else(|| (took > Duration::from_secs(1)).then(|| format!("took {took:?}")));
        if let Some(f) = failure
            && run.failures.len() < 10
        {
            {
                // Kept for reproduction.
                let kept = std::env::temp_dir().join(format!("votewatch-fuzz-{name}-{}.bin", run.failures.len()));
                let _ = std::fs::write(&kept, &input);
                let shown = String::from_utf8_lossy(&input[..input.len().min(300)]).into_owned();
                run.failures.push(format!(
                    "{name}: {f}; input ({} bytes, in {}) starts {shown:?}",
                    input.len(),
                    kept.display()
                ));
            }
        }
    }
    run
}
