//! A viewer's keys, arrows, function keys, escape sequences and mouse, decoded from the bytes
//! its SSH client sends by a maintained parser (terminput: crossterm's own parser, published as
//! a library) into the crossterm events the dashboard takes — never by matching raw bytes.

use crossterm::event::Event;

/// An escape sequence still incomplete is kept for the next packet, up to this many bytes (no
/// key or mouse report is longer); beyond it the bytes are dropped.
const MAX_PENDING: usize = 64;

/// Turns a viewer's byte stream into events; a sequence split across packets is completed by
/// the next.
#[derive(Debug, Default)]
pub struct Decoder {
    pending: Vec<u8>,
}

impl Decoder {
    /// The events in `bytes` (with what an earlier packet left incomplete).
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        for (i, &b) in bytes.iter().enumerate() {
            self.pending.push(b);
            // An Escape with more bytes in the same packet begins a sequence (arrows, F-keys,
            // mouse); at the end of a packet it is the Escape key itself.
            if self.pending == [0x1b] && i + 1 < bytes.len() {
                continue;
            }
            match terminput::Event::parse_from(&self.pending) {
                Ok(Some(event)) => {
                    if let Ok(event) = terminput_crossterm::to_crossterm(event) {
                        events.push(event);
                    }
                    self.pending.clear();
                }
                Ok(None) if self.pending.len() < MAX_PENDING => {}
                Ok(None) | Err(_) => self.pending.clear(),
            }
        }
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind};

    fn keys(events: &[Event]) -> Vec<(KeyCode, KeyModifiers)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Key(KeyEvent { code, modifiers, .. }) => Some((*code, *modifiers)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn keys_arrows_and_function_keys() {
        let mut d = Decoder::default();
        let got = keys(&d.feed(b"q\x1b[A\x1bOP\x1b[15~\r\t\x7f"));
        assert_eq!(
            got.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
            [
                KeyCode::Char('q'),
                KeyCode::Up,
                KeyCode::F(1),
                KeyCode::F(5),
                KeyCode::Enter,
                KeyCode::Tab,
                KeyCode::Backspace
            ]
        );
        assert_eq!(keys(&d.feed(b"\x03")), [(KeyCode::Char('c'), KeyModifiers::CONTROL)]);
    }

    #[test]
    fn a_lone_escape_is_the_escape_key_and_a_split_sequence_is_joined() {
        let mut d = Decoder::default();
        assert_eq!(keys(&d.feed(b"\x1b")), [(KeyCode::Esc, KeyModifiers::NONE)]);
        assert!(d.feed(b"\x1b[").is_empty(), "half an arrow waits for the rest");
        assert_eq!(keys(&d.feed(b"B")), [(KeyCode::Down, KeyModifiers::NONE)]);
        assert_eq!(keys(&d.feed("é".as_bytes())), [(KeyCode::Char('é'), KeyModifiers::NONE)]);
    }

    #[test]
    fn mouse_reports_and_garbage() {
        let mut d = Decoder::default();
        let events = d.feed(b"\x1b[<0;10;5M\x1b[<65;3;4M");
        let kinds: Vec<_> = events
            .iter()
            .filter_map(|e| if let Event::Mouse(m) = e { Some((m.kind, m.column, m.row)) } else { None })
            .collect();
        assert_eq!(kinds, [(MouseEventKind::Down(MouseButton::Left), 9, 4), (MouseEventKind::ScrollDown, 2, 3)]);
        // An endless sequence is dropped at its bound, and what follows is read again.
        let mut junk = b"\x1b[".to_vec();
        junk.extend(std::iter::repeat_n(b'1', 200));
        d.feed(&junk);
        assert_eq!(keys(&d.feed(b"j")), [(KeyCode::Char('j'), KeyModifiers::NONE)]);
    }
}
