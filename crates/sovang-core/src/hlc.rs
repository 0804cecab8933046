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

impl Hlc {
    pub fn parse(s: &str) -> Option<Hlc> {
        let mut parts = s.split('-');
        let wall_ms = parts.next()?.parse().ok()?;
        let counter = parts.next()?.parse().ok()?;
        let node = u64::from_str_radix(parts.next()?, 16).ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Hlc {
            wall_ms,
            counter,
            node,
        })
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
