//! Polling-station ids: `CODE-0001` on at home (in each of a region's id blocks, so a region
//! later split keeps its parts' numbering), `ABR-US-01` abroad.

use super::allocate::largest_remainder;
use super::profile::{AbroadCountry, RegionSpec};

/// Ids of `count` stations at home: `CODE-0001` on, in each of the region's id blocks (its
/// parts, scaled to `count` by largest remainder when it is not the real number).
pub(super) fn station_ids(region: &RegionSpec, count: usize) -> Vec<String> {
    let parts: Vec<(&str, usize)> = if region.parts.is_empty() {
        vec![(region.code, count)]
    } else {
        let weights: Vec<f64> = region.parts.iter().map(|p| p.1 as f64).collect();
        region
            .parts
            .iter()
            .map(|p| p.0)
            .zip(largest_remainder(count as u64, &weights).into_iter().map(|n| n as usize))
            .collect()
    };
    parts
        .into_iter()
        .flat_map(|(code, n)| {
            let width = n.to_string().len().max(4);
            (1..=n).map(move |i| format!("{code}-{i:0width$}"))
        })
        .collect()
}

/// Ids and host countries of `count` stations abroad (`ABR-US-01` for region code `ABR`): one
/// per country in table order first, then further stations up to each country's real number,
/// then round again.
pub(super) fn abroad_stations(
    code: &str,
    countries: &'static [AbroadCountry],
    count: usize,
) -> Vec<(String, &'static AbroadCountry)> {
    let real_total: usize = countries.iter().map(|c| c.stations).sum();
    let mut per_country = vec![0usize; countries.len()];
    let mut order = Vec::with_capacity(count);
    while order.len() < count && !countries.is_empty() {
        let all_real_ones_used = order.len() >= real_total;
        for (i, country) in countries.iter().enumerate() {
            if order.len() < count && (all_real_ones_used || per_country[i] < country.stations) {
                per_country[i] += 1;
                order.push((i, per_country[i]));
            }
        }
    }
    let width = per_country.iter().max().map_or(2, |n| n.to_string().len().max(2));
    order.into_iter().map(|(i, n)| (format!("{code}-{}-{n:0width$}", countries[i].iso), &countries[i])).collect()
}
