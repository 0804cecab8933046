//! Putting a backup back. The backup is checked first; the current state is backed up; the
//! copy is staged beside the database as `sovang.db.restoring`, brought up to this version,
//! given the erasures made since and checked; only then does one rename put it in place.
//! A restore stopped at any point leaves the old database or the new one: before the rename
//! the old one is untouched (`recover` deletes a staged copy left behind), after it the new
//! one is complete.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{attachment_in, find_whole, integrity, io_err, read_only, sync_dir, Reason};
use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::records::Kind;
use crate::store::erase::{self, Stamp, WireErasure, ATTACHMENT_KIND};
use crate::store::DB_FILE;

const STAGED: &str = "sovang.db.restoring";
/// Held by a restore from start to end: a second restore, or a store opening the database,
/// waits for no half-swapped state and deletes no other process's staged copy.
pub const RESTORE_LOCK: &str = ".restore.lock";

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

/// How a process takes the restore lock: a restore alone, or one of any number of processes
/// opening the database (which only wait for no restore to be under way).
#[derive(Clone, Copy)]
enum Holder {
    Restore,
    Opening,
}

/// Takes the restore lock of `data_dir`, or says a restore is under way there. A folder the
/// lock cannot be made in (read-only) has no restore under way either: `None`.
fn restore_lock(data_dir: &Path, holder: Holder) -> Result<Option<std::fs::File>> {
    use std::io::ErrorKind;
    let path = data_dir.join(RESTORE_LOCK);
    let file = match super::open_lock_file(&path) {
        Ok(f) => f,
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(io_err(&path)(e)),
    };
    let taken = match holder {
        Holder::Restore => file.try_lock(),
        Holder::Opening => file.try_lock_shared(),
    };
    match taken {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::plain(
            Code::DatabaseInUse,
            &data_dir.join(DB_FILE).display().to_string(),
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(io_err(&path)(e)),
    }
}

/// Deletes what a restore stopped before its rename left: the old database stays as it was.
/// While another process restores, refuses (`database_in_use`) and touches nothing.
pub fn recover(data_dir: &Path) -> Result<()> {
    let _lock = restore_lock(data_dir, Holder::Opening)?;
    clear_staged(data_dir);
    Ok(())
}

fn clear_staged(data_dir: &Path) {
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
    let _lock = restore_lock(data_dir, Holder::Restore)?;
    step("verify");
    let (dir, manifest) = find_whole(data_dir, id)?;
    // A newer version's backup is refused before anything is backed up or pruned.
    let known = crate::migrations::MIGRATIONS.len() as i64;
    if manifest.schema_version > known {
        return Err(Error::plain(
            Code::SchemaTooNew,
            &manifest.schema_version.to_string(),
        ));
    }
    clear_staged(data_dir);
    let current = data_dir.join(DB_FILE);
    step("safety");
    let safety_backup = match current.exists() {
        true => Some(safety(data_dir, id, clock)?),
        false => None,
    };
    step("stage");
    let staged = data_dir.join(STAGED);
    let result = (|| {
        std::fs::copy(dir.join(id).join(DB_FILE), &staged).map_err(io_err(&staged))?;
        step("prepare");
        let applied = prepare(
            data_dir,
            (&dir, &manifest.installation),
            &staged,
            current.exists().then_some(current.as_path()),
        )?;
        step("attachments");
        // Only what the restored records use: an erased person's photo stays erased.
        let described = super::describe(&read_only(&staged)?)?;
        for sha in described
            .shas
            .iter()
            .filter(|s| manifest.attachments.contains(s))
        {
            let target = crate::store::attachment_file(data_dir, sha);
            let kept = attachment_in(&dir, sha);
            // Missing here, or cut short: the backup's copy puts it right.
            if !super::kept_whole(&target, &kept, sha) {
                super::copy_checked(&kept, &target, sha)?;
            }
        }
        step("swap");
        if current.exists() {
            release(&current)?;
        }
        Ok((applied, described.records))
    })();
    let (erasures_applied, records) = match result {
        Ok(n) => n,
        Err(e) => {
            clear_staged(data_dir);
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
        records,
        millis: started.elapsed().as_millis() as u64,
    })
}

/// Backs up the state a restore replaces. A database too damaged to back up is kept as its
/// raw files instead, so the restore can still go on.
fn safety(data_dir: &Path, restoring: &str, clock: &dyn Clock) -> Result<String> {
    // The retention rule that runs after it must not take the backup being restored.
    match super::create_keeping(data_dir, Reason::BeforeRestore, clock, Some(restoring)) {
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
fn prepare(
    data_dir: &Path,
    from: (&Path, &str),
    staged: &Path,
    current: Option<&Path>,
) -> Result<u64> {
    let mut conn = Connection::open(staged)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // No WAL while staged: the rename must move one complete file.
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    crate::migrations::migrate(&mut conn, crate::migrations::MIGRATIONS)?;
    crate::store::seal_audit(&mut conn)?;
    // The current database may be damaged: what cannot be read of it is not carried over.
    let cur = current.and_then(|c| read_only(c).ok());
    let markers = known_erasures(data_dir, from, cur.as_ref());
    let applied = carry_forward(&mut conn, &markers, cur.as_ref())?;
    drop(cur);
    abandon_other_branch(&conn, data_dir)?;
    let mut problems = integrity(&conn)?;
    // Hashes name files: a copy made by hand could name a path, or text that is no hash.
    let bad_hashes: i64 = conn.query_row(
        "SELECT count(*) FROM attachments WHERE length(sha256) != 64 OR sha256 GLOB '*[^0-9a-f]*'",
        [],
        |r| r.get(0),
    )?;
    if bad_hashes > 0 {
        problems.push(format!("{bad_hashes} attachments named by no content hash"));
    }
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

/// Every erasure known here: the current database's (if it can be read), the erasure log
/// beside it, the second folder's copies of it (this installation's, the one it was copied
/// from, and the one that wrote the backup restored, `from`: its folder and id). A lost or
/// damaged database does not bring back what was erased. Other installations' logs on a
/// shared stick are not read: they are nobody's word here. Markers of a kind this version
/// does not know are left.
fn known_erasures(
    data_dir: &Path,
    from: (&Path, &str),
    current: Option<&Connection>,
) -> Vec<WireErasure> {
    let mut all = Vec::new();
    if let Some(cur) = current {
        all.extend(erase::markers_between(cur, i64::MIN, i64::MAX).unwrap_or_default());
    }
    let mut logs = vec![data_dir.join(erase::LOG_FILE), from.0.join(erase::LOG_FILE)];
    let settings = super::BackupSettings::load(data_dir);
    let mut ids = super::folder::lineage(data_dir);
    ids.push(from.1.to_owned());
    logs.extend(
        ids.iter()
            .filter_map(|id| settings.mirror_dir(id))
            .map(|d| d.join(erase::LOG_FILE)),
    );
    logs.sort();
    logs.dedup();
    for log in logs {
        all.extend(erase::read_log(&log));
    }
    all.retain(|m| m.kind == ATTACHMENT_KIND || Kind::parse(&m.kind).is_ok());
    erase::people_first(&mut all);
    all
}

/// What the restored copy takes from the current state: every erasure made since (applied
/// again: what was erased stays erased), and the current database's change number and
/// version, so nothing this installation numbers from now on repeats what it already sent.
/// What cannot be read of a damaged current database is left.
fn carry_forward(
    conn: &mut Connection,
    markers: &[WireErasure],
    cur: Option<&Connection>,
) -> Result<u64> {
    let meta = |c: &Connection, key: &str| -> Option<String> {
        c.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .ok()
    };
    let tx = conn.transaction()?;
    let restored_seq: i64 = tx.query_row(
        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_seq'",
        [],
        |r| r.get(0),
    )?;
    let seq_now: i64 = cur
        .and_then(|c| meta(c, "change_seq"))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // Erasures applied again are a change made now: numbered past everything either database
    // has sent, so the next bundle carries them to units that had not heard of them.
    let seq = restored_seq.max(seq_now) + 1;
    let mut missing = Vec::new();
    for m in markers {
        if !erase::has_marker(&tx, &m.id, &m.unit)? && !missing.contains(&m) {
            missing.push(m);
        }
    }
    let applied = missing.len() as u64;
    for m in missing {
        // An earlier marker's cascade may have taken it along already.
        if erase::has_marker(&tx, &m.id, &m.unit)? {
            continue;
        }
        let stamp = Stamp {
            at: &m.erased_at,
            by: &m.erased_by,
            version: &m.version,
            seq,
            via: None,
        };
        // The files went with the erasure where it was first applied.
        let items = erase::what_goes(&tx, &m.kind, &m.id)?;
        erase::mark(&tx, m, &stamp)?;
        erase::erase(&tx, &items, &stamp)?;
    }
    let last = if applied > 0 { seq } else { seq_now };
    tx.execute(
        "UPDATE meta SET value = CAST(max(CAST(value AS INTEGER), ?1) AS TEXT) WHERE key = 'change_seq'",
        params![last],
    )?;
    if let Some(cur) = cur {
        if let Some(hlc) = meta(cur, "hlc_last") {
            tx.execute(
                "UPDATE meta SET value = max(value, ?1) WHERE key = 'hlc_last'",
                params![hlc],
            )?;
        }
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
    let folded = Connection::open(current).and_then(|conn| {
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
    });
    match folded {
        Ok(()) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ) =>
        {
            return Err(Error::plain(
                Code::DatabaseInUse,
                &current.display().to_string(),
            ));
        }
        // A database too damaged to read is what the restore replaces (the safety step kept
        // its files aside). SQLite drops a WAL it cannot use when that connection closes, so a
        // WAL still there below is another process's.
        Err(e) => {
            tracing::warn!(error = %e, "the current database could not be opened to fold its WAL")
        }
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
