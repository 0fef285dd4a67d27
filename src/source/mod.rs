//! Sources: where reports come from. A feed is opened once ([`FeedSpec`]); it is read whole
//! ([`cold`], for `tally` and replays) or followed as files arrive ([`live`], for `watch`).

pub mod cold;
pub mod follow;
pub mod live;
pub mod record;
pub mod replay;
pub mod spec;
pub mod watcher;

pub use spec::FeedSpec;

use crate::feed::Timestamp;

/// Now, as a report timestamp (for reports that do not say when they were made).
pub fn now() -> Timestamp {
    Timestamp::from(time::OffsetDateTime::now_utc())
}
