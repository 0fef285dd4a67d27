//! The server's log on stderr: one line per start, connection, refusal and disconnection
//! (address, user, key fingerprint, terminal, size, reason), as text or, with `--log-json`,
//! as NDJSON. What a client sent (its user name, its TERM) is escaped like every string
//! votewatch prints.

use serde_json::{Map, Value, json};

#[derive(Debug, Clone, Copy)]
pub struct Log {
    pub json: bool,
}

impl Log {
    /// Logs `event` with `fields` (in order; `null` fields are left out).
    pub fn say(&self, event: &str, fields: &[(&str, Value)]) {
        let fields = fields.iter().filter(|(_, v)| !v.is_null());
        if self.json {
            let mut line = Map::new();
            line.insert("t".into(), json!(now()));
            line.insert("event".into(), json!(event));
            for (k, v) in fields {
                line.insert((*k).into(), v.clone());
            }
            let mut out = Vec::new();
            let _ = crate::text::json::write(&mut out, &Value::Object(line));
            crate::text::say(&String::from_utf8_lossy(&out));
        } else {
            let mut line = format!("votewatch serve: {event}");
            for (k, v) in fields {
                match v {
                    Value::String(s) => line.push_str(&format!(" {k}={}", quoted(s))),
                    other => line.push_str(&format!(" {k}={other}")),
                }
            }
            crate::text::say(&line);
        }
    }
}

/// A value as one word of a text log line (quoted when it has spaces or quotes).
fn quoted(s: &str) -> String {
    if !s.is_empty() && !s.contains([' ', '"', '=']) { s.to_string() } else { format!("{s:?}") }
}

fn now() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_quoted_only_when_they_must_be() {
        assert_eq!(quoted("ann"), "ann");
        assert_eq!(quoted("a b"), "\"a b\"");
        assert_eq!(quoted(""), "\"\"");
    }
}
