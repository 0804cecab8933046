//! Backup folders on disk: their settings, manifests, checks, the copy to a second folder,
//! and deleting what the retention rule lets go (with attachment files no backup needs).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{
    attachment_in, copy_checked, integrity, io_err, read_only, retention, sha256_file, sync_dir,
    BackupInfo, Manifest, Verified, FORMAT, MANIFEST, VERIFIED,
};
use crate::error::{Code, Error, Result};
use crate::store::DB_FILE;

const SETTINGS_FILE: &str = "backup-settings.json";
/// Under a second folder, backups go in `sovang-backups/<installation id>/`, so one USB stick
/// can hold several installations' backups.
const MIRROR_DIR: &str = "sovang-backups";

/// The backup settings of one data folder, kept beside its database (a restore leaves them).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupSettings {
    /// The daily backup, taken when the app starts and every hour it runs if a day has passed.
    #[serde(default = "yes")]
    pub automatic: bool,
    /// A second folder (a USB stick, another disk) that gets every backup too.
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub mirror: Option<PathBuf>,
}

fn yes() -> bool {
    true
}

impl Default for BackupSettings {
    fn default() -> Self {
        BackupSettings {
            automatic: true,
            mirror: None,
        }
    }
}

impl BackupSettings {
    pub fn load(data_dir: &Path) -> BackupSettings {
        std::fs::read(data_dir.join(SETTINGS_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, data_dir: &Path) -> Result<()> {
        write_json(&data_dir.join(SETTINGS_FILE), self)
    }

    /// This installation's folder under the second folder, when one is set.
    pub(super) fn mirror_dir(&self, installation: &str) -> Option<PathBuf> {
        let base = self.mirror.as_ref()?;
        // The id names a folder: a hand-made database's ".." or "/x" must not be one.
        if !super::is_plain_name(installation) {
            return None;
        }
        Some(base.join(MIRROR_DIR).join(installation))
    }

    /// The second folder of the installation whose data is in `data_dir`.
    pub(super) fn mirror_for(&self, data_dir: &Path) -> Option<PathBuf> {
        self.mirror.as_ref()?;
        self.mirror_dir(&installation_id(data_dir)?)
    }

    /// Every installation's folder under the second folder, this one's first: a PC set up
    /// anew (its disk replaced) finds the backups its old installation left on the stick.
    pub(crate) fn mirror_dirs(&self, data_dir: &Path) -> Vec<PathBuf> {
        let Some(base) = self.mirror.as_ref() else {
            return Vec::new();
        };
        let own = self.mirror_for(data_dir);
        let mut out: Vec<PathBuf> = own.iter().cloned().collect();
        if let Ok(entries) = std::fs::read_dir(base.join(MIRROR_DIR)) {
            let mut others: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir() && Some(p) != own.as_ref())
                .collect();
            others.sort();
            out.extend(others);
        }
        out
    }

    pub(super) fn mirrored_ids(&self, data_dir: &Path) -> BTreeSet<String> {
        self.mirror_for(data_dir)
            .map(|d| manifests(&d).into_iter().map(|m| m.id).collect())
            .unwrap_or_default()
    }
}

/// The id of the installation whose database is in `data_dir`, if it can be read.
pub(super) fn installation_id(data_dir: &Path) -> Option<String> {
    lineage(data_dir).into_iter().next()
}

/// The installation whose database is in `data_dir`, then the one it was copied from (a
/// backup restored on another PC): the backups of both are this data's own.
pub(crate) fn lineage(data_dir: &Path) -> Vec<String> {
    read_only(&data_dir.join(DB_FILE))
        .map(|conn| lineage_of(&conn))
        .unwrap_or_default()
}

/// `lineage`, read on an open connection.
pub(crate) fn lineage_of(conn: &rusqlite::Connection) -> Vec<String> {
    ["installation_id", "copied_from"]
        .iter()
        .filter_map(|key| {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
                r.get::<_, String>(0)
            })
            .ok()
        })
        .filter(|id| !id.is_empty())
        .collect()
}

/// Attachment hashes named by manifests this version cannot read whole (a newer version's,
/// say): their backups are never pruned here, and their files must not be either.
fn named_by_unreadable(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path().join(MANIFEST))
        .filter(|p| p.is_file() && p.parent().is_some_and(|d| read_manifest(d).is_err()))
        .filter_map(|p| serde_json::from_slice::<serde_json::Value>(&std::fs::read(p).ok()?).ok())
        .flat_map(|v| match v.get("attachments") {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

/// Writes JSON through a temporary file, synced, then renamed over the name.
pub(super) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
    let tmp = path.with_extension("json.part");
    std::fs::write(&tmp, &bytes).map_err(io_err(&tmp))?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

pub(super) fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let bytes = std::fs::read(&path).map_err(io_err(&path))?;
    let m: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| Error::plain(Code::BackupDamaged, &e.to_string()))?;
    // Hashes name files under the backup and the data folder: only a hash may be one.
    let hashes_ok = m
        .attachments
        .iter()
        .chain(&m.missing_attachments)
        .all(|s| crate::sync::bundle::is_hex64(s));
    if m.format != FORMAT || dir.file_name().is_none_or(|n| *n != *m.id) || !hashes_ok {
        return Err(Error::plain(
            Code::BackupDamaged,
            &path.display().to_string(),
        ));
    }
    Ok(m)
}

/// The finished backups in a folder (a folder still being written has no manifest yet).
pub(super) fn manifests(root: &Path) -> Vec<Manifest> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut out: Vec<Manifest> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && name != "attachments" && e.path().is_dir()
        })
        .filter_map(|e| read_manifest(&e.path()).ok())
        .collect();
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    out
}

pub(super) fn info(root: &Path, m: &Manifest, mirrored: bool) -> BackupInfo {
    let verified = std::fs::read(root.join(&m.id).join(VERIFIED))
        .ok()
        .and_then(|b| serde_json::from_slice::<Verified>(&b).ok());
    BackupInfo {
        id: m.id.clone(),
        created_at: m.created_at.clone(),
        reason: m.reason,
        records: m.records,
        attachments: m.attachments.len() as u64,
        bytes: m.db_size,
        mirrored,
        erased_since: 0,
        verified,
        change_seq: m.change_seq,
        installation: m.installation.clone(),
    }
}

/// Everything wrong with backup `m` in `root`; empty when it is whole.
pub(super) fn check(root: &Path, m: &Manifest) -> Vec<String> {
    let mut problems = Vec::new();
    let db = root.join(&m.id).join(DB_FILE);
    match sha256_file(&db) {
        Ok((sha, size)) if sha == m.db_sha256 && size == m.db_size => {
            match read_only(&db).and_then(|c| integrity(&c)) {
                Ok(p) => problems.extend(p),
                Err(e) => problems.push(e.message.en),
            }
        }
        Ok(_) => problems.push(format!(
            "{DB_FILE}: its content changed since it was written"
        )),
        Err(e) => problems.push(e.message.en),
    }
    for sha in &m.attachments {
        let file = attachment_in(root, sha);
        match sha256_file(&file) {
            Ok((got, _)) if got == *sha => {}
            Ok(_) => {
                problems.push(format!("attachment {sha}: its content changed"));
                // Backups share files by content: dropped, the next backup copies it afresh
                // instead of naming the damaged one again.
                let _ = std::fs::remove_file(&file);
            }
            Err(_) => problems.push(format!("attachment {sha}: missing")),
        }
    }
    problems
}

/// Copies backup `m` from `from` to `to` (its attachments first, then the database and the
/// manifest last, through a temporary folder), checking every hash on the way.
pub(super) fn copy_backup(from: &Path, to: &Path, m: &Manifest) -> Result<()> {
    std::fs::create_dir_all(to).map_err(io_err(to))?;
    if to.join(&m.id).join(MANIFEST).exists() {
        return Ok(());
    }
    for sha in &m.attachments {
        let target = attachment_in(to, sha);
        if !super::kept_whole(&target, &attachment_in(from, sha), sha) {
            copy_checked(&attachment_in(from, sha), &target, sha)?;
        }
    }
    let partial = to.join(format!(".partial-{}", m.id));
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).map_err(io_err(&partial))?;
    let result = (|| {
        copy_checked(
            &from.join(&m.id).join(DB_FILE),
            &partial.join(DB_FILE),
            &m.db_sha256,
        )?;
        write_json(&partial.join(MANIFEST), m)?;
        std::fs::rename(&partial, to.join(&m.id)).map_err(io_err(to))
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&partial);
    }
    sync_dir(to);
    result
}

/// Copies the erasure log (see `store::erase::LOG_FILE`) beside the backups in `to`, so a
/// restore from there applies the erasures made since even when this PC is lost.
pub(super) fn copy_log(data_dir: &Path, to: &Path) -> Result<()> {
    let log = data_dir.join(crate::store::erase::LOG_FILE);
    if !log.exists() {
        return Ok(());
    }
    // A name of its own: a purge and a backup may copy the log at the same moment.
    let tmp = to.join(format!(
        "{}.{}.part",
        crate::store::erase::LOG_FILE,
        uuid::Uuid::now_v7()
    ));
    let copied = std::fs::copy(&log, &tmp)
        .and_then(|_| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, to.join(crate::store::erase::LOG_FILE)));
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(to)(e));
    }
    sync_dir(to);
    Ok(())
}

/// Copies the erasure log to this installation's second folder, if one is set and there.
pub(crate) fn mirror_log(data_dir: &Path) {
    let Some(dir) = BackupSettings::load(data_dir).mirror_for(data_dir) else {
        return;
    };
    if dir.is_dir() {
        if let Err(e) = copy_log(data_dir, &dir) {
            tracing::warn!(error = %e.message.en, "the erasure log was not copied to the second folder");
        }
    }
}

/// Deletes the backups the retention rule lets go (never those in `keep`), then attachment files no
/// backup left names, and folders a killed backup left half-written. Returns the deleted
/// backups' ids. The caller holds the folder's lock.
pub(super) fn prune(root: &Path, keep: &[&str]) -> Result<Vec<String>> {
    let all = manifests(root);
    let dated: Vec<retention::Dated> = all
        .iter()
        .filter_map(|m| {
            let at = chrono::DateTime::parse_from_rfc3339(&m.created_at).ok()?;
            Some(retention::Dated {
                id: &m.id,
                at: at.to_utc(),
                reason: m.reason,
            })
        })
        .collect();
    let mut gone = retention::to_delete(&dated);
    for k in keep {
        gone.remove(*k);
    }
    for id in &gone {
        let dir = root.join(id);
        // The manifest first: a deletion cut short leaves no half backup that looks whole.
        let _ = std::fs::remove_file(dir.join(MANIFEST));
        let _ = std::fs::remove_dir_all(&dir);
    }
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with(".partial-") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let mut needed: BTreeSet<String> = all
        .iter()
        .filter(|m| !gone.contains(&m.id))
        .flat_map(|m| m.attachments.iter().cloned())
        .collect();
    needed.extend(named_by_unreadable(root));
    if let Ok(prefixes) = std::fs::read_dir(root.join("attachments")) {
        for p in prefixes.flatten() {
            let Ok(files) = std::fs::read_dir(p.path()) else {
                continue;
            };
            for f in files.flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                if !needed.contains(&name) {
                    let _ = std::fs::remove_file(f.path());
                }
            }
        }
    }
    Ok(gone.into_iter().collect())
}
