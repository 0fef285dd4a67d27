//! `votewatch serve`: the live dashboard over SSH to many viewers at once, with no shell
//! account for any of them (docs/SERVE.md).
//!
//! One hub (the engine and its analysis, `hub`) publishes snapshots; each viewer is a hub
//! viewer with its own focus, drawn by the same dashboard loop as a local terminal
//! (`ui::run_loop`) on a thread of its own, into a bounded outbox that a task pumps to the
//! viewer's SSH channel. A waker thread turns each publication into a nudge for every viewer's
//! loop. The SSH protocol is russh's; this folder decides who may connect (`auth`), what a
//! connection may do (`connection`), how a viewer's dashboard runs (`viewer`), how its bytes
//! reach it (`outbox`), how its keys are read (`input`), and what the server logs (`log`).

pub mod auth;
pub mod connection;
pub mod input;
pub mod log;
pub mod outbox;
pub mod trace;
pub mod viewer;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::json;

use crate::hub::{Hub, Opened};
use crate::ui::theme::{ColorDepth, ThemeName};

use connection::Connection;
use log::Log;
use trace::Trace;
use viewer::Input;

/// How the server runs (the command line's `serve` options).
#[derive(Debug, Clone)]
pub struct Options {
    pub listen: SocketAddr,
    /// `None` with `open`.
    pub authorized_keys: Option<PathBuf>,
    /// Anyone may connect without a key.
    pub open: bool,
    pub host_key: PathBuf,
    pub max_viewers: usize,
    /// Connections from one address at once.
    pub max_per_address: usize,
    pub idle_timeout: Duration,
    /// Viewers' keys drive the replay clock.
    pub shared_control: bool,
    pub log_json: bool,
    pub fps: u32,
    pub theme: ThemeName,
    /// Forced colours (otherwise each viewer's TERM, COLORTERM and NO_COLOR decide).
    pub colors: Option<ColorDepth>,
}

/// How long a client has to log in.
const LOGIN_TIME: Duration = Duration::from_secs(30);
/// How long a stopping server waits for its viewers' goodbyes to go.
const GOODBYE_TIME: Duration = Duration::from_secs(3);

/// What every connection shares.
pub struct Shared {
    pub opts: Options,
    pub hub: Hub,
    pub log: Log,
    pub trace: Option<Arc<Trace>>,
    registry: Mutex<Registry>,
    stopping: AtomicBool,
    /// Nudged when a viewer or a connection ends (a stopping server waits for them).
    ended: tokio::sync::Notify,
}

#[derive(Default)]
struct Registry {
    viewers: HashMap<u64, (SyncSender<Input>, Arc<AtomicI32>)>,
    per_address: HashMap<IpAddr, usize>,
    connections: usize,
    next: u64,
}

impl Shared {
    fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a viewer's dashboard, unless the server is full.
    pub fn add_viewer(&self, input: SyncSender<Input>, stop: Arc<AtomicI32>) -> Option<u64> {
        let mut r = self.registry();
        if r.viewers.len() >= self.opts.max_viewers {
            return None;
        }
        r.next += 1;
        let id = r.next;
        r.viewers.insert(id, (input, stop));
        Some(id)
    }

    pub fn remove_viewer(&self, id: u64) {
        self.registry().viewers.remove(&id);
        self.ended.notify_waiters();
    }

    pub fn viewer_count(&self) -> usize {
        self.registry().viewers.len()
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Nudges every viewer's loop (something was published).
    fn wake_all(&self) {
        for (tx, _) in self.registry().viewers.values() {
            let _ = tx.try_send(Input::Wake);
        }
    }

    /// Tells every viewer the server is stopping.
    fn stop_all(&self) {
        self.stopping.store(true, Ordering::Release);
        for (tx, stop) in self.registry().viewers.values() {
            stop.store(signal_hook::consts::SIGTERM, Ordering::Release);
            let _ = tx.try_send(Input::Wake);
        }
    }

    /// A place for one more connection from `ip`, unless it has too many (or the server as a
    /// whole does: four times its viewers, for logins in progress).
    fn connection_slot(self: &Arc<Self>, ip: IpAddr) -> Option<ConnectionSlot> {
        let mut r = self.registry();
        let from_ip = r.per_address.get(&ip).copied().unwrap_or(0);
        if from_ip >= self.opts.max_per_address || r.connections >= self.opts.max_viewers.saturating_mul(4).max(16) {
            return None;
        }
        r.per_address.insert(ip, from_ip + 1);
        r.connections += 1;
        Some(ConnectionSlot { shared: Arc::downgrade(self), ip })
    }
}

/// One connection's place in the counts; given back when the connection ends.
pub struct ConnectionSlot {
    shared: std::sync::Weak<Shared>,
    ip: IpAddr,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.upgrade() {
            let mut r = shared.registry();
            r.connections = r.connections.saturating_sub(1);
            if let Some(n) = r.per_address.get_mut(&self.ip) {
                *n -= 1;
                if *n == 0 {
                    r.per_address.remove(&self.ip);
                }
            }
            drop(r);
            shared.ended.notify_waiters();
        }
    }
}

/// Serves `opened` until SIGINT, SIGTERM or SIGHUP.
pub fn run(opened: Opened, opts: Options) -> Result<()> {
    let log = Log { json: opts.log_json };
    let host_key = auth::host_key(&opts.host_key)?;
    if let Some(path) = &opts.authorized_keys {
        let keys = auth::AuthorizedKeys::read(path)?;
        for w in &keys.warnings {
            crate::text::warn(w);
        }
        if keys.keys.is_empty() {
            anyhow::bail!(
                "{}: no usable public key, so nobody could connect; add viewers' keys, or use --open on a closed network",
                crate::text::clean_path(path)
            );
        }
    }
    let trace = Trace::from_env()?.map(Arc::new);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("votewatch-ssh")
        .enable_all()
        .build()
        .context("cannot start the SSH server's runtime")?;
    let fps = opts.fps;
    let hub = opened.spawn(fps);
    let shared = Arc::new(Shared {
        opts,
        hub,
        log,
        trace,
        registry: Mutex::default(),
        stopping: AtomicBool::new(false),
        ended: tokio::sync::Notify::new(),
    });
    // A panic anywhere is logged through the one path every line takes (a viewer's own ends
    // only that viewer: see viewer.rs).
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current().name().unwrap_or("?").to_string();
        crate::text::say(&format!("votewatch serve: panic in {thread}: {info}"));
    }));
    start_waker(Arc::clone(&shared));
    let result = runtime.block_on(serve(Arc::clone(&shared), host_key));
    if let Some(t) = &shared.trace {
        t.flush();
    }
    result
}

/// The thread that turns each publication of the hub into a nudge for every viewer.
fn start_waker(shared: Arc<Shared>) {
    let _ = std::thread::Builder::new().name("votewatch-waker".into()).spawn(move || {
        let mut seen = 0;
        let mut version = 0;
        while !shared.hub.closed() && !shared.stopping() {
            let now = shared.hub.wait_published(seen, Instant::now() + Duration::from_secs(1));
            if now != seen {
                seen = now;
                if let Some(t) = &shared.trace {
                    let v = shared.hub.latest().version;
                    if v != version {
                        version = v;
                        t.published(v, Instant::now());
                    }
                }
                shared.wake_all();
            }
        }
    });
}

async fn serve(shared: Arc<Shared>, host_key: russh::keys::PrivateKey) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(shared.opts.listen)
        .await
        .with_context(|| format!("cannot listen on {}", shared.opts.listen))?;
    let local = listener.local_addr()?;
    let fingerprint = auth::fingerprint(host_key.public_key());
    let config = Arc::new(russh::server::Config {
        methods: if shared.opts.open {
            russh::MethodSet::from(&[russh::MethodKind::None, russh::MethodKind::PublicKey][..])
        } else {
            russh::MethodSet::from(&[russh::MethodKind::PublicKey][..])
        },
        keys: vec![host_key],
        auth_rejection_time: Duration::from_secs(1),
        auth_rejection_time_initial: Some(Duration::ZERO),
        max_auth_attempts: 6,
        // Idle viewers are timed out by their dashboards (no key for --idle-timeout); a client
        // that stops answering is found by keepalives.
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        nodelay: true,
        ..Default::default()
    });
    let host = match local.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    shared.log.say(
        "listening",
        &[
            ("address", json!(local.to_string())),
            ("host_key", json!(fingerprint)),
            ("join", json!(format!("ssh -t -p {} {host}", local.port()))),
            ("open", json!(shared.opts.open)),
        ],
    );
    if shared.opts.open {
        crate::text::warn(&format!(
            "--open: anyone who can reach {local} may watch, without a key; use it only on a closed network"
        ));
    }
    let mut signals = Signals::new()?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (socket, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        shared.log.say("error", &[("reason", json!(format!("accept: {e}")))]);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Some(slot) = shared.connection_slot(peer.ip()) else {
                    shared.log.say("refused", &[("address", json!(peer.to_string())), ("reason", json!("too many connections"))]);
                    continue;
                };
                let _ = socket.set_nodelay(true);
                let connection = Connection::new(Arc::clone(&shared), peer, local, slot);
                tokio::spawn(run_connection(Arc::clone(&config), socket, connection));
            }
            _ = signals.next() => break,
        }
    }
    let viewers = shared.viewer_count();
    shared.log.say("stopping", &[("viewers", json!(viewers))]);
    shared.stop_all();
    // Each viewer's goodbye goes, its channel closes, its client hangs up.
    let deadline = tokio::time::Instant::now() + GOODBYE_TIME;
    loop {
        let ended = shared.ended.notified();
        tokio::pin!(ended);
        // Registered before the count is read, so an end in between is not missed.
        ended.as_mut().enable();
        if shared.registry().connections == 0 || tokio::time::timeout_at(deadline, ended).await.is_err() {
            break;
        }
    }
    Ok(())
}

/// One connection: the SSH session, closed if its client has not logged in in time.
async fn run_connection(config: Arc<russh::server::Config>, socket: tokio::net::TcpStream, connection: Connection) {
    let authenticated = Arc::clone(&connection.authenticated);
    let Ok(Ok(session)) = tokio::time::timeout(LOGIN_TIME, russh::server::run_stream(config, socket, connection)).await
    else {
        return;
    };
    let handle = session.handle();
    tokio::spawn(async move {
        tokio::time::sleep(LOGIN_TIME).await;
        if !authenticated.load(Ordering::Acquire) {
            let _ =
                handle.disconnect(russh::Disconnect::ByApplication, "login took too long".into(), "en".into()).await;
        }
    });
    let _ = session.await;
}

/// SIGINT, SIGTERM and SIGHUP, which stop the server (every viewer told first).
struct Signals {
    int: tokio::signal::unix::Signal,
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            int: signal(SignalKind::interrupt()).context("cannot install a signal handler")?,
            term: signal(SignalKind::terminate()).context("cannot install a signal handler")?,
            hup: signal(SignalKind::hangup()).context("cannot install a signal handler")?,
        })
    }

    async fn next(&mut self) {
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
    }
}
