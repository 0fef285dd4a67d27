//! Seats by the largest-remainder (Hare) method, among parties at or above the threshold,
//! computed with integers only.

/// Seats per party (same order as `votes`). `threshold` is a fraction of all valid votes.
/// Ties in remainders go to the party with more votes, then to the earlier one.
pub fn hare(votes: &[u64], seats: u32, threshold: f64) -> Vec<u32> {
    let valid: u64 = votes.iter().sum();
    let mut out = vec![0u32; votes.len()];
    // Passing the threshold, decided exactly: votes / valid >= t  <=>  votes * 10^9 >= t * 10^9 * valid.
    let t = (threshold * 1e9).round() as u128;
    let eligible: Vec<usize> = (0..votes.len())
        .filter(|&i| votes[i] > 0 && u128::from(votes[i]) * 1_000_000_000 >= t * u128::from(valid))
        .collect();
    let pool: u128 = eligible.iter().map(|&i| u128::from(votes[i])).sum();
    if pool == 0 || seats == 0 {
        return out;
    }
    let mut remainders: Vec<(u128, u64, usize)> = Vec::with_capacity(eligible.len());
    let mut given = 0u32;
    for &i in &eligible {
        let scaled = u128::from(votes[i]) * u128::from(seats);
        out[i] = (scaled / pool) as u32;
        given += out[i];
        remainders.push((scaled % pool, votes[i], i));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    for &(_, _, i) in remainders.iter().take((seats - given) as usize) {
        out[i] += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hare_textbook_example() {
        // 100,000 votes, 10 seats: quota 10,000.
        let v = [47_000, 16_000, 15_800, 12_000, 6_100, 3_100];
        assert_eq!(hare(&v, 10, 0.0), vec![5, 2, 1, 1, 1, 0]);
    }

    #[test]
    fn threshold_excludes_and_seats_always_add_up() {
        let v = [81_000, 7_300, 7_000, 2_000, 1_500, 1_200];
        let s = hare(&v, 98, 0.07);
        assert_eq!(s.iter().sum::<u32>(), 98);
        assert_eq!(&s[3..], &[0, 0, 0]);
        assert_eq!(s, vec![83, 8, 7, 0, 0, 0]);
        // Exactly at the threshold passes.
        assert_ne!(hare(&[93, 7], 10, 0.07)[1], 0);
        assert_eq!(hare(&[94, 6], 10, 0.07), vec![10, 0]);
        assert_eq!(hare(&[0, 0], 10, 0.07), vec![0, 0]);
    }
}
