//! The store's side of backups (see `crate::backup`): taken on its data folder, listed with
//! the erasures made since each.

use super::Store;
use crate::backup::{self, BackupInfo, BackupSettings, Created, Reason, VerifyReport};
use crate::error::Result;

/// What the Backups section of Settings shows.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, serde::Serialize)]
pub struct BackupStatus {
    pub settings: BackupSettings,
    /// The newest backup that was good when written (and when last checked).
    pub last_good: Option<BackupInfo>,
    /// The last good backup is older than `backup::STALE_DAYS` days, or there is none.
    pub stale: bool,
    pub backups: Vec<BackupInfo>,
    /// Where backups are kept on this PC.
    pub folder: String,
}

impl Store {
    /// Takes a backup now, on a connection of its own.
    pub fn backup(&self, reason: Reason) -> Result<Created> {
        backup::create(self.data_dir(), reason, self.clock.as_ref())
    }

    /// Every backup, newest first, each with the erasures made after it.
    pub fn backups(&self) -> Result<Vec<BackupInfo>> {
        let mut list = backup::list(self.data_dir());
        let mut stmt = self
            .conn
            .prepare_cached("SELECT count(*) FROM erasures WHERE change_seq > ?1")?;
        for b in &mut list {
            b.erased_since = stmt.query_row([b.change_seq], |r| r.get(0))?;
        }
        Ok(list)
    }

    pub fn backup_status(&self) -> Result<BackupStatus> {
        let backups = self.backups()?;
        let own = backup::lineage_of(&self.conn);
        let last_good = backup::last_good(&backups, &own, self.clock.now()).cloned();
        Ok(BackupStatus {
            settings: BackupSettings::load(self.data_dir()),
            stale: backup::is_stale(
                last_good.as_ref(),
                super::get_meta(&self.conn, "created_at")?.as_deref(),
                self.clock.now(),
            ),
            last_good,
            backups,
            folder: backup::root(self.data_dir()).display().to_string(),
        })
    }

    pub fn verify_backup(&self, id: &str) -> Result<VerifyReport> {
        backup::verify(self.data_dir(), id, self.clock.as_ref())
    }
}
