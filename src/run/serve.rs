//! `votewatch serve`: a feed watched or replayed by the hub, its dashboard served over SSH.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use crate::cli::{FeedOpts, FollowArgs, UiOpts};
use crate::hub::ReplaySpeed;

/// What is served.
pub enum Served {
    /// A directory followed live (as `watch`).
    Watch(PathBuf),
    /// A saved feed or recording replayed (as `replay`).
    Replay(PathBuf),
    /// The bundled sample replayed (as `demo`).
    Demo,
}

/// The server's own options, as given.
pub struct ServerArgs {
    pub listen: std::net::SocketAddr,
    pub authorized_keys: Option<PathBuf>,
    pub open: bool,
    pub host_key: Option<PathBuf>,
    pub max_viewers: usize,
    pub max_per_address: usize,
    pub idle_timeout: Duration,
    pub shared_control: bool,
    pub log_json: bool,
}

pub fn run(
    served: Served,
    speed: ReplaySpeed,
    follow: &FollowArgs,
    feed_opts: &FeedOpts,
    ui: &UiOpts,
    args: ServerArgs,
) -> Result<()> {
    let authorized_keys = match (&args.authorized_keys, args.open) {
        (_, true) => None,
        (Some(p), false) => Some(p.clone()),
        (None, false) => Some(crate::serve::auth::default_authorized_keys()?),
    };
    let host_key = match args.host_key {
        Some(p) => p,
        None => crate::serve::auth::default_host_key()?,
    };
    let analysis = feed_opts.forensics()?;
    let opened = match served {
        Served::Watch(feed) => {
            crate::hub::watch(&feed, &feed_opts.options(), &follow.options(), follow.record.as_deref(), analysis)?
        }
        Served::Replay(feed) => crate::hub::replay(&feed, &feed_opts.options(), speed, analysis)?,
        Served::Demo => {
            // Read whole as it opens: the unpacked copy goes at once.
            let feed = crate::run::dashboard::sample_feed(crate::run::dashboard::SAMPLE)?;
            crate::hub::replay(&feed, &feed_opts.options(), speed, analysis)?
        }
    };
    let opts = crate::serve::Options {
        listen: args.listen,
        authorized_keys,
        open: args.open,
        host_key,
        max_viewers: args.max_viewers,
        max_per_address: args.max_per_address,
        idle_timeout: args.idle_timeout,
        shared_control: args.shared_control,
        log_json: args.log_json,
        fps: ui.fps,
        theme: ui.theme,
        colors: ui.colors,
    };
    crate::serve::run(opened, opts)
}
