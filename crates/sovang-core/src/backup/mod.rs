//! Backups of one data folder. Each backup is a folder `backups/<id>/` holding a copy of the
//! database made by SQLite's online backup API (one read transaction: a snapshot, while the
//! app keeps writing) and `backup.json`, written last, which lists what the copy holds. The
//! attachments are kept once per content beside them (`backups/attachments/`), so a backup
//! copies only files it has not seen. Every backup is checked as it is written and can be
//! checked again (`verify`). A second folder (a USB stick) gets the same backups. Old ones are
//! deleted by `retention`. `restore` puts one back.

mod folder;
mod restore;
pub mod retention;

pub use folder::BackupSettings;
pub(crate) use folder::{lineage_of, mirror_log};
pub use restore::{recover, restore, RestoreReport, RESTORE_LOCK};

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::clock::{stamp, Clock};
use crate::error::{Code, Error, Result};
use crate::store::DB_FILE;

pub const BACKUPS_DIR: &str = "backups";
const MANIFEST: &str = "backup.json";
const VERIFIED: &str = "verified.json";
const FORMAT: &str = "sovang-backup";
/// A backup older than this is shown as a warning in the window.
pub const STALE_DAYS: i64 = 7;

/// Why a backup was taken.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Daily,
    Manual,
    BeforeImport,
    BeforeSheet,
    BeforeMigration,
    BeforeRestore,
}

impl Reason {
    fn slug(self) -> &'static str {
        match self {
            Reason::Daily => "daily",
            Reason::Manual => "manual",
            Reason::BeforeImport => "before-import",
            Reason::BeforeSheet => "before-sheet",
            Reason::BeforeMigration => "before-migration",
            Reason::BeforeRestore => "before-restore",
        }
    }

    pub fn parse(s: &str) -> Result<Reason> {
        serde_json::from_value(serde_json::Value::String(s.replace('-', "_")))
            .map_err(|_| Error::field_arg(Code::InvalidValue, "reason", s))
    }
}

/// The audit trail's last row when the backup was taken: `check` finds it still there.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditHead {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    pub hash: String,
}

/// `backup.json`: what one backup holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub id: String,
    pub created_at: String,
    pub reason: Reason,
    pub installation: String,
    pub unit: String,
    pub schema_version: i64,
    pub db_size: u64,
    pub db_sha256: String,
    /// Live records of every kind, the reference units aside.
    pub records: u64,
    /// The content hashes of the attachments in use, kept in `attachments/`.
    pub attachments: Vec<String>,
    /// Attachments the database names whose file was missing from the data folder.
    #[serde(default)]
    pub missing_attachments: Vec<String>,
    /// The change number the copy had reached: erasures after it were made since.
    pub change_seq: i64,
    pub audit_head: Option<AuditHead>,
}

/// A backup as the window and `sovang backup list` show it.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct BackupInfo {
    pub id: String,
    pub created_at: String,
    pub reason: Reason,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub attachments: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// Also in the second folder.
    pub mirrored: bool,
    /// Erasures made since it was taken: restoring it applies them again.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub erased_since: u64,
    /// The last check after it was written, if any: when, and whether it held.
    pub verified: Option<Verified>,
    /// The change number it had reached (erasures after it were made since).
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub change_seq: i64,
    /// The installation whose data it holds.
    #[serde(skip)]
    #[cfg_attr(feature = "ts", ts(skip))]
    pub installation: String,
}

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verified {
    pub at: String,
    pub ok: bool,
}

/// What `verify` found.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub id: String,
    pub ok: bool,
    pub problems: Vec<String>,
    /// Whether the copy in the second folder was checked too, and held.
    pub mirror: Option<bool>,
}

/// A backup just written.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub backup: BackupInfo,
    /// The second folder: `None` when there is none; else whether the copy got there.
    pub mirror: Option<std::result::Result<(), crate::error::Message>>,
    /// Older backups deleted by the retention rule.
    pub pruned: Vec<String>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub millis: u64,
}

pub fn root(data_dir: &Path) -> PathBuf {
    data_dir.join(BACKUPS_DIR)
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(None, &path.display().to_string(), &e)
}

fn read_only(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

fn sha256_file(path: &Path) -> Result<(String, u64)> {
    use sha2::{Digest, Sha256};
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h).map_err(io_err(path))?;
    Ok((hex::encode(h.finalize()), n))
}

/// SQLite's own full check of a database file: every problem it reports.
fn integrity(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for r in rows {
        let r = r?;
        if r != "ok" {
            out.push(r);
        }
    }
    Ok(out)
}

/// What a copy of the database holds, read from the copy.
struct Described {
    records: u64,
    shas: Vec<String>,
    change_seq: i64,
    audit_head: Option<AuditHead>,
    installation: String,
    unit: String,
}

fn describe(conn: &Connection) -> Result<Described> {
    let meta = |key: &str| -> Result<String> {
        Ok(conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?
            .unwrap_or_default())
    };
    let mut records = 0u64;
    for kind in crate::records::Kind::ALL {
        // Reference data (the official units, identical everywhere) is not counted.
        let sql = format!(
            "SELECT count(*) FROM {} WHERE deleted_at IS NULL AND hlc != '{}'",
            kind.table(),
            crate::sync::REFERENCE_VERSION
        );
        // A database from before a kind existed (a backup before a migration) lacks its table.
        records += conn
            .query_row(&sql, [], |r| r.get::<_, u64>(0))
            .unwrap_or(0);
    }
    let mut stmt = conn.prepare(
        "SELECT DISTINCT sha256 FROM attachments WHERE deleted_at IS NULL ORDER BY sha256",
    )?;
    let shas = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let audit_head = conn
        .query_row(
            "SELECT seq, hash FROM audit WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                Ok(AuditHead {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                })
            },
        )
        .optional()
        .unwrap_or(None);
    Ok(Described {
        records,
        shas,
        change_seq: meta("change_seq")?.parse().unwrap_or(0),
        audit_head,
        installation: meta("installation_id")?,
        unit: meta("unit")?,
    })
}

/// Copies `from` to `to` through a temporary file, checking its content hash on the way.
fn copy_checked(from: &Path, to: &Path, sha: &str) -> Result<()> {
    use sha2::{Digest, Sha256};
    use std::io::Write;
    let dir = to.parent().unwrap_or(to);
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let tmp = to.with_extension("part");
    let result = (|| -> Result<bool> {
        let mut src = std::fs::File::open(from).map_err(io_err(from))?;
        let mut out = std::fs::File::create(&tmp).map_err(io_err(&tmp))?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = std::io::Read::read(&mut src, &mut buf).map_err(io_err(from))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(io_err(&tmp))?;
        }
        out.sync_all().map_err(io_err(&tmp))?;
        Ok(hex::encode(h.finalize()) == sha)
    })();
    match result {
        Ok(true) => std::fs::rename(&tmp, to).map_err(io_err(to)),
        Ok(false) => {
            let _ = std::fs::remove_file(&tmp);
            Err(Error::plain(
                Code::BackupDamaged,
                &from.display().to_string(),
            ))
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn attachment_in(root: &Path, sha: &str) -> PathBuf {
    crate::store::attachment_file(root, sha)
}

/// Whether the copy `kept` of content `sha` can stand for `source`: there with its size, or,
/// when the sizes differ, still holding its content (the source is what was damaged then).
/// A truncated copy is made again; a changed one of the same size is found by `verify`.
fn kept_whole(kept: &Path, source: &Path, sha: &str) -> bool {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).ok();
    match (size(kept), size(source)) {
        (Some(k), Some(s)) if k == s => true,
        (Some(_), Some(_)) => sha256_file(kept).is_ok_and(|(got, _)| got == sha),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Waits for the lock of the backups folder `root`. One backup at a time per folder (the
/// app's daily one, an import's, the CLI's): pruning must never see another's half-written
/// folder or files as unused, nor a check drop a file another has just copied afresh.
fn lock_folder(root: &Path) -> Result<std::fs::File> {
    std::fs::create_dir_all(root).map_err(io_err(root))?;
    let path = root.join(".lock");
    let lock = open_lock_file(&path).map_err(io_err(&path))?;
    lock.lock().map_err(io_err(&path))?;
    Ok(lock)
}

/// Opens (or makes) a file that is only a name to lock. Never truncated: another process may
/// hold it.
fn open_lock_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(path)
}

/// Whether `name` is what this module makes of an id (letters, digits, dashes): a folder
/// name, never a path.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// Makes sure a directory's new entries survive a power cut.
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Takes a backup of the data folder `data_dir` now, on its own connection (the caller's may
/// keep working), checks it, copies it to the second folder if one is set, and applies the
/// retention rule.
pub fn create(data_dir: &Path, reason: Reason, clock: &dyn Clock) -> Result<Created> {
    create_keeping(data_dir, reason, clock, None)
}

/// `create`, with a backup the retention rule must keep this time (the one being restored).
pub(crate) fn create_keeping(
    data_dir: &Path,
    reason: Reason,
    clock: &dyn Clock,
    keep: Option<&str>,
) -> Result<Created> {
    let started = std::time::Instant::now();
    let db = data_dir.join(DB_FILE);
    if !db.exists() {
        return Err(Error::plain(
            Code::NotInitialized,
            &data_dir.display().to_string(),
        ));
    }
    let now = clock.now();
    let root = root(data_dir);
    let lock = lock_folder(&root)?;
    let mut id = format!("{}-{}", now.format("%Y%m%d-%H%M%S-%3f"), reason.slug());
    while root.join(&id).exists() {
        id.push('b');
    }
    let partial = root.join(format!(".partial-{id}"));
    std::fs::create_dir_all(&partial).map_err(io_err(&partial))?;
    let result = write(data_dir, &db, &partial, &id, reason, now);
    let manifest = match result {
        Ok(m) => m,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(e);
        }
    };
    let done = root.join(&id);
    std::fs::rename(&partial, &done).map_err(io_err(&done))?;
    sync_dir(&root);
    // Never the backup just written, whatever its date says (a clock set back years ranks it
    // oldest), nor the one being restored.
    let kept: Vec<&str> = std::iter::once(id.as_str()).chain(keep).collect();
    let settings = BackupSettings::load(data_dir);
    let mirror = settings.mirror_dir(&manifest.installation).map(|dir| {
        folder::copy_backup(&root, &dir, &manifest)
            .and_then(|()| folder::copy_log(data_dir, &dir))
            .and_then(|()| folder::prune(&dir, &kept).map(|_| ()))
            .map_err(|e| e.message)
    });
    let pruned = folder::prune(&root, &kept)?;
    drop(lock);
    let info = folder::info(&root, &manifest, mirror.as_ref().is_some_and(|m| m.is_ok()));
    tracing::info!(id = %manifest.id, records = manifest.records, "backup written");
    Ok(Created {
        backup: info,
        mirror,
        pruned,
        millis: started.elapsed().as_millis() as u64,
    })
}

/// Writes the copy, its attachments and its manifest into `partial`.
fn write(
    data_dir: &Path,
    db: &Path,
    partial: &Path,
    id: &str,
    reason: Reason,
    now: DateTime<Utc>,
) -> Result<Manifest> {
    let copy = partial.join(DB_FILE);
    {
        let src = read_only(db)?;
        let mut dst = Connection::open(&copy)?;
        let backup = rusqlite::backup::Backup::new(&src, &mut dst)?;
        // All pages in one step: one read transaction, so the copy is one moment's state
        // (in steps, a write by the app in between would start the copy over).
        let mut waits = 0;
        loop {
            use rusqlite::backup::StepResult;
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                // A writer holding the lock past the busy timeout, 20 times: give up.
                _ if waits == 20 => return Err(Error::plain(Code::DatabaseInUse, "backup")),
                _ => {
                    waits += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            }
        }
        drop(backup);
        // One file that stands alone: reading it later (a check, a stick write-protected)
        // makes no WAL beside it.
        dst.pragma_update(None, "journal_mode", "DELETE")?;
    }
    let conn = read_only(&copy)?;
    let problems = integrity(&conn)?;
    if !problems.is_empty() {
        return Err(Error::plain(Code::BackupDamaged, &problems.join("; ")));
    }
    let schema_version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let Described {
        records,
        shas,
        change_seq,
        audit_head,
        installation,
        unit,
    } = describe(&conn)?;
    drop(conn);
    let root = partial.parent().unwrap_or(partial);
    let mut attachments = Vec::new();
    let mut missing = Vec::new();
    for sha in shas {
        let kept = attachment_in(root, &sha);
        let source = crate::store::attachment_file(data_dir, &sha);
        if !kept_whole(&kept, &source, &sha) {
            if !source.exists() {
                missing.push(sha);
                continue;
            }
            copy_checked(&source, &kept, &sha)?;
        }
        attachments.push(sha);
    }
    let (db_sha256, db_size) = sha256_file(&copy)?;
    std::fs::File::open(&copy)
        .and_then(|f| f.sync_all())
        .map_err(io_err(&copy))?;
    let manifest = Manifest {
        format: FORMAT.into(),
        id: id.to_owned(),
        created_at: stamp(now),
        reason,
        installation,
        unit,
        schema_version,
        db_size,
        db_sha256,
        records,
        attachments,
        missing_attachments: missing,
        change_seq,
        audit_head,
    };
    folder::write_json(&partial.join(MANIFEST), &manifest)?;
    Ok(manifest)
}

/// Every backup of the data folder (and its second folder), newest first.
pub fn list(data_dir: &Path) -> Vec<BackupInfo> {
    let root = root(data_dir);
    let mirrored = BackupSettings::load(data_dir).mirrored_ids(data_dir);
    let mut out: Vec<BackupInfo> = folder::manifests(&root)
        .into_iter()
        .map(|m| folder::info(&root, &m, mirrored.contains(&m.id)))
        .collect();
    // Backups only the second folder still holds (this PC's were lost, or this installation
    // was set up anew and the stick holds the old one's).
    for dir in BackupSettings::load(data_dir).mirror_dirs(data_dir) {
        for m in folder::manifests(&dir) {
            if !out.iter().any(|b| b.id == m.id) {
                out.push(folder::info(&dir, &m, true));
            }
        }
    }
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    out
}

/// Where backup `id` is: this PC's folder first, else the second folder.
pub(crate) fn find(data_dir: &Path, id: &str) -> Result<(PathBuf, Manifest)> {
    copies(data_dir, id)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::plain(Code::BackupNotFound, id))
}

/// Every copy of backup `id`: this PC's first, then the second folder's. An id that is not
/// one `create` makes (it starts with the date) names none.
fn copies(data_dir: &Path, id: &str) -> Result<Vec<(PathBuf, Manifest)>> {
    if !is_plain_name(id) || !id.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(Error::plain(Code::BackupNotFound, id));
    }
    let mut places = vec![root(data_dir)];
    places.extend(BackupSettings::load(data_dir).mirror_dirs(data_dir));
    Ok(places
        .into_iter()
        .filter_map(|dir| {
            let m = folder::read_manifest(&dir.join(id)).ok()?;
            Some((dir, m))
        })
        .collect())
}

/// The first whole copy of backup `id` (a damaged one on this PC, a good one on the stick:
/// the stick's), or what is wrong with the first.
pub(crate) fn find_whole(data_dir: &Path, id: &str) -> Result<(PathBuf, Manifest)> {
    let _lock = lock_folder(&root(data_dir))?;
    let mut first_problems = None;
    for (dir, m) in copies(data_dir, id)? {
        let problems = folder::check(&dir, &m);
        if problems.is_empty() {
            return Ok((dir, m));
        }
        first_problems.get_or_insert(problems);
    }
    Err(match first_problems {
        Some(problems) => Error::plain(Code::BackupDamaged, &problems.join("; ")),
        None => Error::plain(Code::BackupNotFound, id),
    })
}

/// Checks a backup again: the copy's hash and SQLite's integrity check, and every attachment
/// it needs by its content hash. The result is remembered beside it.
pub fn verify(data_dir: &Path, id: &str, clock: &dyn Clock) -> Result<VerifyReport> {
    let (dir, manifest) = find(data_dir, id)?;
    let _lock = lock_folder(&root(data_dir))?;
    let problems = folder::check(&dir, &manifest);
    let ok = problems.is_empty();
    let _ = folder::write_json(
        &dir.join(id).join(VERIFIED),
        &Verified {
            at: stamp(clock.now()),
            ok,
        },
    );
    let mirror = BackupSettings::load(data_dir)
        .mirror_for(data_dir)
        .filter(|m| *m != dir && m.join(id).join(MANIFEST).exists())
        .map(|m| folder::check(&m, &manifest).is_empty());
    Ok(VerifyReport {
        id: id.to_owned(),
        ok,
        problems,
        mirror,
    })
}

/// The audit rows each backup of this folder recorded as the last: (backup, row, hash).
pub fn audit_anchors(data_dir: &Path) -> Vec<(String, i64, String)> {
    folder::manifests(&root(data_dir))
        .into_iter()
        .filter_map(|m| m.audit_head.map(|h| (m.id, h.seq, h.hash)))
        .collect()
}

/// The newest backup this installation can count on: its own or the one it was copied from
/// (`own`; not another PC's on a shared stick), good when written and when last checked, and
/// not dated ahead of `now` (taken while the clock was wrong).
pub fn last_good<'a>(
    backups: &'a [BackupInfo],
    own: &[String],
    now: DateTime<Utc>,
) -> Option<&'a BackupInfo> {
    backups.iter().find(|b| {
        own.contains(&b.installation)
            && b.verified.as_ref().is_none_or(|v| v.ok)
            && DateTime::parse_from_rfc3339(&b.created_at).is_ok_and(|at| age_secs(at, now) >= 0)
    })
}

/// Whether the last good backup is older than `STALE_DAYS`; with none, whether the data is
/// (`since`: when it was set up), so a new installation is not warned before its first day.
pub fn is_stale(last: Option<&BackupInfo>, since: Option<&str>, now: DateTime<Utc>) -> bool {
    let from = last.map(|b| b.created_at.as_str()).or(since);
    from.and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .is_none_or(|at| !(0..=STALE_DAYS * 86_400).contains(&age_secs(at, now)))
}

/// Seconds since `at`; negative for a time ahead (a clock that was wrong when it was written):
/// such a backup counts as neither recent nor good enough to silence the warning.
fn age_secs(at: DateTime<chrono::FixedOffset>, now: DateTime<Utc>) -> i64 {
    now.signed_duration_since(at).num_seconds()
}

/// Takes the daily backup if automatic backups are on and none was taken in the last day.
pub fn daily_if_due(data_dir: &Path, clock: &dyn Clock) -> Result<Option<Created>> {
    if !BackupSettings::load(data_dir).automatic {
        return Ok(None);
    }
    let now = clock.now();
    let own = folder::lineage(data_dir);
    let recent = list(data_dir).into_iter().any(|b| {
        own.contains(&b.installation)
            && matches!(b.reason, Reason::Daily | Reason::Manual)
            && DateTime::parse_from_rfc3339(&b.created_at)
                .is_ok_and(|at| (0..24 * 3600).contains(&age_secs(at, now)))
    });
    if recent {
        return Ok(None);
    }
    create(data_dir, Reason::Daily, clock).map(Some)
}
