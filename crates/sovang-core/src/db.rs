//! Opening the SQLite database with the settings every connection needs.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::error::Result;

/// SQLite's page cache for bulk work (imports, demo data, the CLI).
pub const BULK_CACHE_KIB: i64 = 16_000;
/// The desktop app's page cache: its reads are pages of 100 rows, and what it keeps idle
/// counts against the window's memory budget; the OS's file cache serves the rest.
pub const APP_CACHE_KIB: i64 = 4_000;

pub fn open(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    Ok(conn)
}

pub fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    // Takes effect only when the file is new (before WAL is set): larger pages mean fewer,
    // shallower B-tree and FTS pages for records of a few hundred bytes to a few kilobytes.
    conn.pragma_update(None, "page_size", 8192)?;
    // WAL keeps readers and the writer apart; NORMAL is durable across app crashes in WAL mode.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}
