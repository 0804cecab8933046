//! Which backups are kept. Daily and on-demand backups: the newest of each of the last 7 days,
//! 4 weeks and 12 months that have one, and the last 5 made on demand. Backups taken before
//! an import (of a bundle or a sheet): the last 5. Before a migration or a restore: the last 3
//! of each. The newest backup of all is always kept.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Datelike, Utc};

use super::Reason;

pub const DAYS: usize = 7;
pub const WEEKS: usize = 4;
pub const MONTHS: usize = 12;
pub const ON_DEMAND: usize = 5;
pub const BEFORE_IMPORT: usize = 5;
pub const BEFORE_OTHER: usize = 3;

/// How many of a kind of period to keep, and the period a backup falls in.
type Bucket<'f> = (usize, &'f dyn Fn(&Dated) -> i64);

/// A backup as retention sees it.
pub struct Dated<'a> {
    pub id: &'a str,
    pub at: DateTime<Utc>,
    pub reason: Reason,
}

/// The ids to delete, given every backup of one folder.
pub fn to_delete(backups: &[Dated]) -> BTreeSet<String> {
    let mut sorted: Vec<&Dated> = backups.iter().collect();
    sorted.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(a.id)));
    let mut keep: HashSet<&str> = HashSet::new();
    if let Some(newest) = sorted.first() {
        keep.insert(newest.id);
    }
    let scheduled: Vec<&&Dated> = sorted
        .iter()
        .filter(|b| matches!(b.reason, Reason::Daily | Reason::Manual))
        .collect();
    // Vietnam's calendar (UTC+7) decides the day, week and month of a backup.
    let local = |b: &Dated| (b.at + chrono::Duration::hours(7)).date_naive();
    let buckets: [Bucket; 3] = [
        (DAYS, &|b| local(b).num_days_from_ce() as i64),
        (WEEKS, &|b| {
            let w = local(b).iso_week();
            w.year() as i64 * 100 + w.week() as i64
        }),
        (MONTHS, &|b| {
            local(b).year() as i64 * 100 + local(b).month() as i64
        }),
    ];
    for (count, bucket) in buckets {
        let mut seen = Vec::new();
        for b in &scheduled {
            let key = bucket(b);
            if !seen.contains(&key) {
                if seen.len() == count {
                    break;
                }
                seen.push(key);
                keep.insert(b.id);
            }
        }
    }
    let mut last = |pick: &dyn Fn(Reason) -> bool, n: usize| {
        for b in sorted.iter().filter(|b| pick(b.reason)).take(n) {
            keep.insert(b.id);
        }
    };
    last(&|r| r == Reason::Manual, ON_DEMAND);
    last(
        &|r| matches!(r, Reason::BeforeImport | Reason::BeforeSheet),
        BEFORE_IMPORT,
    );
    last(&|r| r == Reason::BeforeMigration, BEFORE_OTHER);
    last(&|r| r == Reason::BeforeRestore, BEFORE_OTHER);
    sorted
        .iter()
        .filter(|b| !keep.contains(b.id))
        .map(|b| b.id.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: i64, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, hour, 0, 0).unwrap() + chrono::Duration::days(day)
    }

    #[test]
    fn a_year_of_daily_backups_keeps_7_days_4_weeks_and_12_months() {
        let ids: Vec<String> = (0..365).map(|d| format!("d{d:03}")).collect();
        let all: Vec<Dated> = ids
            .iter()
            .enumerate()
            .map(|(d, id)| Dated {
                id,
                at: at(d as i64, 3),
                reason: Reason::Daily,
            })
            .collect();
        let gone = to_delete(&all);
        let kept: Vec<&str> = ids
            .iter()
            .filter(|id| !gone.contains(*id))
            .map(String::as_str)
            .collect();
        // The last 7 days, the newest of the 4 weeks (3 of them among those days' weeks), and
        // the newest of 12 months (one of them the current month's newest, already kept).
        assert!(
            kept.len() > DAYS && kept.len() <= DAYS + WEEKS + MONTHS,
            "kept {kept:?}"
        );
        for (d, id) in ids.iter().enumerate().skip(358) {
            assert!(kept.contains(&id.as_str()), "day {d} is one of the last 7");
        }
        assert!(
            !kept.contains(&"d100"),
            "a mid-April backup is no month's newest"
        );
        assert!(
            kept.contains(&"d119"),
            "30 April is April's newest, within the last 12 months"
        );
    }

    #[test]
    fn before_import_backups_keep_the_last_five_and_the_newest_is_never_deleted() {
        let ids: Vec<String> = (0..9).map(|i| format!("i{i}")).collect();
        let all: Vec<Dated> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| Dated {
                id,
                at: at(0, i as u32),
                reason: Reason::BeforeImport,
            })
            .collect();
        let gone = to_delete(&all);
        assert_eq!(
            gone.into_iter().collect::<Vec<_>>(),
            ["i0", "i1", "i2", "i3"],
            "only the last five imports' backups stay"
        );
        let one = [Dated {
            id: "only",
            at: at(0, 0),
            reason: Reason::BeforeRestore,
        }];
        assert!(to_delete(&one).is_empty(), "the only backup stays");
    }
}
