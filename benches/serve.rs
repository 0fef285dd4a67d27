//! `votewatch serve` under many viewers, measured on the real binary (issue 12; figures in the
//! README). A replay that keeps publishing for the whole run (a new snapshot every 100 ms, the
//! hub's fastest), served to SSH clients of this process (russh's client, one task each), every
//! one with a 120×40 xterm-256color PTY and a shell, reading all it is sent:
//!
//!   50 and 200 viewers, each alone and with one deliberately stalled client beside them
//!   (it asks for a PTY and a shell, then never reads again, with an 8 KB window), and a run
//!   with no viewer at all (what the hub costs by itself);
//!   for each: the server's CPU (user + system, % of one core), its resident memory before
//!   the clients and at the end, and per viewer (its end over the hub alone's end, over N); bytes/s per viewer (mean, min, max: floor
//!   ≤ 30 KB/s each); the delay from a snapshot's publication to the last viewer's frame
//!   showing it having gone (p50, p99: floor p99 ≤ 250 ms at 50 viewers), from the server's
//!   trace (`VOTEWATCH_SERVE_TRACE`, src/serve/trace.rs).
//!
//! Run: `cargo bench --bench serve` (60 s a scenario; `-- 10` for 10 s, `-- viewers=50` for
//! the 50-viewer scenarios only). The binary is the bench build of `votewatch`, or
//! `VOTEWATCH_BIN`; `VOTEWATCH_BENCH_TRACES=DIR` keeps each scenario's trace there. The machine is shared: CPU is the server process's own, not wall time; the
//! clients run in this process on one thread.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use russh::client;
use russh::keys::PublicKeyOrCertificate;
use russh::{ChannelId, ChannelMsg};

/// The viewers' terminal.
const COLS: u32 = 120;
const ROWS: u32 = 40;
const TERM: &str = "xterm-256color";
/// The synthetic night replayed: this many precincts (each reporting once or more) …
const PRECINCTS: u32 = 60_000;
/// … at this speed (feed seconds a second): the night lasts several minutes, so reports keep
/// coming, and snapshots keep being published, through every scenario.
const SPEED: &str = "auto";
/// Between the last client's first frame and the measured window.
const WARM_UP: Duration = Duration::from_secs(3);
/// The stalled client's channel window: the server may send it this much, then no more.
const STALLED_WINDOW: u32 = 8 * 1024;

fn bin() -> PathBuf {
    std::env::var_os("VOTEWATCH_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_votewatch")), PathBuf::from)
}

/// CPU ticks (user + system) a process has used, from /proc.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(close) = stat.rfind(')') else { return 0 };
    let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
    fields.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
        + fields.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

fn ticks_per_second() -> f64 {
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}

/// A `/proc/PID/status` figure in kB (VmRSS, VmHWM).
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The server, its log read by a thread of its own (the address it listens on; refusals and
/// failures counted).
struct Server {
    child: Child,
    address: SocketAddr,
    /// When its "listening" line was read: the trace's clock starts just before.
    listening: Instant,
    refusals: Arc<AtomicU64>,
}

impl Server {
    fn start(feed: &Path, host_key: &Path, trace: &Path) -> Result<Server> {
        let mut child = Command::new(bin())
            .args(["serve", "--replay"])
            .arg(feed)
            .args(["--speed", SPEED, "--listen", "127.0.0.1:0", "--open", "--log-json"])
            .args(["--max-viewers", "1000", "--max-per-address", "1000", "--idle-timeout", "2h"])
            .arg("--host-key")
            .arg(host_key)
            .env("VOTEWATCH_SERVE_TRACE", trace)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot start votewatch serve")?;
        let stderr = child.stderr.take().context("no stderr")?;
        let (tx, rx) = std::sync::mpsc::channel();
        let refusals = Arc::new(AtomicU64::new(0));
        let r = Arc::clone(&refusals);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
                match v["event"].as_str() {
                    Some("listening") => {
                        let _ = tx.send(v["address"].as_str().unwrap_or_default().to_string());
                    }
                    Some("refused" | "viewer-failed" | "error") => {
                        eprintln!("server: {line}");
                        r.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
            }
        });
        let address = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(a) => a.parse().context("the listening address")?,
            Err(_) => {
                let _ = child.kill();
                bail!("the server did not say where it listens");
            }
        };
        Ok(Server { child, address, listening: Instant::now(), refusals })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGTERM, then the wait for it to end (its trace is written as it does).
    fn stop(mut self) -> Result<()> {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    bail!("the server ended with {status}");
                }
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                bail!("the server did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A client: any host key will do (a loopback benchmark); a stalled one stops at the first
/// bytes it is sent, never reading its connection again.
struct Client {
    stall: bool,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }

    async fn data(
        &mut self,
        _channel: ChannelId,
        _data: &[u8],
        _session: &mut client::Session,
    ) -> Result<(), Self::Error> {
        if self.stall {
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

/// A connected viewer: its connection (kept open while it lives) and the bytes it has read.
struct Viewer {
    _handle: client::Handle<Client>,
    bytes: Arc<AtomicU64>,
}

/// Connects, logs in (the server is `--open`), asks for a 120×40 PTY and a shell; a reading
/// viewer's channel is then read to the end by a task of its own.
async fn connect(address: SocketAddr, stall: bool) -> Result<Viewer> {
    let config = client::Config {
        window_size: if stall { STALLED_WINDOW } else { client::Config::default().window_size },
        maximum_packet_size: if stall { STALLED_WINDOW } else { client::Config::default().maximum_packet_size },
        nodelay: true,
        ..Default::default()
    };
    let mut handle = client::connect(Arc::new(config), address, Client { stall }).await?;
    if !handle.authenticate_none("bench").await?.success() {
        bail!("login refused");
    }
    let mut channel = handle.channel_open_session().await?;
    channel.request_pty(false, TERM, COLS, ROWS, 0, 0, &[]).await?;
    channel.request_shell(false).await?;
    let bytes = Arc::new(AtomicU64::new(0));
    let b = Arc::clone(&bytes);
    tokio::spawn(async move {
        // A stalled client's connection stops before this reads much (its handler never
        // returns): the channel is kept, unread.
        while let Some(msg) = channel.wait().await {
            if let ChannelMsg::Data { data } = msg {
                b.fetch_add(data.len() as u64, Ordering::Relaxed);
            }
        }
    });
    Ok(Viewer { _handle: handle, bytes })
}

/// One scenario's figures.
struct Figures {
    name: String,
    viewers: usize,
    seconds: f64,
    cpu: f64,
    rss_before_mb: f64,
    rss_end_mb: f64,
    /// Of the reading viewers.
    bytes_per_s: [f64; 3],
    /// Delay from publication to the last viewer's frame, p50, p99, max (ms).
    delay_ms: [f64; 3],
    published: usize,
    /// Reading viewers whose frames were sent in the window.
    served: usize,
    /// Snapshots some viewer never showed.
    missed: usize,
    /// What the stalled client was sent, in all.
    stalled_bytes: Option<u64>,
    refusals: u64,
}

fn run_scenario(
    rt: &tokio::runtime::Runtime,
    feed: &Path,
    host_key: &Path,
    viewers: usize,
    stalled: bool,
    window: Duration,
) -> Result<Figures> {
    let name = match (viewers, stalled) {
        (0, _) => "no viewer (the hub alone)".to_string(),
        (n, false) => format!("{n} viewers"),
        (n, true) => format!("{n} viewers + 1 stalled"),
    };
    eprintln!("— {name}: {} s", window.as_secs());
    let dir = tempfile::tempdir()?;
    let trace = dir.path().join("trace.ndjson");
    let server = Server::start(feed, host_key, &trace)?;
    let pid = server.pid();
    std::thread::sleep(Duration::from_secs(1));
    let rss_before = status_kb(pid, "VmRSS");

    // The stalled client first, so it is stalled all along; then the readers, a few at a time.
    let stalled_viewer = if stalled { Some(rt.block_on(connect(server.address, true))?) } else { None };
    let address = server.address;
    let connected: Vec<Viewer> = rt.block_on(async move {
        let gate = Arc::new(tokio::sync::Semaphore::new(16));
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..viewers {
            let gate = Arc::clone(&gate);
            tasks.spawn(async move {
                let _permit = gate.acquire().await?;
                connect(address, false).await.map(|v| (i, v))
            });
        }
        let mut all = Vec::new();
        while let Some(done) = tasks.join_next().await {
            all.push(done??);
        }
        all.sort_by_key(|(i, _)| *i);
        anyhow::Ok(all.into_iter().map(|(_, v)| v).collect())
    })?;
    // Every reader has its first frame.
    let deadline = Instant::now() + Duration::from_secs(60);
    while connected.iter().any(|v| v.bytes.load(Ordering::Relaxed) == 0) {
        if Instant::now() > deadline {
            bail!("a viewer had no frame within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(WARM_UP);

    let read = |vs: &[Viewer]| vs.iter().map(|v| v.bytes.load(Ordering::Relaxed)).collect::<Vec<u64>>();
    let (bytes0, ticks0, t0) = (read(&connected), cpu_ticks(pid), Instant::now());
    std::thread::sleep(window);
    let (bytes1, ticks1, t1) = (read(&connected), cpu_ticks(pid), Instant::now());
    let rss_end = status_kb(pid, "VmRSS");
    let seconds = (t1 - t0).as_secs_f64();
    let stalled_bytes = stalled_viewer.as_ref().map(|v| v.bytes.load(Ordering::Relaxed));
    let refusals = server.refusals.load(Ordering::Relaxed);
    let origin = server.listening;
    server.stop()?;
    drop(connected);
    drop(stalled_viewer);

    let rates: Vec<f64> = bytes0.iter().zip(&bytes1).map(|(a, b)| (b - a) as f64 / seconds).collect();
    let bytes_per_s = if rates.is_empty() {
        [0.0; 3]
    } else {
        [
            rates.iter().sum::<f64>() / rates.len() as f64,
            rates.iter().copied().fold(f64::INFINITY, f64::min),
            rates.iter().copied().fold(0.0, f64::max),
        ]
    };
    // The window on the trace's clock (which starts just before the "listening" line).
    let us = |t: Instant| t.saturating_duration_since(origin).as_micros() as u64;
    if let Some(keep) = std::env::var_os("VOTEWATCH_BENCH_TRACES") {
        let to = Path::new(&keep).join(format!("{viewers}{}.ndjson", if stalled { "-stalled" } else { "" }));
        std::fs::create_dir_all(&keep)?;
        std::fs::copy(&trace, &to)?;
        eprintln!("  trace kept in {} (window {}–{} µs)", to.display(), us(t0), us(t1));
    }
    let delays = delays(&std::fs::read_to_string(&trace)?, us(t0), us(t1))?;
    Ok(Figures {
        name,
        viewers,
        seconds,
        cpu: (ticks1 - ticks0) as f64 / ticks_per_second() / seconds * 100.0,
        rss_before_mb: rss_before as f64 / 1024.0,
        rss_end_mb: rss_end as f64 / 1024.0,
        bytes_per_s,
        delay_ms: delays.percentiles,
        published: delays.published,
        served: delays.served,
        missed: delays.missed,
        stalled_bytes,
        refusals,
    })
}

/// What the trace says of the window.
#[derive(Debug, PartialEq)]
struct Delays {
    /// p50, p99, max of the delay from a snapshot's publication to the last viewer's frame
    /// showing it (or a newer one) having gone, in ms.
    percentiles: [f64; 3],
    /// Snapshots published in the window (less its last second, so that every viewer had the
    /// time to show them).
    published: usize,
    /// Viewers with a frame sent in the window.
    served: usize,
    /// Snapshots some viewer never showed.
    missed: usize,
}

/// Reads the server's trace: `{"published":V,"us":T}` and `{"viewer":ID,"shows":V,"us":T}`
/// lines, for the snapshots published between `from` and `to` (µs on the trace's clock).
fn delays(trace: &str, from: u64, to: u64) -> Result<Delays> {
    let mut published = Vec::new();
    let mut frames: HashMap<u64, Vec<(u64, u64)>> = HashMap::new();
    for line in trace.lines() {
        let v: serde_json::Value = serde_json::from_str(line).with_context(|| format!("trace line {line:?}"))?;
        let us = v["us"].as_u64().context("a trace line without us")?;
        if let Some(version) = v["published"].as_u64() {
            published.push((version, us));
        } else if let (Some(viewer), Some(shows)) = (v["viewer"].as_u64(), v["shows"].as_u64()) {
            frames.entry(viewer).or_default().push((us, shows));
        }
    }
    // Viewers that were sent frames in the window: a stalled one is not among them.
    let served: Vec<Vec<(u64, u64)>> = frames
        .into_values()
        .filter(|f| f.iter().any(|&(us, _)| us >= from && us <= to))
        .map(|mut f| {
            f.sort_unstable();
            f
        })
        .collect();
    let settle = 1_000_000;
    let mut delays = Vec::new();
    let mut missed = 0;
    let mut counted = 0;
    for &(version, at) in published.iter().filter(|&&(_, us)| us >= from && us + settle <= to) {
        counted += 1;
        let mut last = Some(0);
        for f in &served {
            // The first frame after the publication showing it or something newer.
            let first = f.iter().find(|&&(us, shows)| us >= at && shows >= version).map(|&(us, _)| us - at);
            last = match (last, first) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
        }
        match last {
            Some(us) => delays.push(us as f64 / 1000.0),
            None => missed += 1,
        }
    }
    delays.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        if delays.is_empty() {
            return f64::NAN;
        }
        delays[((delays.len() as f64 * q).ceil() as usize).clamp(1, delays.len()) - 1]
    };
    Ok(Delays { percentiles: [pick(0.50), pick(0.99), pick(1.0)], published: counted, served: served.len(), missed })
}

fn synth(dir: &Path) -> Result<()> {
    let out = Command::new(bin())
        .arg("synth")
        .arg(dir)
        .args(["--precincts", &PRECINCTS.to_string(), "--seed", "12"])
        .output()
        .context("cannot run votewatch synth")?;
    if !out.status.success() {
        bail!("votewatch synth: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let seconds: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(60);
    let only: Option<usize> = args.iter().find_map(|a| a.strip_prefix("viewers=")?.parse().ok());
    let window = Duration::from_secs(seconds);

    let work = tempfile::tempdir()?;
    let feed = work.path().join("feed");
    synth(&feed)?;
    let host_key = work.path().join("host_key");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;

    let mut scenarios = vec![(0, false)];
    for n in [50, 200] {
        if only.is_none_or(|o| o == n) {
            scenarios.extend([(n, false), (n, true)]);
        }
    }
    let mut rows = Vec::new();
    for (viewers, stalled) in scenarios {
        let f = run_scenario(&rt, &feed, &host_key, viewers, stalled, window)?;
        eprintln!(
            "  cpu {:.0}%  bytes/s {:.1} KB  p99 {:.0} ms  served {}/{}",
            f.cpu,
            f.bytes_per_s[0] / 1000.0,
            f.delay_ms[1],
            f.served,
            f.viewers
        );
        rows.push(f);
    }
    let (baseline_cpu, baseline_rss) = rows.first().map_or((0.0, 0.0), |f| (f.cpu, f.rss_end_mb));
    println!(
        "\n{} s a scenario, {COLS}×{ROWS} {TERM}, replay of a {PRECINCTS}-precinct synth at speed {SPEED}, 10 fps\n",
        seconds
    );
    println!(
        "| scenario | server CPU (% of a core; over the hub alone) | RSS before clients → end (MB) | per viewer (KB: end over the hub alone's end) | bytes/s per viewer: mean, min, max (KB/s) | delay to the last viewer's frame: p50, p99, max (ms) | snapshots | viewers served | notes |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for f in &rows {
        let per_viewer = if f.viewers == 0 {
            "—".to_string()
        } else {
            format!("{:.0}", (f.rss_end_mb - baseline_rss) * 1024.0 / f.viewers as f64)
        };
        let (rates, delay) = if f.viewers == 0 {
            ("—".to_string(), "—".to_string())
        } else {
            (
                format!(
                    "{:.1}, {:.1}, {:.1}",
                    f.bytes_per_s[0] / 1000.0,
                    f.bytes_per_s[1] / 1000.0,
                    f.bytes_per_s[2] / 1000.0
                ),
                format!("{:.0}, {:.0}, {:.0}", f.delay_ms[0], f.delay_ms[1], f.delay_ms[2]),
            )
        };
        let mut notes = Vec::new();
        if let Some(b) = f.stalled_bytes {
            notes.push(format!("the stalled client was sent {b} bytes in all"));
        }
        if f.missed > 0 {
            notes.push(format!("{} snapshots some viewer never showed", f.missed));
        }
        if f.refusals > 0 {
            notes.push(format!("{} refusals or failures logged", f.refusals));
        }
        println!(
            "| {} | {:.0}% (+{:.0}) | {:.1} → {:.1} | {per_viewer} | {rates} | {delay} | {} in {:.0} s | {} | {} |",
            f.name,
            f.cpu,
            f.cpu - baseline_cpu,
            f.rss_before_mb,
            f.rss_end_mb,
            f.published,
            f.seconds,
            if f.viewers == 0 { "—".to_string() } else { format!("{}/{}", f.served, f.viewers) },
            notes.join("; ")
        );
    }
    // The floors of issue 12.
    let mut failed = Vec::new();
    for f in rows.iter().filter(|f| f.viewers > 0) {
        if f.bytes_per_s[2] > 30_000.0 {
            failed.push(format!("{}: a viewer was sent {:.1} KB/s (> 30)", f.name, f.bytes_per_s[2] / 1000.0));
        }
        if f.viewers == 50 && (f.delay_ms[1].is_nan() || f.delay_ms[1] > 250.0) {
            failed.push(format!("{}: p99 delay {:.0} ms (> 250)", f.name, f.delay_ms[1]));
        }
        if f.served < f.viewers || f.missed > 0 {
            failed
                .push(format!("{}: {}/{} viewers served, {} snapshots missed", f.name, f.served, f.viewers, f.missed));
        }
    }
    if failed.is_empty() {
        println!("\nfloors met: ≤ 30 KB/s for every viewer; p99 ≤ 250 ms at 50 viewers");
    } else {
        println!("\nFLOORS NOT MET:\n  {}", failed.join("\n  "));
        std::process::exit(1);
    }
    Ok(())
}
