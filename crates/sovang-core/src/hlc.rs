//! Hybrid logical clock: versions that order changes across installations without a server.
//! A version is `WWWWWWWWWWWWWWW-CCCCC-NNNNNNNNNNNNNNNN`: wall milliseconds, a counter, and the
//! installation's node id. Compared as strings they order by time, then counter, then node:
//! the fixed tie-break that sync merges rely on.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hlc {
    pub wall_ms: i64,
    pub counter: u32,
    pub node: u64,
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:015}-{:05}-{:016x}",
            self.wall_ms, self.counter, self.node
        )
    }
}

/// How far ahead of this PC's clock another installation's version may be and still be
/// applied: a day covers time zones and a clock a little off, not a PC that says 2099.
pub const MAX_AHEAD_MS: i64 = 24 * 60 * 60 * 1000;

/// The counter's largest value: five digits. One more carries into the milliseconds.
const MAX_COUNTER: u32 = 99_999;

impl Hlc {
    /// A version in exactly the documented form (15 digits, 5 digits, 16 lower-case hex
    /// digits), or none: a version that sorts wrongly as a string is never accepted.
    pub fn parse(s: &str) -> Option<Hlc> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
        let hex = b.get(22..).is_some_and(|h| {
            h.iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        });
        if b.len() != 38 || b[15] != b'-' || b[21] != b'-' || !digits(0..15) || !digits(16..21) {
            return None;
        }
        if !hex {
            return None;
        }
        Some(Hlc {
            wall_ms: s[..15].parse().ok()?,
            counter: s[16..21].parse().ok()?,
            node: u64::from_str_radix(&s[22..], 16).ok()?,
        })
    }

    /// Whether this version lies further ahead of `now_ms` than `MAX_AHEAD_MS`.
    pub fn is_ahead_of(&self, now_ms: i64) -> bool {
        self.wall_ms > now_ms.saturating_add(MAX_AHEAD_MS)
    }
}

/// Issues versions for one installation; never goes backwards, even if the wall clock does.
#[derive(Debug, Clone)]
pub struct HlcGen {
    last: Hlc,
}

impl HlcGen {
    pub fn new(node: u64, last: Option<Hlc>) -> Self {
        HlcGen {
            last: last.unwrap_or(Hlc {
                wall_ms: 0,
                counter: 0,
                node,
            }),
        }
        .with_node(node)
    }

    fn with_node(mut self, node: u64) -> Self {
        self.last.node = node;
        self
    }

    pub fn next(&mut self, now_ms: i64) -> Hlc {
        if now_ms > self.last.wall_ms {
            self.last.wall_ms = now_ms;
            self.last.counter = 0;
        } else if self.last.counter >= MAX_COUNTER {
            // The version stays five digits wide: the next millisecond, counter back to 0.
            self.last.wall_ms += 1;
            self.last.counter = 0;
        } else {
            self.last.counter += 1;
        }
        self.last
    }

    /// Moves past a version seen from elsewhere, so later local changes order after it.
    pub fn observe(&mut self, seen: Hlc) {
        if (seen.wall_ms, seen.counter) > (self.last.wall_ms, self.last.counter) {
            self.last.wall_ms = seen.wall_ms;
            self.last.counter = seen.counter;
        }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_order_is_clock_order() {
        let mut g = HlcGen::new(7, None);
        let a = g.next(1000);
        let b = g.next(1000);
        let c = g.next(999); // wall clock went back
        let d = g.next(2000);
        assert!(a < b && b < c && c < d, "versions must only grow");
        let strs: Vec<String> = [a, b, c, d].iter().map(|h| h.to_string()).collect();
        let mut sorted = strs.clone();
        sorted.sort();
        assert_eq!(strs, sorted, "string order must equal version order");
        assert_eq!(
            Hlc::parse(&strs[2]),
            Some(c),
            "a version must survive a round trip"
        );
    }

    #[test]
    fn the_counter_carries_into_the_milliseconds_instead_of_growing_a_sixth_digit() {
        let mut g = HlcGen::new(3, None);
        let mut prev = g.next(1000);
        for _ in 0..100_001 {
            let v = g.next(1000);
            assert!(v > prev, "versions must keep growing");
            assert_eq!(
                v.to_string().len(),
                38,
                "a version keeps its documented width, else string order breaks"
            );
            prev = v;
        }
        assert_eq!(
            (prev.wall_ms, prev.counter),
            (1001, 1),
            "after 99,999 the counter carries into the next millisecond"
        );
    }

    #[test]
    fn only_the_documented_form_parses() {
        let good = "000001732608000-00000-00000000000000ab";
        assert!(Hlc::parse(good).is_some(), "the documented form must parse");
        for bad in [
            "1732608000-0-ab",                          // not zero-padded: sorts wrongly
            "000001732608000-100000-00000000000000ab",  // six-digit counter
            "000001732608000-00000-00000000000000AB",   // upper-case hex
            "000001732608000-00000-00000000000000ab-1", // extra part
            "+00001732608000-00000-00000000000000ab",   // sign
            "000001732608000-00000-0000000000000ab",    // short node
            "",
        ] {
            assert_eq!(Hlc::parse(bad), None, "{bad:?} must be refused");
        }
    }

    #[test]
    fn a_version_more_than_a_day_ahead_is_ahead() {
        let now = 1_764_144_000_000;
        let v = |wall_ms| Hlc {
            wall_ms,
            counter: 0,
            node: 1,
        };
        assert!(
            !v(now + MAX_AHEAD_MS).is_ahead_of(now),
            "a day ahead is allowed"
        );
        assert!(
            v(now + MAX_AHEAD_MS + 1).is_ahead_of(now),
            "past a day is not"
        );
    }

    #[test]
    fn observe_moves_past_remote() {
        let mut g = HlcGen::new(1, None);
        g.observe(Hlc {
            wall_ms: 5000,
            counter: 3,
            node: 9,
        });
        let n = g.next(10);
        assert!(
            n.wall_ms == 5000 && n.counter == 4,
            "next must follow the observed version"
        );
    }
}
