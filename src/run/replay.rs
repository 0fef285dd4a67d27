//! `votewatch replay FEED --headless`: the replay as an NDJSON event stream, as fast as it
//! goes unless a speed is given, ending exactly where `tally` of the feed stands.

use anyhow::Result;

use crate::hub::Opened;

/// The replay as events (at most ten `totals` a second), and the final totals at the end: a
/// replay of a whole feed ends exactly where `tally` of it stands. `fail_on` turns the final
/// count's critical flags, rejections… into exit status 3.
pub fn headless(opened: Opened, fail_on: &[crate::cli::FailOn]) -> Result<()> {
    if let Some(n) = opened.driver.notice() {
        crate::text::warn(&n);
    }
    crate::hub::stop_on_signals(opened.sender())?;
    let mut hub = opened.spawn(crate::output::events::TOTALS_PER_SECOND);
    crate::run::watch::write_stream(&hub, true)?;
    // The last word: the final state analysed in full.
    hub.stop();
    let last = hub.latest();
    super::warn_baseline(&last.summary);
    super::fail_on(&last.summary, fail_on)
}
