//! `votewatch watch --headless` driven from a test: its events, read as they come, and folded
//! back into the summary `tally --json` prints.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::bin;

pub struct Watch {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl Watch {
    pub fn start(dir: &std::path::Path, extra: &[&str]) -> Watch {
        Self::start_as(dir, extra, None)
    }

    /// Starts the watch as another user (`uid`, with the same group id), when given, running
    /// the binary at `program` (one that user may run).
    pub fn start_as(dir: &std::path::Path, extra: &[&str], uid: Option<(u32, &std::path::Path)>) -> Watch {
        let mut cmd = bin();
        #[cfg(unix)]
        if let Some((uid, program)) = uid {
            use std::os::unix::process::CommandExt;
            cmd = std::process::Command::new(program);
            cmd.env("NO_COLOR", "1").env("XDG_CONFIG_HOME", super::NO_CONFIG).uid(uid).gid(uid);
        }
        cmd.args(["watch", dir.to_str().unwrap(), "--headless", "--settle", "300"]).args(extra);
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let out = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                sink.lock().unwrap().push(line.unwrap());
            }
        });
        let w = Watch { child, lines };
        assert!(w.wait_until(|v| v["event"] == "totals", Duration::from_secs(10)).is_some(), "watch did not start");
        w
    }

    /// The process id (to look at it, or signal it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The last event matching `pred`, waiting up to `limit` for one; `None` if none came.
    pub fn wait_until(&self, pred: impl Fn(&Value) -> bool, limit: Duration) -> Option<Value> {
        let start = Instant::now();
        loop {
            if let Some(v) = self.events().into_iter().rev().find(|v| pred(v)) {
                return Some(v);
            }
            if start.elapsed() >= limit {
                return None;
            }
            sleep(Duration::from_millis(20));
        }
    }

    pub fn events(&self) -> Vec<serde_json::Value> {
        self.lines.lock().unwrap().iter().map(|l| serde_json::from_str(l).expect("each line is JSON")).collect()
    }

    pub fn wait_for(&self, pred: impl Fn(&serde_json::Value) -> bool, limit: Duration) -> serde_json::Value {
        self.wait_until(pred, limit).unwrap_or_else(|| panic!("timed out; events so far: {:#?}", self.events()))
    }

    /// Waits until no new event has come for `quiet`.
    pub fn settle(&self, quiet: Duration) {
        let mut n = usize::MAX;
        loop {
            sleep(quiet);
            let now = self.lines.lock().unwrap().len();
            if now == n {
                return;
            }
            n = now;
        }
    }

    pub fn stop(mut self) -> Vec<serde_json::Value> {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let status = self.child.wait().unwrap();
        assert!(status.success(), "SIGTERM ends watch cleanly: {status:?}");
        sleep(Duration::from_millis(50));
        self.events()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // A test that fails half way must not leave the watch running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The state a stream of events tells, as `tally --json` would print it: the last `election`,
/// `totals`, `forensics` and `projection`, each region's last row, and the anomalies,
/// rejections and held precincts that were announced and not cleared.
pub fn fold(events: &[Value]) -> Value {
    let strip = |e: &Value| {
        let mut e = e.clone();
        e.as_object_mut().unwrap().remove("event");
        e
    };
    let mut out = serde_json::Map::new();
    let mut regions: Vec<Value> = Vec::new();
    let mut lists: std::collections::BTreeMap<&str, Vec<Value>> = Default::default();
    for e in events {
        let kind = e["event"].as_str().unwrap_or_default();
        match kind {
            "election" | "forensics" | "projection" => {
                out.insert(kind.to_string(), strip(e));
            }
            "totals" => {
                for (k, v) in strip(e).as_object().unwrap() {
                    out.insert(k.clone(), v.clone());
                }
            }
            "region" => {
                regions.retain(|r| r["id"] != e["id"]);
                regions.push(strip(e));
            }
            "region_cleared" => regions.retain(|r| r["id"] != e["id"]),
            "anomaly" => {
                // The same kind, region and precinct again: an update of the one told before.
                let list = lists.entry("anomalies").or_default();
                let same =
                    |a: &Value| a["kind"] == e["kind"] && a["region"] == e["region"] && a["precinct"] == e["precinct"];
                list.retain(|a| !same(a));
                list.push(strip(e));
            }
            "rejected" | "held" => lists.entry(list_of(kind)).or_default().push(strip(e)),
            "anomaly_cleared" | "rejected_cleared" | "held_cleared" => {
                let gone = strip(e);
                let list = lists.entry(list_of(kind.trim_end_matches("_cleared"))).or_default();
                let at = list.iter().position(|x| *x == gone).expect("a cleared event clears what was told");
                list.remove(at);
            }
            _ => {}
        }
    }
    let counts = out.remove("counts").expect("a totals event");
    out.insert("regions".into(), Value::Array(regions));
    for name in ["anomalies", "rejected", "held"] {
        let list = lists.remove(name).unwrap_or_default();
        assert_eq!(counts[name], list.len(), "totals counts {name} as the events told them");
        out.insert(name.into(), Value::Array(list));
    }
    Value::Object(out)
}

fn list_of(event: &str) -> &'static str {
    match event {
        "anomaly" => "anomalies",
        "rejected" => "rejected",
        _ => "held",
    }
}

/// A summary with its lists in one order (the stream tells them in the order they came).
pub fn normalize(v: &Value) -> Value {
    let mut v = v.clone();
    let by_text = |a: &Value, b: &Value| a.to_string().cmp(&b.to_string());
    for name in ["anomalies", "rejected", "held"] {
        if let Some(list) = v[name].as_array_mut() {
            list.sort_by(by_text);
        }
    }
    if let Some(list) = v["regions"].as_array_mut() {
        list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    }
    v
}
