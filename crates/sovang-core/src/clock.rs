//! The injected clock: production reads the system time, tests set it.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date (UTC+7, Vietnam's time zone, which has no daylight saving).
    fn today(&self) -> NaiveDate {
        (self.now() + chrono::Duration::hours(7)).date_naive()
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told to move; for tests and reproducible demo data.
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock {
            millis: AtomicI64::new(at.timestamp_millis()),
        }
    }

    pub fn advance_ms(&self, ms: i64) {
        self.millis.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.millis.load(Ordering::SeqCst)).unwrap_or_default()
    }
}

/// Issues UUIDv7 ids stamped by an injected clock; ids made in the same millisecond still
/// sort in the order they were made (the uuid crate's v7 counter).
pub struct IdGen {
    context: uuid::ContextV7,
}

impl Default for IdGen {
    fn default() -> Self {
        IdGen {
            context: uuid::ContextV7::new(),
        }
    }
}

impl IdGen {
    pub fn next(&self, clock: &dyn Clock) -> uuid::Uuid {
        let now = clock.now();
        let ts = uuid::Timestamp::from_unix(
            &self.context,
            now.timestamp().max(0) as u64,
            now.timestamp_subsec_nanos(),
        );
        uuid::Uuid::new_v7(ts)
    }
}

/// The timestamp format stored in the database: RFC 3339, UTC, milliseconds.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
