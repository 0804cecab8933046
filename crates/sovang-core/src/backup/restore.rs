//! Putting a backup back. The backup is checked first; the current state is backed up; the
//! copy is staged beside the database as `sovang.db.restoring`, brought up to this version,
//! given the erasures made since and checked; only then does one rename put it in place.
//! A restore stopped at any point leaves the old database or the new one: before the rename
//! the old one is untouched (`recover` deletes a staged copy left behind), after it the new
//! one is complete.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{attachment_in, create, find, folder, integrity, io_err, read_only, sync_dir, Reason};
use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::store::erase::{self, Stamp, WireErasure};
use crate::store::DB_FILE;

const STAGED: &str = "sovang.db.restoring";

/// What a restore did.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct RestoreReport {
    pub restored: String,
    /// The backup of the state before the restore (none when there was no database).
    pub safety_backup: Option<String>,
    /// Erasures made after the backup, applied to it again.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub erasures_applied: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub millis: u64,
}

/// In debug builds, `SOVANG_ABORT_AT=<step>` stops the process dead at that step, for the
/// test that kills a restore at every step.
fn step(name: &str) {
    if cfg!(debug_assertions) && std::env::var("SOVANG_ABORT_AT").is_ok_and(|s| s == name) {
        std::process::abort();
    }
}

fn staged_files(data_dir: &Path) -> [PathBuf; 3] {
    [
        data_dir.join(STAGED),
        data_dir.join(format!("{STAGED}-journal")),
        data_dir.join(format!("{STAGED}-wal")),
    ]
}

/// Deletes what a restore stopped before its rename left: the old database stays as it was.
pub fn recover(data_dir: &Path) {
    for f in staged_files(data_dir) {
        if f.exists() {
            tracing::warn!(file = %f.display(), "an interrupted restore's copy removed");
            let _ = std::fs::remove_file(f);
        }
    }
}

/// Restores backup `id` into `data_dir`. The caller must have closed its store; a database
/// another process still has open is refused (`database_in_use`).
pub fn restore(data_dir: &Path, id: &str, clock: &dyn Clock) -> Result<RestoreReport> {
    let started = std::time::Instant::now();
    let (dir, manifest) = find(data_dir, id)?;
    step("verify");
    let problems = folder::check(&dir, &manifest);
    if !problems.is_empty() {
        return Err(Error::plain(Code::BackupDamaged, &problems.join("; ")));
    }
    recover(data_dir);
    let current = data_dir.join(DB_FILE);
    step("safety");
    let safety_backup = match current.exists() {
        true => Some(safety(data_dir, clock)?),
        false => None,
    };
    step("stage");
    let staged = data_dir.join(STAGED);
    let result = (|| {
        std::fs::copy(dir.join(id).join(DB_FILE), &staged).map_err(io_err(&staged))?;
        step("prepare");
        let applied = prepare(
            data_dir,
            &staged,
            current.exists().then_some(current.as_path()),
        )?;
        step("attachments");
        for sha in &manifest.attachments {
            let target = crate::store::attachment_file(data_dir, sha);
            if !target.exists() {
                super::copy_checked(&attachment_in(&dir, sha), &target, sha)?;
            }
        }
        step("swap");
        if current.exists() {
            release(&current)?;
        }
        Ok(applied)
    })();
    let erasures_applied = match result {
        Ok(n) => n,
        Err(e) => {
            recover(data_dir);
            return Err(e);
        }
    };
    std::fs::rename(&staged, &current).map_err(io_err(&current))?;
    sync_dir(data_dir);
    step("done");
    tracing::info!(backup = id, "backup restored");
    Ok(RestoreReport {
        restored: id.to_owned(),
        safety_backup,
        erasures_applied,
        records: manifest.records,
        millis: started.elapsed().as_millis() as u64,
    })
}

/// Backs up the state a restore replaces. A database too damaged to back up is kept as its
/// raw files instead, so the restore can still go on.
fn safety(data_dir: &Path, clock: &dyn Clock) -> Result<String> {
    match create(data_dir, Reason::BeforeRestore, clock) {
        Ok(c) => Ok(c.backup.id),
        Err(e) => {
            tracing::warn!(error = %e, "the current database could not be backed up: its files are kept as they are");
            let kept = super::root(data_dir)
                .join(format!("damaged-{}", clock.now().format("%Y%m%d-%H%M%S")));
            std::fs::create_dir_all(&kept).map_err(io_err(&kept))?;
            for suffix in ["", "-wal", "-shm"] {
                let f = data_dir.join(format!("{DB_FILE}{suffix}"));
                if f.exists() {
                    std::fs::copy(&f, kept.join(format!("{DB_FILE}{suffix}")))
                        .map_err(io_err(&f))?;
                }
            }
            Ok(kept.display().to_string())
        }
    }
}

/// Brings the staged copy to this version, applies the erasures the current database has and
/// it lacks, keeps change numbers and versions moving forward, and checks it.
fn prepare(data_dir: &Path, staged: &Path, current: Option<&Path>) -> Result<u64> {
    let mut conn = Connection::open(staged)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // No WAL while staged: the rename must move one complete file.
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    crate::migrations::migrate(&mut conn, crate::migrations::MIGRATIONS)?;
    crate::store::seal_audit(&mut conn)?;
    let mut applied = 0;
    if let Some(current) = current {
        // The current database may be damaged: what cannot be read of it is not carried over.
        if let Ok(cur) = read_only(current) {
            applied = carry_forward(&mut conn, &cur)?;
        }
    }
    abandon_other_branch(&conn, data_dir)?;
    let problems = integrity(&conn)?;
    let mut fk = conn.prepare("PRAGMA foreign_key_check")?;
    let broken = fk.query_map([], |_| Ok(()))?.count();
    drop(fk);
    if !problems.is_empty() || broken > 0 {
        return Err(Error::plain(
            Code::BackupDamaged,
            &format!("{}; {broken} broken links", problems.join("; ")),
        ));
    }
    if applied > 0 {
        erase::scrub(&conn)?;
    }
    drop(conn);
    Ok(applied)
}

/// What the restored copy takes from the current database: every erasure made since (applied
/// again: what was erased stays erased), and its change number and version, so nothing this
/// installation numbers from now on repeats what it already sent.
fn carry_forward(conn: &mut Connection, cur: &Connection) -> Result<u64> {
    let has_erasures: bool = cur
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'erasures')",
            [],
            |r| r.get(0),
        )
        .unwrap_or(false);
    let mut markers: Vec<(WireErasure, i64)> = Vec::new();
    if has_erasures {
        let mut stmt = cur.prepare(
            "SELECT id, kind, record_id, unit, erased_at, erased_by, hlc, change_seq FROM erasures \
             ORDER BY change_seq, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                WireErasure {
                    id: r.get(0)?,
                    kind: r.get(1)?,
                    record_id: r.get(2)?,
                    unit: r.get(3)?,
                    erased_at: r.get(4)?,
                    erased_by: r.get(5)?,
                    version: r.get(6)?,
                },
                r.get(7)?,
            ))
        })?;
        markers = rows.collect::<rusqlite::Result<_>>()?;
    }
    let meta = |c: &Connection, key: &str| -> Result<Option<String>> {
        Ok(
            c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()?,
        )
    };
    let tx = conn.transaction()?;
    let mut new = Vec::new();
    for (m, seq) in &markers {
        if !erase::is_erased(&tx, &m.id)? {
            new.push((m, *seq));
        }
    }
    let applied = new.len() as u64;
    for (m, seq) in new {
        // An earlier marker's cascade may have covered it already.
        if erase::is_erased(&tx, &m.id)? {
            continue;
        }
        let stamp = Stamp {
            at: &m.erased_at,
            by: &m.erased_by,
            version: &m.version,
            seq,
            via: None,
        };
        let items = erase::what_goes(&tx, &m.kind, &m.id)?;
        erase::mark(&tx, m, &stamp)?;
        // The files went with the current database's own erasure.
        erase::erase(&tx, &items, &stamp)?;
    }
    let seq_now: i64 = meta(cur, "change_seq")?
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    tx.execute(
        "UPDATE meta SET value = CAST(max(CAST(value AS INTEGER), ?1) AS TEXT) WHERE key = 'change_seq'",
        params![seq_now],
    )?;
    if let Some(hlc) = meta(cur, "hlc_last")? {
        tx.execute(
            "UPDATE meta SET value = max(value, ?1) WHERE key = 'hlc_last'",
            params![hlc],
        )?;
    }
    tx.commit()?;
    Ok(applied)
}

/// The backups taken after the one restored recorded audit rows the restored database does
/// not have: that history was left behind, and `check` no longer looks for it.
fn abandon_other_branch(conn: &Connection, data_dir: &Path) -> Result<()> {
    let mut abandoned: Vec<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'abandoned_backups'",
            [],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    for (id, seq, hash) in super::audit_anchors(data_dir) {
        let here: Option<String> = conn
            .query_row("SELECT hash FROM audit WHERE seq = ?1", [seq], |r| r.get(0))
            .optional()?
            .flatten();
        if here.as_deref() != Some(hash.as_str()) && !abandoned.contains(&id) {
            abandoned.push(id);
        }
    }
    let json = serde_json::to_string(&abandoned).unwrap_or_else(|_| "[]".into());
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('abandoned_backups', ?1) \
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [json],
    )?;
    Ok(())
}

/// Folds the current database's WAL into it and makes sure no other process has it open:
/// after this, the file alone is the old state, and the rename replaces all of it.
fn release(current: &Path) -> Result<()> {
    {
        let conn = Connection::open(current)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    }
    let wal = current.with_file_name(format!("{DB_FILE}-wal"));
    // SQLite deletes the WAL when its last connection closes: one still there is another
    // process's, and replacing the database under it would corrupt both.
    if wal.exists() {
        return Err(Error::plain(
            Code::DatabaseInUse,
            &current.display().to_string(),
        ));
    }
    let shm = current.with_file_name(format!("{DB_FILE}-shm"));
    let _ = std::fs::remove_file(shm);
    Ok(())
}
