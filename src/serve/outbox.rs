//! A viewer's output, bounded. The dashboard draws a frame only when the last one has gone
//! (the SSH channel's flow-control window took it): a slow or stalled viewer holds at most one
//! frame here and is simply drawn less often — always the newest state, never a backlog — and
//! never slows the others (each is pumped by a task of its own).

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use russh::ChannelWriteHalf;
use russh::server::Msg;

use super::trace::Trace;

#[derive(Debug, Default)]
struct State {
    pending: Vec<u8>,
    /// The snapshot version the pending bytes show (for the trace).
    shows: u64,
    /// A frame is on its way.
    sending: bool,
    /// End with this exit status once everything is sent.
    end: Option<u32>,
    /// The channel is gone: nothing more can be sent.
    gone: bool,
}

/// What the dashboard's thread writes and the pump sends.
#[derive(Debug, Default)]
pub struct Outbox {
    state: Mutex<State>,
    wake: tokio::sync::Notify,
    /// Bytes sent so far.
    pub sent: AtomicU64,
    /// The viewer's side has closed (EOF, channel closed, connection gone).
    hangup: AtomicBool,
}

impl Outbox {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the last frame has gone, so a new one may be drawn.
    pub fn ready(&self) -> bool {
        let s = self.state();
        s.pending.is_empty() && !s.sending && !s.gone
    }

    /// Queues bytes (a frame, or the goodbye) showing snapshot `shows`.
    pub fn push(&self, bytes: &[u8], shows: u64) -> std::io::Result<()> {
        let mut s = self.state();
        if s.gone {
            return Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the viewer has gone"));
        }
        s.pending.extend_from_slice(bytes);
        s.shows = s.shows.max(shows);
        drop(s);
        self.wake.notify_one();
        Ok(())
    }

    /// Ends the channel with `status` once what is queued has gone.
    pub fn finish(&self, status: u32) {
        self.state().end = Some(status);
        self.wake.notify_one();
    }

    /// Whether the channel is gone.
    pub fn gone(&self) -> bool {
        self.state().gone
    }

    /// The viewer's side has closed: its dashboard ends.
    pub fn hang_up(&self) {
        self.hangup.store(true, Ordering::Release);
    }

    pub fn hung_up(&self) -> bool {
        self.hangup.load(Ordering::Acquire)
    }

    fn mark_gone(&self) {
        self.state().gone = true;
    }
}

/// What the dashboard's terminal backend writes to: a frame is gathered, then handed to the
/// outbox whole when ratatui flushes it.
pub struct Screen {
    outbox: Arc<Outbox>,
    frame: Vec<u8>,
    /// The snapshot version being drawn.
    pub shows: Arc<AtomicU64>,
}

impl Screen {
    pub fn new(outbox: Arc<Outbox>) -> Screen {
        Screen { outbox, frame: Vec::new(), shows: Arc::new(AtomicU64::new(0)) }
    }
}

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.frame.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.frame.is_empty() {
            return Ok(());
        }
        let shows = self.shows.load(Ordering::Acquire);
        let result = self.outbox.push(&self.frame, shows);
        self.frame.clear();
        result
    }
}

/// Sends what the outbox is given to the viewer's channel, waiting for the channel's window
/// (so a viewer that does not read holds back only its own frames); then the exit status, EOF
/// and close. `sent` is called after each frame has gone (to wake the dashboard's loop).
pub async fn pump(outbox: Arc<Outbox>, channel: ChannelWriteHalf<Msg>, trace: Option<Arc<Trace>>, sent: impl Fn()) {
    loop {
        let notified = outbox.wake.notified();
        let (bytes, shows, end) = {
            let mut s = outbox.state();
            let bytes = std::mem::take(&mut s.pending);
            s.sending = !bytes.is_empty();
            (bytes, s.shows, s.end)
        };
        if !bytes.is_empty() {
            let n = bytes.len() as u64;
            if channel.data_bytes(bytes).await.is_err() {
                outbox.mark_gone();
                return;
            }
            outbox.sent.fetch_add(n, Ordering::Relaxed);
            if let Some(t) = &trace {
                t.sent(Arc::as_ptr(&outbox) as usize, shows, Instant::now());
            }
            outbox.state().sending = false;
            sent();
            continue;
        }
        if let Some(status) = end {
            let _ = channel.exit_status(status).await;
            let _ = channel.eof().await;
            let _ = channel.close().await;
            outbox.mark_gone();
            return;
        }
        notified.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_not_yet_sent_holds_back_the_next_and_a_gone_viewer_refuses_more() {
        let outbox = Arc::new(Outbox::default());
        assert!(outbox.ready());
        let mut screen = Screen::new(Arc::clone(&outbox));
        screen.write_all(b"frame one").unwrap();
        assert!(outbox.ready(), "nothing is queued before the frame is flushed");
        screen.flush().unwrap();
        assert!(!outbox.ready(), "one frame queued: the dashboard waits");
        outbox.mark_gone();
        screen.write_all(b"frame two").unwrap();
        assert_eq!(screen.flush().unwrap_err().kind(), std::io::ErrorKind::BrokenPipe);
    }
}
