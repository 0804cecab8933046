//! Which of each other installation's changes have arrived here. Every bundle says which of
//! its origin's change numbers it carries (`Manifest::sequence`); a hole below the latest is a
//! bundle lost or not yet imported. Bundles made here acknowledge to their recipients what
//! arrived from them (`Manifest::acks`), and an acknowledgement that falls short of what was
//! sent makes the next bundle carry it again.

use rusqlite::{OptionalExtension, Transaction};
use serde::Serialize;

use crate::error::{Message, Result};
use crate::sync::bundle::{Ack, SeqRange};

/// Change numbers of one origin that are missing here.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub from: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub to: i64,
    pub message: Message,
}

/// The change numbers of one origin that arrived, as disjoint ranges in order.
#[derive(Debug, Default, PartialEq)]
struct Ranges(Vec<(i64, i64)>);

impl Ranges {
    fn add(&mut self, from: i64, to: i64) {
        if from > to {
            return;
        }
        self.0.push((from, to));
        self.0.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(self.0.len());
        for (a, b) in self.0.drain(..) {
            match merged.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        self.0 = merged;
    }

    /// The number up to which every change arrived (changes are numbered from 1).
    fn upto(&self) -> i64 {
        match self.0.first() {
            Some(&(1, b)) => b,
            _ => 0,
        }
    }

    /// What is missing among 1..=`to`.
    fn holes(&self, to: i64) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        let mut next = 1;
        for &(a, b) in &self.0 {
            if a > next && next <= to {
                out.push((next, (a - 1).min(to)));
            }
            next = next.max(b + 1);
        }
        if next <= to {
            out.push((next, to));
        }
        out
    }
}

fn load(tx: &Transaction, origin: &str) -> Result<(Ranges, bool)> {
    let row: Option<(String, bool)> = tx
        .prepare_cached("SELECT ranges, legacy FROM sync_received WHERE origin = ?1")?
        .query_row([origin], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (json, legacy) = row.unwrap_or_else(|| ("[]".into(), false));
    let ranges: Vec<(i64, i64)> = serde_json::from_str(&json).unwrap_or_default();
    Ok((Ranges(ranges), legacy))
}

/// Records that a bundle of `origin` carrying `sequence` arrived, and returns what is still
/// missing below its end. An origin whose bundles came before numbers were kept starts
/// counting at its first numbered bundle.
pub(super) fn note_bundle(
    tx: &Transaction,
    origin: &str,
    sequence: SeqRange,
    unit_name: &str,
) -> Result<Vec<Gap>> {
    let (mut ranges, legacy) = load(tx, origin)?;
    if legacy && ranges.0.is_empty() && sequence.from > 1 {
        ranges.add(1, sequence.from - 1);
    }
    ranges.add(sequence.from, sequence.to);
    let json = serde_json::to_string(&ranges.0).unwrap_or_else(|_| "[]".into());
    tx.prepare_cached(
        "INSERT INTO sync_received (origin, ranges, legacy) VALUES (?1, ?2, 0) \
         ON CONFLICT(origin) DO UPDATE SET ranges = excluded.ranges, legacy = 0",
    )?
    .execute([origin, &json])?;
    Ok(ranges
        .holes(sequence.to)
        .into_iter()
        .map(|(from, to)| {
            let (vi, en) = crate::messages::gap(from, to, unit_name);
            Gap {
                from,
                to,
                message: Message { vi, en },
            }
        })
        .collect())
}

/// What arrived from each of `keys` (installations' fingerprints; other destination keys are
/// skipped), for a bundle made for them.
pub(super) fn acks_for(tx: &Transaction, keys: &[String]) -> Result<Vec<Ack>> {
    let mut out = Vec::new();
    for key in keys {
        let (ranges, legacy) = load(tx, key)?;
        if !legacy && ranges.upto() > 0 {
            out.push(Ack {
                origin: key.clone(),
                upto: ranges.upto(),
            });
        }
    }
    Ok(out)
}

/// A bundle from `sender` acknowledges what arrived there from this installation (`own`):
/// what it did not acknowledge goes out again with the next bundle made for it.
pub(super) fn take_acks(
    tx: &Transaction,
    own: &crate::sync::identity::KeyId,
    sender: &str,
    acks: &[Ack],
) -> Result<()> {
    for ack in acks.iter().filter(|a| own.is_named_by(&a.origin)) {
        tx.prepare_cached(
            "UPDATE sync_sent SET seq = min(seq, max(?1, 0)) WHERE destination = ?2",
        )?
        .execute(rusqlite::params![ack.upto, sender])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_and_show_their_holes() {
        let mut r = Ranges::default();
        r.add(1, 40);
        r.add(58, 70);
        assert_eq!(r.upto(), 40, "58–70 came, 41–57 did not");
        assert_eq!(r.holes(70), [(41, 57)]);
        r.add(41, 57);
        assert_eq!(
            (r.upto(), r.holes(70)),
            (70, vec![]),
            "the lost bundle arrived"
        );
        r.add(71, 70);
        assert_eq!(r.0, [(1, 70)], "an empty range changes nothing");
        assert_eq!(
            r.holes(80),
            [(71, 80)],
            "an empty bundle numbered to 80 shows 71–80"
        );
    }
}
