//! The common shape of a JSON report, read without a general parser: one object whose known
//! fields are strings without escapes and counts written as plain digits, and a `votes` object
//! of plain counts. Almost every line of a real feed is this shape; reading it directly is
//! several times faster than a general JSON reader. Anything else — an escape, a control
//! character, a negative or fractional number, `null`, an unknown or repeated field, text after
//! the object, bytes that are not UTF-8 — is left to the general reader (the result is `None`),
//! so what a report means, and every message about one that is wrong, is the general
//! reader's. What this reads is exactly what the general reader gives for the same bytes
//! (a test holds them equal on generated and mutated lines).

use std::borrow::Cow;

use super::count::RawCount;
use super::raw::{RawReport, RawStr, RawVotes};

/// Reads `bytes` as a report of the common shape, or `None` to leave it to the general reader.
pub fn read(bytes: &[u8]) -> Option<RawReport<'_>> {
    // Every string is borrowed from `bytes`: all of it valid UTF-8 makes each of them valid
    // (a string ends at an ASCII quote, never inside a character).
    let text = simdutf8::basic::from_utf8(bytes).ok()?;
    let mut c = Cursor { s: text.as_bytes(), text, at: 0 };
    let mut raw = RawReport::default();
    c.skip_ws();
    c.eat(b'{')?;
    c.skip_ws();
    if !c.eat_if(b'}') {
        loop {
            let key = c.string()?;
            c.skip_ws();
            c.eat(b':')?;
            c.skip_ws();
            // A field given twice is left to the general reader (which refuses it).
            match key {
                "precinct" => put(&mut raw.precinct, RawStr::Str(Cow::Borrowed(c.string()?)))?,
                "region" => put(&mut raw.region, RawStr::Str(Cow::Borrowed(c.string()?)))?,
                "reported_at" => put(&mut raw.reported_at, RawStr::Str(Cow::Borrowed(c.string()?)))?,
                "revision" => put(&mut raw.revision, RawCount::Whole(c.count()?))?,
                "registered" => put(&mut raw.registered, RawCount::Whole(c.count()?))?,
                "ballots" => put(&mut raw.ballots, RawCount::Whole(c.count()?))?,
                "invalid" => put(&mut raw.invalid, RawCount::Whole(c.count()?))?,
                "issued" => put(&mut raw.issued, RawCount::Whole(c.count()?))?,
                "votes" => put(&mut raw.votes, c.votes()?)?,
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
    (c.at == c.s.len()).then_some(raw)
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
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.at) {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        self.eat_if(b).then_some(())
    }

    fn eat_if(&mut self, b: u8) -> bool {
        let hit = self.s.get(self.at) == Some(&b);
        self.at += usize::from(hit);
        hit
    }

    /// A string without escapes or control characters. (Ids and names are short: a plain
    /// loop beats a vectorised search here.)
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let mut end = start;
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

    /// A count as plain digits: `0`, or up to 19 digits without a leading zero (so it fits
    /// in 64 bits).
    fn count(&mut self) -> Option<u64> {
        let start = self.at;
        let mut n: u64 = 0;
        while let Some(&b) = self.s.get(self.at)
            && b.is_ascii_digit()
        {
            // (Wraps past 19 digits, where the count is not taken.)
            n = n.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
            self.at += 1;
        }
        let len = self.at - start;
        // (A fraction or an exponent after the digits is no `,` or `}`: the caller refuses it.)
        (len == 1 || (len > 1 && len <= 19 && self.s[start] != b'0')).then_some(n)
    }

    /// The `votes` object: candidate ids (without escapes) and plain counts.
    fn votes(&mut self) -> Option<RawVotes<'a>> {
        self.eat(b'{')?;
        let mut out = Vec::with_capacity(8);
        self.skip_ws();
        if self.eat_if(b'}') {
            return Some(RawVotes::Map(out));
        }
        loop {
            let cand = self.string()?;
            self.skip_ws();
            self.eat(b':')?;
            self.skip_ws();
            out.push((Cow::Borrowed(cand), RawCount::Whole(self.count()?)));
            self.skip_ws();
            if self.eat_if(b'}') {
                return Some(RawVotes::Map(out));
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

    /// What the general path makes of `bytes` (as `parse_json_report` runs it).
    fn general(bytes: &[u8]) -> Option<String> {
        crate::feed::wellformed::check_text(bytes).ok()?;
        let raw = sonic_rs::from_slice::<RawReport>(bytes).or_else(|_| serde_json::from_slice::<RawReport>(bytes));
        raw.ok().map(|r| format!("{r:?}"))
    }

    fn line(rng: &mut impl Rng) -> String {
        let mut fields = vec![
            format!(r#""precinct":"P{}""#, rng.random_range(0..100_000)),
            format!(r#""region":"Ж{}""#, rng.random_range(0..20)),
            r#""reported_at":"2022-11-20T20:00:00+06:00""#.to_string(),
            format!(r#""revision":{}"#, rng.random_range(0..3)),
            format!(r#""registered":{}"#, rng.random_range(0..5000)),
            format!(r#""ballots":{}"#, rng.random_range(0..5000)),
            format!(r#""invalid":{}"#, rng.random_range(0..50)),
            format!(r#""issued":{}"#, rng.random_range(0..5000)),
        ];
        let votes: Vec<String> =
            (0..rng.random_range(0..5)).map(|i| format!(r#""c{i}" : {}"#, rng.random_range(0..900))).collect();
        fields.push(format!(r#""votes": {{{}}}"#, votes.join(",")));
        let keep = rng.random_range(1..=fields.len());
        let mut fields: Vec<String> = fields.into_iter().filter(|_| rng.random_ratio(keep as u32, 9)).collect();
        if rng.random_bool(0.3) {
            let i = rng.random_range(0..=fields.len());
            fields.insert(i, fields.first().cloned().unwrap_or_default());
        }
        format!("{{{}}}", fields.join(if rng.random_bool(0.5) { "," } else { " ,\t" }))
    }

    /// What the direct reading takes, it reads as the general reader does; and the well-formed
    /// common shape it takes (so the fast path is the one used).
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
        ];
        let (mut taken, mut mutated_taken) = (0, 0);
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
            let direct = read(&bytes).map(|r| format!("{r:?}"));
            let expected = general(&bytes);
            if direct.is_some() {
                assert_eq!(direct, expected, "{:?}", String::from_utf8_lossy(&bytes));
                taken += 1;
                mutated_taken += usize::from(mutate);
            } else if !mutate {
                // Unmutated lines are the common shape unless a field is repeated.
                let repeated = expected.is_none();
                assert!(repeated, "left the common shape to the general reader: {:?}", String::from_utf8_lossy(&bytes));
            }
        }
        assert!(taken > 8_000 && mutated_taken > 1_000, "{taken} {mutated_taken}");
    }

    #[test]
    fn what_is_left_to_the_general_reader() {
        for line in [
            r#"{"precinct":"P\u0031","registered":1,"ballots":1,"votes":{}}"#,
            r#"{"precinct":"P1","registered":-1,"ballots":1,"votes":{}}"#,
            r#"{"precinct":"P1","registered":1.0,"ballots":1,"votes":{}}"#,
            r#"{"precinct":"P1","registered":1e3,"ballots":1,"votes":{}}"#,
            r#"{"precinct":"P1","registered":01,"ballots":1,"votes":{}}"#,
            r#"{"precinct":"P1","registered":12345678901234567890,"ballots":1,"votes":{}}"#,
            r#"{"precinct":"P1","registered":null,"ballots":1,"votes":{}}"#,
            r#"{"precinct":"P1","registered":"5","ballots":1,"votes":{}}"#,
            r#"{"precinct":"P1","registered":1,"ballots":1,"votes":{},"extra":1}"#,
            r#"{"precinct":"P1","registered":1,"ballots":1,"votes":{},"votes":{}}"#,
            r#"{"precinct":"P1","registered":1,"ballots":1,"votes":{"a":1}} x"#,
            r#"{"precinct":"P1","registered":1,"ballots":1,"votes":{"a":1},}"#,
            r#"{"precinct":"P1","registered":1,"ballots":1,"votes":[1]}"#,
            "{\"precinct\":\"P\t1\",\"registered\":1,\"ballots\":1,\"votes\":{}}",
        ] {
            assert!(read(line.as_bytes()).is_none(), "{line}");
        }
        assert!(read(b"{\"precinct\":\"\xd0\",\"votes\":{}}").is_none(), "not UTF-8");
        let r = read(br#" { "precinct" : "P1" , "votes" : { "a" : 0 , "b" : 18446744073709551 } } "#).unwrap();
        assert_eq!(Some(format!("{r:?}")), general(br#"{"precinct":"P1","votes":{"a":0,"b":18446744073709551}}"#));
    }
}
