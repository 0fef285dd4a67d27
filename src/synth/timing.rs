//! When reports arrive: counting delays after the polls close.
//!
//! Most precincts report within two or three hours of closing, with a long tail until the
//! next morning; bigger and more urban precincts take longer to count.

use anyhow::{Context, Result};
use rand::Rng;
use rand_distr::{Distribution, Gamma};
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::profile::{ProfileSpec, RegionSpec};

/// No report arrives sooner than this after the polls close.
const MIN_DELAY_MINUTES: f64 = 30.0;
/// Nor later than this (20:00 + 10 h = 06:00 the next morning, before any abroad lag).
const MAX_DELAY_MINUTES: f64 = 600.0;
/// Shape and scale (minutes) of the gamma-distributed part of the counting time.
const DELAY_SHAPE: f64 = 2.0;
const DELAY_SCALE_MINUTES: f64 = 60.0;
/// A corrected count follows its preliminary report after this many minutes.
const REVISION_GAP_MINUTES: std::ops::RangeInclusive<i64> = 15..=150;

/// Draws reporting delays.
pub struct ReportClock {
    counting: Gamma<f64>,
}

impl ReportClock {
    pub fn new() -> Result<Self> {
        let counting = Gamma::new(DELAY_SHAPE, DELAY_SCALE_MINUTES).context("invalid counting-time model")?;
        Ok(ReportClock { counting })
    }

    /// Time from the polls closing to a precinct's report. `pace` scales the counting time
    /// (above 1 for big or urban precincts); the result stays within the overnight window.
    pub fn delay<R: Rng + ?Sized>(&self, rng: &mut R, pace: f64) -> Duration {
        let window = MAX_DELAY_MINUTES - MIN_DELAY_MINUTES;
        let counting = (0..20)
            .map(|_| self.counting.sample(rng) * pace)
            .find(|&minutes| minutes <= window)
            .unwrap_or_else(|| window * rng.random_range(0.85..1.0));
        Duration::seconds(((MIN_DELAY_MINUTES + counting) * 60.0).round() as i64)
    }

    /// Time from a preliminary report to its correction.
    pub fn revision_gap<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        Duration::minutes(rng.random_range(REVISION_GAP_MINUTES)) + Duration::seconds(rng.random_range(0..60))
    }
}

/// The moment a region's polls close, expressed in the region's UTC offset.
pub fn polls_close(spec: &ProfileSpec, region: &RegionSpec) -> Result<OffsetDateTime> {
    let offset = UtcOffset::from_hms(region.utc_offset_hours, 0, 0)
        .with_context(|| format!("invalid UTC offset for region {}", region.id))?;
    Ok(PrimitiveDateTime::new(spec.date, spec.polls_close).assume_offset(offset))
}

/// How much later than 20:00 in the reporting time zone a station abroad closes: stations
/// west of the reporting zone close later; those east of it still report after 20:00.
pub fn abroad_closing_lag(reporting_offset_hours: i8, country_offset_minutes: i32) -> Duration {
    let lag = i64::from(reporting_offset_hours) * 60 - i64::from(country_offset_minutes);
    Duration::minutes(lag.max(0))
}
