//! `votewatch tally FEED [--format table|json|csv] [--fail-on WHAT]`.

use std::io::Write;
use std::path::Path;

use anyhow::{Result, bail};

use crate::cli::{FailOn, FeedOpts, Format};
use crate::output::table;
use crate::source::FeedSpec;

pub fn run(feed: &Path, format: Format, fail_on: &[FailOn], opts: &FeedOpts) -> Result<()> {
    if feed.is_file() && crate::source::record::is_record(feed) {
        let shown = crate::text::clean_path(feed);
        bail!("{shown}: a recording made by `watch --record`, not a feed; play it with `votewatch replay {shown}`");
    }
    let spec = FeedSpec::open(feed, opts.manifest.as_deref(), opts.max_file_size)?;
    let baseline = opts.load_baseline()?;
    let scan = spec.scan().map_err(|e| {
        anyhow::anyhow!("{}: cannot read the feed: {}", crate::text::clean_path(feed), crate::feed::io_reason(&e))
    })?;
    let engine = crate::hub::load_scanned(&spec, &scan);
    let mut analysis = opts.forensics_with(baseline);
    analysis.check_baseline(engine.candidates().iter().map(|c| c.id.as_str()))?;
    let summary = crate::hub::summarize(&engine, &mut analysis, true);
    let readable = !engine.precincts().is_empty();
    // Freeing a million precincts one by one takes longer than the process exit does.
    std::mem::forget(engine);
    let mut out = std::io::stdout().lock();
    let written = match format {
        Format::Json => crate::text::json::write_pretty(&mut out, &summary).and_then(|_| writeln!(out)),
        Format::Csv => crate::output::csv::write(&mut out, &summary),
        Format::Table => out.write_all(table::render(&summary).as_bytes()),
    };
    match written.and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    super::warn_baseline(&summary);
    // A feed that could not be read whole, or had nothing to read, is not a clean result.
    if !scan.refused.is_empty() {
        let names: Vec<&str> = scan.refused.iter().take(5).map(|r| r.rel.as_str()).collect();
        let more = scan.refused.len().saturating_sub(names.len());
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        bail!(
            "{}: {} could not be read ({}{more}; each is listed under rejected with the reason)",
            crate::text::clean_path(feed),
            if scan.refused.len() == 1 { "1 path".to_string() } else { format!("{} paths", scan.refused.len()) },
            names.iter().map(|n| crate::text::escape_controls(n)).collect::<Vec<_>>().join(", ")
        );
    }
    if !readable {
        if scan.files.is_empty() {
            bail!("{}: no report files (.json, .ndjson, .jsonl, .csv) in the feed", crate::text::clean_path(feed));
        }
        bail!(
            "{}: no readable report: every report in the feed was refused (see rejected)",
            crate::text::clean_path(feed)
        );
    }
    super::fail_on(&summary, fail_on)
}
