//! Whether this PC's clock can be right. One set back (a flat motherboard battery, a wrong
//! date typed by hand) stamps new records with wrong dates and orders this PC's edits before
//! those made meanwhile elsewhere. The app and the CLI show the warning; nothing is refused.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::OptionalExtension;
use serde::Serialize;

use crate::error::{Message, Result};
use crate::hlc::{Hlc, MAX_AHEAD_MS};
use crate::store::Store;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockProblem {
    /// More than a day earlier than the last change this installation saved.
    BeforeLastChange,
    /// Earlier than the day this version was built.
    BeforeBuild,
}

/// This PC's clock is implausible: what it says, what it should at least say, and how to fix
/// it (Vietnamese first).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockWarning {
    pub problem: ClockProblem,
    /// This PC's time (RFC 3339, UTC).
    pub now: String,
    /// The earliest time it can be: the last change saved, or the build day.
    pub at_least: String,
    pub message: Message,
}

/// The day this library was built (UTC), recorded by `build.rs`.
pub fn build_day() -> NaiveDate {
    let secs: i64 = env!("SOVANG_BUILD_DAY").parse().unwrap_or(0);
    DateTime::from_timestamp(secs, 0)
        .unwrap_or_default()
        .date_naive()
}

/// The rule. The build day is compared with today in Vietnam, which is never earlier than
/// the build machine's UTC day. The last version gets a day's slack: an import may move it up
/// to `MAX_AHEAD_MS` past this PC's clock, so only a clock further back has surely gone back.
pub fn check(now: DateTime<Utc>, last: Option<Hlc>, built: NaiveDate) -> Option<ClockWarning> {
    let today = (now + chrono::Duration::hours(7)).date_naive();
    let built_at = built.and_time(chrono::NaiveTime::MIN).and_utc();
    let mut found = (today < built).then_some((ClockProblem::BeforeBuild, built_at));
    let last_change = last
        .filter(|h| now.timestamp_millis() < h.wall_ms.saturating_sub(MAX_AHEAD_MS))
        .and_then(|h| DateTime::from_timestamp_millis(h.wall_ms));
    if let Some(t) = last_change {
        // The later bound says more.
        if found.is_none_or(|(_, b)| t > b) {
            found = Some((ClockProblem::BeforeLastChange, t));
        }
    }
    let (problem, at_least) = found?;
    let (vi, en) = crate::messages::clock_warning(problem, now, at_least);
    Some(ClockWarning {
        problem,
        now: crate::clock::stamp(now),
        at_least: crate::clock::stamp(at_least),
        message: Message { vi, en },
    })
}

impl Store {
    /// A warning when this PC's clock is implausible (see `check`). The last version is read
    /// again: another process may have saved since this store was opened.
    pub fn clock_warning(&self) -> Result<Option<ClockWarning>> {
        let last: Option<String> = self
            .connection()
            .query_row("SELECT value FROM meta WHERE key = 'hlc_last'", [], |r| {
                r.get(0)
            })
            .optional()?;
        let last = last.as_deref().and_then(Hlc::parse);
        Ok(check(self.clock().now(), last, build_day()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    fn version(t: DateTime<Utc>) -> Option<Hlc> {
        Some(Hlc {
            wall_ms: t.timestamp_millis(),
            counter: 0,
            node: 1,
        })
    }

    #[test]
    fn the_build_day_counts_in_vietnam_time() {
        let built = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        // 3 December 18:00 UTC is already 4 December in Vietnam.
        assert_eq!(check(at(2026, 12, 3, 18), None, built), None);
        let w = check(at(2026, 12, 3, 16), None, built).expect("3 December in Vietnam");
        assert_eq!(w.problem, ClockProblem::BeforeBuild);
        assert!(w.message.vi.contains("03/12/2026") && w.message.vi.contains("04/12/2026"));
    }

    #[test]
    fn a_last_version_less_than_a_day_ahead_is_an_import_not_a_clock_set_back() {
        let built = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let now = at(2026, 12, 4, 8);
        let ahead = |h: i64| version(now + chrono::Duration::hours(h));
        assert_eq!(check(now, ahead(24), built), None, "a day ahead is allowed");
        let w = check(now, ahead(25), built).expect("past a day, the clock went back");
        assert_eq!(w.problem, ClockProblem::BeforeLastChange);
    }

    #[test]
    fn the_later_bound_is_the_one_shown() {
        let built = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let now = at(2020, 1, 1, 0);
        let w = check(now, version(at(2026, 12, 3, 0)), built).unwrap();
        assert_eq!(w.problem, ClockProblem::BeforeLastChange);
        let w = check(now, version(at(2026, 6, 1, 0)), built).unwrap();
        assert_eq!(w.problem, ClockProblem::BeforeBuild);
    }
}
