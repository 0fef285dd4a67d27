//! `votewatch replay FEED --headless`: the replay as an NDJSON event stream, as fast as it
//! goes unless a speed is given, ending exactly where `tally` of the feed stands.

use anyhow::Result;

use crate::hub::Opened;

pub fn headless(opened: Opened) -> Result<()> {
    if let Some(n) = opened.driver.notice() {
        crate::text::warn(&n);
    }
    crate::hub::stop_on_signals(opened.sender())?;
    let hub = opened.spawn(crate::output::events::TOTALS_PER_SECOND);
    crate::run::watch::write_stream(&hub, true)
}
