//! Validation of the statistical flags (issue 9), with the release binary:
//!
//! - Russia 2018 (`../shared/data/ru-2018-presidential.csv.zip`, or `VOTEWATCH_RU2018_ZIP`), read
//!   with `docs/examples/ru-2018-presidential.json`: the integer-percent counts beside the
//!   literature's 19,271 / 17,562, unanimous stations (139), identical results (the
//!   Karachay-Cherkessia pair), the regions the skew test flags (Chechnya; not Moscow or
//!   St Petersburg), and the national excess with its 90% interval beside Shpilkin's ~10 M.
//!   Without the data it says so and goes on.
//! - The honest rural-gradient election (`synth --profile gradient`, 20 regions × 500
//!   precincts, slope 0.10) over seeds 1–5: as it is, with 10% of region g03's precincts stuffed
//!   to 85–95% turnout, and with all of g07 stuffed.
//!
//! Run: `cargo bench --bench validation` (`-- synthetic` or `-- russia` for one part).
//! The figures are in docs/ANOMALIES.md.

use std::path::Path;
use std::process::Command;

const STATISTICAL: [&str; 5] =
    ["turnout_outlier", "share_outlier", "integer_percent_excess", "turnout_share_skew", "last_digit_bias"];

fn votewatch(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_votewatch")).args(args).output().unwrap();
    assert!(out.status.success(), "votewatch {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn tally(feed: &Path, manifest: Option<&Path>) -> serde_json::Value {
    let mut args = vec!["tally", feed.to_str().unwrap(), "--json"];
    if let Some(m) = manifest {
        args.extend(["--manifest", m.to_str().unwrap()]);
    }
    serde_json::from_slice(&votewatch(&args)).unwrap()
}

fn anomalies(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["anomalies"].as_array().unwrap()
}

fn millions(x: f64) -> String {
    format!("{:.2} M", x / 1e6)
}

fn russia() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let zip = std::env::var_os("VOTEWATCH_RU2018_ZIP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data/ru-2018-presidential.csv.zip"));
    println!("## Russia, presidential election of 18 March 2018");
    if !zip.is_file() {
        println!("NOT RUN: {} not found (the real data lives outside the project)\n", zip.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unzipped =
        Command::new("unzip").args(["-q", zip.to_str().unwrap(), "-d", dir.path().to_str().unwrap()]).status();
    if !unzipped.is_ok_and(|s| s.success()) {
        let py = Command::new("python3")
            .args(["-m", "zipfile", "-e", zip.to_str().unwrap(), dir.path().to_str().unwrap()])
            .status();
        if !py.is_ok_and(|s| s.success()) {
            println!("NOT RUN: cannot unzip {} (neither unzip nor python3)\n", zip.display());
            return;
        }
    }
    let v = tally(dir.path(), Some(&root.join("docs/examples/ru-2018-presidential.json")));
    let a = anomalies(&v);
    let integer = a
        .iter()
        .find(|x| x["kind"] == "integer_percent_excess" && x["region"].is_null())
        .map(|x| x["message"].as_str().unwrap().to_string())
        .unwrap_or_default();
    let observed: f64 = integer.split(' ').next().unwrap_or("0").replace(',', "").parse().unwrap_or(0.0);
    let expected: f64 =
        integer.split("predicts ").nth(1).and_then(|s| s.split(':').next()).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let off = |x: f64, lit: f64| 100.0 * (x - lit) / lit;
    println!(
        "integer percent: {observed:.0} observed ({:+.2}% from 19,271), {expected:.0} expected ({:+.2}% from 17,562)",
        off(observed, 19_271.0),
        off(expected, 17_562.0)
    );
    let unanimous = a.iter().filter(|x| x["kind"] == "unanimous").count();
    println!("unanimous: {unanimous} (literature: 139 with its definitions)");
    let mut identical: Vec<&str> =
        a.iter().filter(|x| x["kind"] == "identical_results").map(|x| x["precinct"].as_str().unwrap()).collect();
    identical.sort();
    println!("identical_results: {identical:?}");
    let skew: Vec<String> = a
        .iter()
        .filter(|x| x["kind"] == "turnout_share_skew")
        .map(|x| format!("{} ({})", x["region"].as_str().unwrap_or("nation"), x["severity"].as_str().unwrap()))
        .collect();
    println!("turnout_share_skew flags ({}): {}", skew.len(), skew.join(", "));
    for place in ["Чеченская Республика", "город Москва", "город Санкт-Петербург"]
    {
        let flag = a.iter().find(|x| x["kind"] == "turnout_share_skew" && x["region"] == place);
        println!("  {place}: {}", flag.map_or("not flagged".to_string(), |f| f["severity"].to_string()));
    }
    let outliers = |kind: &str| a.iter().filter(|x| x["kind"] == kind).count();
    println!("turnout_outlier: {}, share_outlier: {}", outliers("turnout_outlier"), outliers("share_outlier"));
    if let Some(e) = v["forensics"]["national_excess"].as_array() {
        let e: Vec<f64> = e.iter().map(|x| x.as_f64().unwrap()).collect();
        println!(
            "national excess over the cleanest regions' relation: {} (90% interval {} to {}); Shpilkin's estimate: ~10 M",
            millions(e[0]),
            millions(e[1]),
            millions(e[2])
        );
    }
    println!();
}

/// The statistical flags of warning or critical severity: (kind, region).
fn warnings(v: &serde_json::Value) -> Vec<(String, String)> {
    anomalies(v)
        .iter()
        .filter(|x| STATISTICAL.contains(&x["kind"].as_str().unwrap()) && x["severity"] != "info")
        .map(|x| (x["kind"].as_str().unwrap().to_string(), x["region"].as_str().unwrap_or("nation").to_string()))
        .collect()
}

fn synthetic() {
    println!("## Honest rural gradient (synth --profile gradient: 20 regions × 500, slope 0.10)");
    println!("| case | seed | statistical warnings | stuffed region flagged | other regions flagged |");
    println!("|---|---|---|---|---|");
    let mut held = [0usize; 3];
    for (c, (case, stuff, region)) in [
        ("honest", None, ""),
        ("10% of g03 stuffed", Some("g03:0.1"), "g03"),
        ("all of g07 stuffed", Some("g07:1"), "g07"),
    ]
    .into_iter()
    .enumerate()
    {
        for seed in 1..=5u64 {
            let d = tempfile::tempdir().unwrap();
            let feed = d.path().join("feed");
            let seed_s = seed.to_string();
            let mut args = vec!["synth", feed.to_str().unwrap(), "--profile", "gradient", "--seed", &seed_s];
            if let Some(s) = stuff {
                args.extend(["--stuff", s]);
            }
            votewatch(&args);
            let w = warnings(&tally(&feed, None));
            let kinds = |f: &dyn Fn(&str) -> bool| {
                let mut k: Vec<String> = w.iter().filter(|(_, r)| f(r)).map(|(k, _)| k.clone()).collect();
                k.sort();
                k.dedup();
                k.join(" ")
            };
            let here = kinds(&|r| r == region);
            let elsewhere: Vec<&String> =
                w.iter().filter(|(_, r)| r != region && r != "nation").map(|(_, r)| r).collect();
            let ok = if region.is_empty() { w.is_empty() } else { !here.is_empty() && elsewhere.is_empty() };
            held[c] += usize::from(ok);
            println!(
                "| {case} | {seed} | {} | {} | {} |",
                w.len(),
                if region.is_empty() {
                    "—".into()
                } else if here.is_empty() {
                    "no".into()
                } else {
                    format!("yes: {here}")
                },
                if elsewhere.is_empty() { "none".to_string() } else { format!("{elsewhere:?}") }
            );
        }
    }
    println!(
        "\nheld: honest quiet in {}/5 seeds; 10% stuffing flagged there only in {}/5; a region stuffed throughout flagged there only in {}/5\n",
        held[0], held[1], held[2]
    );
}

fn main() {
    let which: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let all = !which.iter().any(|a| a == "russia" || a == "synthetic");
    if all || which.iter().any(|a| a == "russia") {
        russia();
    }
    if all || which.iter().any(|a| a == "synthetic") {
        synthetic();
    }
}
