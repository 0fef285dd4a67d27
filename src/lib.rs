//! votewatch: watch an election count live in a terminal.
//!
//! The flow runs one way: sources ([`feed`], [`ingest`]) read and judge reports, the
//! [`engine`] owns the election state, and views (the table and JSON [`output`], the headless
//! event stream, the TUI) read its summaries. [`synth`] writes synthetic feeds.

pub mod cli;
pub mod config;
pub mod engine;
pub mod feed;
pub mod forensics;
pub mod ingest;
pub mod output;
pub mod run;
pub mod samples;
pub mod session;
pub mod synth;
pub mod text;
pub mod ui;
