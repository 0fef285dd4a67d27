//! One SSH connection: who it is (public-key login, or anyone with `--open`), and the one
//! thing it may do — open a session with a PTY and get the dashboard. Everything else is
//! refused: a shell without a PTY and any exec get one line and exit status 1; subsystems,
//! X11, agent and port forwarding are declined; a second session on the same connection too.
//!
//! Long because russh's `Handler` is one trait: every request a client can make (pty, env, shell,
//! exec, subsystem, each forwarding) is answered here, each refusal with its own line.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use russh::keys::ssh_key::PublicKey;
use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, ChannelWriteHalf, MethodKind, MethodSet, Pty};
use serde_json::json;

use super::auth::{AuthorizedKeys, fingerprint};
use super::input::Decoder;
use super::viewer::{self, End, Input, Settings};
use super::{ConnectionSlot, Shared, outbox};

/// Keys and sizes waiting for a viewer's loop, at most (more are dropped: a viewer cannot
/// type faster than its dashboard reads).
const INPUT_QUEUE: usize = 256;

/// Environment variables a viewer's client may set (they choose its colours).
const ENV_ALLOWED: [&str; 2] = ["NO_COLOR", "COLORTERM"];

/// The session channel, from its opening to its dashboard.
struct SessionChannel {
    id: ChannelId,
    write: Option<ChannelWriteHalf<Msg>>,
    /// The PTY asked for: TERM, columns, rows.
    pty: Option<(String, u16, u16)>,
    env: Vec<(String, String)>,
    /// The dashboard's input and output, once it runs.
    input: Option<std::sync::mpsc::SyncSender<Input>>,
    outbox: Option<Arc<outbox::Outbox>>,
    decoder: Decoder,
}

impl SessionChannel {
    /// The viewer's side has closed: its dashboard ends.
    fn hang_up(&mut self) {
        if let Some(outbox) = &self.outbox {
            outbox.hang_up();
        }
        if let Some(tx) = &self.input {
            let _ = tx.try_send(Input::Wake);
        }
    }
}

impl Drop for SessionChannel {
    fn drop(&mut self) {
        self.hang_up();
    }
}

pub struct Connection {
    shared: Arc<Shared>,
    peer: SocketAddr,
    /// Where the client reached us (for the `ssh` line a refusal suggests).
    local: SocketAddr,
    user: Option<String>,
    key: Option<String>,
    tries: u32,
    /// Set once logged in (the connection's watchdog closes it if that takes too long).
    pub authenticated: Arc<AtomicBool>,
    session: Option<SessionChannel>,
    _slot: ConnectionSlot,
}

impl Connection {
    pub fn new(shared: Arc<Shared>, peer: SocketAddr, local: SocketAddr, slot: ConnectionSlot) -> Connection {
        Connection {
            shared,
            peer,
            local,
            user: None,
            key: None,
            tries: 0,
            authenticated: Arc::new(AtomicBool::new(false)),
            session: None,
            _slot: slot,
        }
    }

    fn methods() -> MethodSet {
        MethodSet::from(&[MethodKind::PublicKey][..])
    }

    fn allowed(&mut self, key: &PublicKey) -> bool {
        if self.shared.opts.open {
            return true;
        }
        let Some(path) = &self.shared.opts.authorized_keys else { return false };
        match AuthorizedKeys::read(path) {
            Ok(keys) => keys.allows(key),
            Err(e) => {
                self.shared.log.say("error", &[("reason", json!(format!("{e:#}")))]);
                false
            }
        }
    }

    /// The `ssh` command that would have worked.
    fn hint(&self) -> String {
        let host = match self.local.ip() {
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        format!("ssh -t -p {} {host}", self.local.port())
    }

    fn refuse(&self, session: &mut Session, channel: ChannelId, line: &str, reason: &str) {
        let mut bytes = crate::text::escape_controls(line).into_bytes();
        bytes.extend_from_slice(b"\r\n");
        let _ = session.data(channel, bytes);
        let _ = session.exit_status_request(channel, 1);
        let _ = session.eof(channel);
        let _ = session.close(channel);
        self.log_refusal(reason);
    }

    fn log_refusal(&self, reason: &str) {
        self.shared.log.say(
            "refused",
            &[
                ("address", json!(self.peer.to_string())),
                ("user", json!(self.user)),
                ("key", json!(self.key)),
                ("reason", json!(reason)),
            ],
        );
    }

    /// Starts the dashboard on the session channel: a thread runs it, a task pumps its output.
    fn start_viewer(&mut self, session: &mut Session, channel: ChannelId) -> Result<(), String> {
        let shared = Arc::clone(&self.shared);
        let Some(sc) = self.session.as_mut().filter(|s| s.id == channel) else { return Err("no such session".into()) };
        let Some((term, cols, rows)) = sc.pty.clone() else { return Err("no PTY".into()) };
        let Some(write) = sc.write.take() else { return Err("the session has a dashboard already".into()) };
        let (tx, rx) = std::sync::mpsc::sync_channel(INPUT_QUEUE);
        let stop = Arc::new(AtomicI32::new(0));
        let Some(id) = shared.add_viewer(tx.clone(), Arc::clone(&stop)) else {
            return Err(format!("server full ({} viewers)", shared.opts.max_viewers));
        };
        let outbox = Arc::new(outbox::Outbox::default());
        sc.input = Some(tx.clone());
        sc.outbox = Some(Arc::clone(&outbox));
        let env = sc.env.clone();
        let depth = crate::ui::theme::ColorDepth::from_env(|k| match k {
            "TERM" => Some(term.clone()),
            k => env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
        });
        let settings = Settings {
            cols,
            rows,
            theme: crate::ui::theme::Theme::new(shared.opts.theme, shared.opts.colors.unwrap_or(depth)),
            drives_clock: shared.opts.shared_control,
            fps: shared.opts.fps,
            idle: shared.opts.idle_timeout,
        };
        let ended: Arc<Mutex<Option<End>>> = Arc::default();
        let who = Who { peer: self.peer, user: self.user.clone(), key: self.key.clone() };
        shared.log.say(
            "connect",
            &[
                ("address", json!(who.peer.to_string())),
                ("user", json!(who.user)),
                ("key", json!(who.key)),
                ("term", json!(term)),
                ("size", json!(format!("{cols}x{rows}"))),
                ("viewers", json!(shared.viewer_count())),
            ],
        );
        let hub_viewer = shared.hub.viewer();
        {
            let (outbox, ended, log, stop) = (Arc::clone(&outbox), Arc::clone(&ended), shared.log, stop);
            let spawned = std::thread::Builder::new().name(format!("votewatch-viewer-{id}")).spawn(move || {
                let idle = settings.idle;
                let end = viewer::run(hub_viewer, settings, rx, Arc::clone(&outbox), &stop);
                if let End::Failed(why) = &end {
                    log.say("viewer-failed", &[("viewer", json!(id)), ("reason", json!(why))]);
                }
                let status = end.goodbye(idle).1;
                *ended.lock().unwrap_or_else(|e| e.into_inner()) = Some(end);
                // Even for a viewer gone: the pump ends the channel and says so.
                outbox.finish(status);
            });
            if spawned.is_err() {
                shared.remove_viewer(id);
                return Err("cannot start a thread for the dashboard".into());
            }
        }
        let handle = session.handle();
        let started = Instant::now();
        tokio::spawn(async move {
            let wake = move || {
                let _ = tx.try_send(Input::Wake);
            };
            outbox::pump(Arc::clone(&outbox), write, shared.trace.clone(), wake).await;
            let end = ended.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or(End::Gone);
            shared.remove_viewer(id);
            shared.log.say(
                "disconnect",
                &[
                    ("address", json!(who.peer.to_string())),
                    ("user", json!(who.user)),
                    ("key", json!(who.key)),
                    ("reason", json!(end.reason())),
                    ("seconds", json!(started.elapsed().as_secs())),
                    ("bytes", json!(outbox.sent.load(Ordering::Relaxed))),
                ],
            );
            // The channel is closed; the connection goes with it (a client that keeps it open
            // for nothing is let go).
            tokio::time::sleep(Duration::from_secs(2)).await;
            let _ = handle.disconnect(russh::Disconnect::ByApplication, "goodbye".into(), "en".into()).await;
        });
        Ok(())
    }

    fn send(&self, channel: ChannelId, input: Input) {
        if let Some(sc) = self.session.as_ref().filter(|s| s.id == channel)
            && let Some(tx) = &sc.input
        {
            let _ = tx.try_send(input);
        }
    }
}

/// Who a viewer is, for the log.
struct Who {
    peer: SocketAddr,
    user: Option<String>,
    key: Option<String>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        if !self.authenticated.load(Ordering::Acquire) && self.tries > 0 {
            self.log_refusal(&format!("no authorized key ({} tried)", self.tries));
        }
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, user: &str) -> Result<Auth, Self::Error> {
        self.user = Some(user.to_string());
        if self.shared.opts.open {
            return Ok(Auth::Accept);
        }
        Ok(Auth::Reject { proceed_with_methods: Some(Self::methods()), partial_success: false })
    }

    async fn auth_publickey_offered(&mut self, user: &str, offer: PublicKeyOffer<'_>) -> Result<Auth, Self::Error> {
        self.user = Some(user.to_string());
        if self.allowed(offer.public_key) {
            Ok(Auth::Accept)
        } else {
            self.tries += 1;
            Ok(Auth::Reject { proceed_with_methods: Some(Self::methods()), partial_success: false })
        }
    }

    async fn auth_publickey(&mut self, user: &str, key: VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        self.user = Some(user.to_string());
        if self.allowed(key.public_key) {
            self.key = Some(fingerprint(key.public_key));
            Ok(Auth::Accept)
        } else {
            self.tries += 1;
            Ok(Auth::Reject { proceed_with_methods: Some(Self::methods()), partial_success: false })
        }
    }

    async fn auth_succeeded(&mut self, _session: &mut Session) -> Result<(), Self::Error> {
        self.authenticated.store(true, Ordering::Release);
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.session.is_some() {
            self.log_refusal("a second session on one connection");
            reply.reject(russh::ChannelOpenFailure::AdministrativelyProhibited).await;
            return Ok(());
        }
        // Input comes through the handler's calls; the channel's own queue is not read.
        let (_read, write) = channel.split();
        self.session = Some(SessionChannel {
            id: write.id(),
            write: Some(write),
            pty: None,
            env: Vec::new(),
            input: None,
            outbox: None,
            decoder: Decoder::default(),
        });
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        match self.session.as_mut().filter(|s| s.id == channel && s.input.is_none()) {
            Some(sc) => {
                sc.pty = Some((crate::text::cut(term, 64), clamp(cols), clamp(rows)));
                session.channel_success(channel)?;
            }
            None => session.channel_failure(channel)?,
        }
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        match self.session.as_mut().filter(|s| s.id == channel && ENV_ALLOWED.contains(&name)) {
            Some(sc) if sc.env.len() < ENV_ALLOWED.len() => {
                sc.env.push((name.to_string(), crate::text::cut(value, 64)));
                session.channel_success(channel)?;
            }
            _ => session.channel_failure(channel)?,
        }
        Ok(())
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        let has_pty = self.session.as_ref().is_some_and(|s| s.id == channel && s.pty.is_some());
        if !has_pty {
            session.channel_success(channel)?;
            let line = format!("votewatch serves an interactive dashboard: connect with {}", self.hint());
            self.refuse(session, channel, &line, "no PTY");
            return Ok(());
        }
        if self.shared.stopping() {
            session.channel_success(channel)?;
            self.refuse(session, channel, "votewatch: the server is stopping", "server stopping");
            return Ok(());
        }
        match self.start_viewer(session, channel) {
            Ok(()) => session.channel_success(channel)?,
            Err(why) => {
                session.channel_success(channel)?;
                self.refuse(session, channel, &format!("votewatch: {why}; try again later"), &why);
            }
        }
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let line = format!("votewatch serves an interactive dashboard, not commands: connect with {}", self.hint());
        let command = crate::text::quote(&String::from_utf8_lossy(data), 60);
        self.refuse(session, channel, &line, &format!("exec {command}"));
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        self.log_refusal(&format!("subsystem {}", crate::text::quote(name, 40)));
        Ok(())
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single: bool,
        _protocol: &str,
        _cookie: &str,
        _screen: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        self.log_refusal("X11 forwarding");
        Ok(())
    }

    async fn agent_request(&mut self, _channel: ChannelId, _session: &mut Session) -> Result<bool, Self::Error> {
        self.log_refusal("agent forwarding");
        Ok(false)
    }

    async fn tcpip_forward(
        &mut self,
        _address: &str,
        _port: &mut u32,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        self.log_refusal("port forwarding");
        Ok(false)
    }

    async fn data(&mut self, channel: ChannelId, data: &[u8], _session: &mut Session) -> Result<(), Self::Error> {
        let events = match self.session.as_mut().filter(|s| s.id == channel && s.input.is_some()) {
            Some(sc) => sc.decoder.feed(data),
            None => return Ok(()),
        };
        for event in events {
            self.send(channel, Input::Event(event));
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(sc) = self.session.as_mut().filter(|s| s.id == channel)
            && let Some(pty) = &mut sc.pty
        {
            (pty.1, pty.2) = (clamp(cols), clamp(rows));
        }
        self.send(channel, Input::Event(crossterm::event::Event::Resize(clamp(cols), clamp(rows))));
        Ok(())
    }

    async fn channel_eof(&mut self, channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        self.close_input(channel);
        Ok(())
    }

    async fn channel_close(&mut self, channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        self.close_input(channel);
        Ok(())
    }
}

impl Connection {
    /// The viewer's input ends (its loop then ends, and its channel is closed).
    fn close_input(&mut self, channel: ChannelId) {
        if let Some(sc) = self.session.as_mut().filter(|s| s.id == channel) {
            sc.hang_up();
        }
    }
}

/// A window dimension from the client, within what a terminal can be.
fn clamp(n: u32) -> u16 {
    n.clamp(1, 1000) as u16
}
