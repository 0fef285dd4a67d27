//! The common shape of a JSON report, read and judged without a general parser: one object
//! whose known fields are strings without escapes and counts written as plain digits, and a
//! `votes` object of plain counts — and the report valid. Almost every line of a real feed is
//! this; reading it directly is several times faster than a general reader building the report
//! as written and judging it after. Anything else — an escape, a control character, a negative
//! or fractional number, `null`, an unknown or repeated field, text after the object, bytes that
//! are not UTF-8, a count over the limit, an unknown candidate, a bad id or time — is left to the
//! general reader (the result is `None`), so what a report means, and every message about one
//! that is wrong, is the general reader's. What this reads is exactly the report the general
//! reader gives for the same bytes (a test holds them equal on generated and mutated lines).

use super::Schema;
use super::report::{MAX_COUNT, Name, Report, check_id, parse_time};

/// Reads and judges `bytes` as a report of the common shape, or `None` to leave it to the
/// general reader.
pub fn read(bytes: &[u8], schema: &Schema) -> Option<Report> {
    // Every string is borrowed from `bytes`: all of it valid UTF-8 makes each of them valid
    // (a string ends at an ASCII quote, never inside a character).
    let text = simdutf8::basic::from_utf8(bytes).ok()?;
    let mut c = Cursor { s: text.as_bytes(), text, at: 0 };
    let (mut precinct, mut region, mut reported_at) = (None, None, None);
    let (mut revision, mut registered, mut ballots, mut invalid, mut issued) = (None, None, None, None, None);
    let mut votes = None;
    c.skip_ws();
    c.eat(b'{')?;
    c.skip_ws();
    if !c.eat_if(b'}') {
        loop {
            let key = c.string()?;
            c.skip_ws();
            c.eat(b':')?;
            c.skip_ws();
            // A field given twice is left to the general reader (which refuses it). By length
            // first: each arm then compares a few bytes of known size.
            match key.len() {
                8 if key == "precinct" => put(&mut precinct, c.string()?)?,
                6 if key == "region" => put(&mut region, c.string()?)?,
                11 if key == "reported_at" => put(&mut reported_at, c.string()?)?,
                8 if key == "revision" => put(&mut revision, c.count()?)?,
                10 if key == "registered" => put(&mut registered, c.count()?)?,
                7 if key == "ballots" => put(&mut ballots, c.count()?)?,
                7 if key == "invalid" => put(&mut invalid, c.count()?)?,
                6 if key == "issued" => put(&mut issued, c.count()?)?,
                5 if key == "votes" => put(&mut votes, c.votes(schema)?)?,
                _ => return None,
            }
            c.skip_ws();
            if c.eat_if(b'}') {
                break;
            }
            c.eat(b',')?;
            c.skip_ws();
        }
    }
    c.skip_ws();
    if c.at != c.s.len() {
        return None;
    }
    // Judged as `RawReport::validate` judges a report; any refusal is its to say.
    let precinct: &str = precinct?;
    check_id("precinct", precinct).ok()?;
    let region = schema.resolve_region(region).ok()?;
    let reported_at = match reported_at {
        None => None,
        Some(t) => Some(parse_time(t).ok()?),
    };
    Some(Report {
        precinct: precinct.into(),
        region,
        reported_at,
        revision: revision.unwrap_or(1),
        registered: registered?,
        ballots: ballots?,
        invalid: invalid.unwrap_or(0),
        issued,
        votes: votes?,
    })
}

/// Whether any of the eight bytes of `word` may be a quote, a backslash or a control character
/// (the bit tricks of "Bit Twiddling Hacks": a byte equal to zero, or below 0x20, sets its top
/// bit; none is ever missed, and a byte after one found may be flagged too, which only hands
/// the word to the byte-by-byte scan).
fn may_end_string(word: u64) -> bool {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const TOPS: u64 = u64::from_le_bytes([0x80; 8]);
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x & TOPS;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & TOPS;
    (zero_in(word ^ (ONES * u64::from(b'"'))) | zero_in(word ^ (ONES * u64::from(b'\\'))) | below_space) != 0
}

/// Sets a field not set before.
fn put<T>(field: &mut Option<T>, value: T) -> Option<()> {
    field.is_none().then(|| *field = Some(value))
}

struct Cursor<'a> {
    s: &'a [u8],
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn skip_ws(&mut self) {
        // (Scanned with a local index: the loop then stays in registers.)
        let mut at = self.at;
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(at) {
            at += 1;
        }
        self.at = at;
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        self.eat_if(b).then_some(())
    }

    fn eat_if(&mut self, b: u8) -> bool {
        let hit = self.s.get(self.at) == Some(&b);
        self.at += usize::from(hit);
        hit
    }

    /// A string without escapes or control characters. (Ids and names are short: eight bytes
    /// at a time, then byte by byte, beats a vectorised search here.)
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let mut end = start;
        while let Some(word) = self.s.get(end..end + 8)
            && !may_end_string(u64::from_le_bytes(word.try_into().expect("eight bytes")))
        {
            end += 8;
        }
        loop {
            match *self.s.get(end)? {
                b'"' => break,
                b'\\' => return None,
                b if b < 0x20 => return None,
                _ => end += 1,
            }
        }
        self.at = end + 1;
        Some(&self.text[start..end])
    }

    /// A count as plain digits — `0`, or digits without a leading zero — within the limit.
    fn count(&mut self) -> Option<u32> {
        let (start, mut at) = (self.at, self.at);
        let mut n: u64 = 0;
        while let Some(&b) = self.s.get(at)
            && b.is_ascii_digit()
        {
            // (Wraps past 19 digits, where the count is not taken.)
            n = n.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            at += 1;
        }
        self.at = at;
        let len = at - start;
        // (A fraction or an exponent after the digits is no `,` or `}`: the caller refuses it.)
        let plain = len == 1 || (len > 1 && len <= 10 && self.s[start] != b'0');
        (plain && n <= MAX_COUNT).then_some(n as u32)
    }

    /// The `votes` object: candidates the schema takes, each once, with plain counts.
    fn votes(&mut self, schema: &Schema) -> Option<Vec<(Name, u32)>> {
        self.eat(b'{')?;
        let mut out = Vec::with_capacity(8);
        self.skip_ws();
        if self.eat_if(b'}') {
            return Some(out);
        }
        // As `RawReport::validate`: the next listed candidate tried first; the first 64 listed
        // ones seen, as bits; others compared with those before (a long list of them is left
        // to the general reader).
        let (mut hint, mut seen) = (0, 0u64);
        loop {
            let cand = self.string()?;
            self.skip_ws();
            self.eat(b':')?;
            self.skip_ws();
            let n = self.count()?;
            let id = schema.candidate_hinted(cand, hint).ok()?;
            match id {
                Name::Listed(i) if i < 64 => {
                    if seen & 1 << i != 0 {
                        return None;
                    }
                    seen |= 1 << i;
                    hint = i as usize + 1;
                }
                _ if out.len() < 16 => {
                    if out.iter().any(|(c, _)| *c == id) {
                        return None;
                    }
                }
                _ => return None,
            }
            out.push((id, n));
            self.skip_ws();
            if self.eat_if(b'}') {
                return Some(out);
            }
            self.eat(b',')?;
            self.skip_ws();
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::feed::report::parse_json_general;

    fn schemas() -> [Schema; 2] {
        let m = crate::feed::Manifest::from_slice(
            r#"{"id":"t","candidates":[{"id":"c0"},{"id":"c1"},{"id":"c2"},{"id":"c3"}],
                "regions":[{"id":"Ж0"},{"id":"Ж1"},{"id":"Ж2"}]}"#
                .as_bytes(),
        )
        .unwrap();
        [Schema::from_manifest(Some(&m), 1 << 20), Schema::default()]
    }

    /// A report line, most often valid, with the usual ways to be wrong now and then.
    fn line(rng: &mut impl Rng) -> String {
        let count = |rng: &mut dyn rand::RngCore| {
            if rng.random_ratio(1, 50) {
                rng.random_range(999_999_990..1_000_000_010)
            } else {
                rng.random_range(0..5000)
            }
        };
        let time = ["2022-11-20T20:00:00+06:00", "2022-11-20 20:00:00Z", "2022-11-20T20:00:00"]
            [if rng.random_ratio(9, 10) { 0 } else { rng.random_range(1..3) }];
        let mut cands: Vec<u32> = (0..5).collect();
        for i in (1..cands.len()).rev() {
            cands.swap(i, rng.random_range(0..=i));
        }
        let unknown = rng.random_ratio(1, 10);
        let many = rng.random_range(0..5);
        let chosen: Vec<u32> = cands.into_iter().filter(|&c| c < 4 || unknown).take(many).collect();
        let mut votes: Vec<String> = chosen.iter().map(|c| format!(r#""c{c}" : {}"#, count(rng))).collect();
        if rng.random_ratio(1, 20) && !votes.is_empty() {
            votes.push(votes[0].clone());
        }
        let fields = [
            (format!(r#""precinct":"P{}""#, rng.random_range(0..100_000)), 0.95),
            (format!(r#""region":"Ж{}""#, rng.random_range(0..4)), 0.8),
            (format!(r#""reported_at":"{time}""#), 0.7),
            (format!(r#""revision":{}"#, rng.random_range(0..3)), 0.5),
            (format!(r#""registered":{}"#, count(rng)), 0.95),
            (format!(r#""ballots":{}"#, count(rng)), 0.95),
            (format!(r#""invalid":{}"#, rng.random_range(0..50)), 0.5),
            (format!(r#""issued":{}"#, count(rng)), 0.3),
            (format!(r#""votes": {{{}}}"#, votes.join(",")), 0.95),
        ];
        let mut fields: Vec<String> = fields.into_iter().filter(|(_, p)| rng.random_bool(*p)).map(|(f, _)| f).collect();
        for i in (1..fields.len()).rev() {
            let j = rng.random_range(0..=i);
            if rng.random_ratio(1, 4) {
                fields.swap(i, j);
            }
        }
        if rng.random_ratio(1, 20) {
            let i = rng.random_range(0..=fields.len());
            fields.insert(i, fields.first().cloned().unwrap_or_default());
        }
        format!("{{{}}}", fields.join(if rng.random_bool(0.5) { "," } else { " ,\t" }))
    }

    /// What the direct reading takes is exactly the report the general reader gives; and every
    /// line of the common shape that the general reader takes, it takes too (so the fast path
    /// is the one used).
    #[test]
    fn the_direct_reading_agrees_with_the_general_reader() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(15);
        let odd: &[&[u8]] = &[
            b"\\",
            b"\"",
            b"-",
            b".",
            b"e",
            b"0",
            b"9",
            b"null",
            b"\x01",
            b"\xd0",
            b"\xff",
            b"{",
            b"}",
            b",",
            b":",
            b" ",
            b"[1]",
            b"\"x\":1",
            b"\\u0041",
            b"99999999999999999999999",
            "\u{202e}".as_bytes(),
        ];
        let schemas = schemas();
        let (mut taken, mut mutated_taken, mut refused) = (0, 0, 0);
        for round in 0..20_000 {
            let mut bytes = line(&mut rng).into_bytes();
            let mutate = round % 2 == 1;
            if mutate {
                for _ in 0..rng.random_range(1..3) {
                    let at = rng.random_range(0..=bytes.len());
                    let what = odd[rng.random_range(0..odd.len())];
                    match rng.random_range(0..3) {
                        0 => drop(bytes.splice(at..at, what.iter().copied())),
                        1 if at < bytes.len() => drop(bytes.remove(at)),
                        _ if at < bytes.len() => bytes[at] = what[0],
                        _ => {}
                    }
                }
            }
            let schema = &schemas[(round / 2) % 2];
            let direct = read(&bytes, schema);
            let general = parse_json_general(&bytes, schema);
            let shown = String::from_utf8_lossy(&bytes);
            match direct {
                Some(r) => {
                    assert_eq!(Ok(r), general, "{shown}");
                    taken += 1;
                    mutated_taken += usize::from(mutate);
                }
                None => {
                    assert!(mutate || general.is_err(), "left a good line to the general reader: {shown}");
                    refused += usize::from(general.is_err());
                }
            }
        }
        assert!(taken > 4_000 && mutated_taken > 300 && refused > 4_000, "{taken} {mutated_taken} {refused}");
    }

    /// The word test finds every quote, backslash and control character, wherever in the word,
    /// and flags no word without one (so the strings it passes over are the byte loop's).
    #[test]
    fn a_word_may_end_a_string_exactly_when_a_byte_of_it_would() {
        for at in 0..8 {
            for b in 0..=255u8 {
                for fill in [b'a', b'0', 0xd0, 0xff, b' '] {
                    let mut word = [fill; 8];
                    word[at] = b;
                    let stops = b == b'"' || b == b'\\' || b < 0x20;
                    assert_eq!(may_end_string(u64::from_le_bytes(word)), stops, "{word:?}");
                }
            }
        }
    }

    #[test]
    fn what_is_left_to_the_general_reader() {
        let [listed, _] = schemas();
        let ok = r#"{"precinct":"P1","region":"Ж0","registered":10,"ballots":5,"votes":{"c0":1,"c1":4}}"#;
        assert!(read(ok.as_bytes(), &listed).is_some());
        for (from, to) in [
            (r#""P1""#, r#""P\u0031""#),
            (r#""P1""#, "\"P\t1\""),
            (r#""P1""#, "\"P\u{202e}1\""),
            (r#""P1""#, r#""""#),
            (r#""Ж0""#, r#""Ж9""#),
            (":10", ":-10"),
            (":10", ":10.0"),
            (":10", ":1e1"),
            (":10", ":010"),
            (":10", ":1000000001"),
            (":10", ":12345678901234567890"),
            (":10", ":null"),
            (":10", r#":"10""#),
            (r#""c1":4"#, r#""c0":4"#),
            (r#""c1":4"#, r#""c9":4"#),
            (r#","votes""#, r#","extra":1,"votes""#),
            (r#","votes""#, r#","ballots":5,"votes""#),
            (r#""registered":10,"#, ""),
            (r#"}}"#, r#"}} x"#),
            (r#"}}"#, r#"},}"#),
            (r#"{"c0":1,"c1":4}"#, "[1]"),
        ] {
            let line = ok.replacen(from, to, 1);
            assert_ne!(line, ok);
            assert!(read(line.as_bytes(), &listed).is_none(), "{line}");
        }
        assert!(read(b"{\"precinct\":\"\xd0\",\"votes\":{}}", &listed).is_none(), "not UTF-8");
        let spaced = r#" { "precinct" : "P1" , "registered" : 0 , "ballots" : 1000000000 , "votes" : { } } "#;
        assert_eq!(
            read(spaced.as_bytes(), &Schema::default()),
            parse_json_general(spaced.as_bytes(), &Schema::default()).ok()
        );
    }
}
