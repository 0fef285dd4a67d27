//! votewatch: watch an election count live in a terminal.
//!
//! The flow runs one way, and so do the imports (ARCHITECTURE.md; `tests/tidy.rs` enforces
//! it): [`text`] and the [`feed`] contract at the bottom; [`source`]s find and read reports;
//! the [`engine`] owns the election state; [`analysis`] judges it; the [`hub`] runs them and
//! publishes snapshots; the views ([`output`], [`ui`], and [`serve`] over SSH) show them;
//! [`synth`], the command line ([`cli`], over the [`config`] file) and [`run`] sit on top.
//! The bundled [`samples`] are feeds like any other.

pub mod text;

pub mod feed;

pub mod samples;
pub mod source;

pub mod engine;

pub mod analysis;

pub mod hub;

pub mod output;
pub mod ui;

pub mod serve;

pub mod synth;

pub mod cli;

pub mod config;

pub mod run;
