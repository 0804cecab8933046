//! The app's side of backups and erasure: the Backups section of Settings, restoring with
//! the store closed, the daily backup, and a person's data saved in the reports folder.

use std::path::PathBuf;
use std::sync::Arc;

use super::App;
use crate::backup::{self, BackupSettings, RestoreReport};
use crate::clock::Clock;
use crate::error::{Code, Error, Message, Result};
use crate::sheets::{self, PersonDataReport};
use crate::store::{BackupStatus, PurgeReport};

impl App {
    pub fn backup_status(&mut self) -> Result<BackupStatus> {
        self.store()?.backup_status()
    }

    /// The data folder and clock a backup needs: it runs on its own connection, outside the
    /// lock the window's other calls wait on.
    pub fn backup_target(&mut self) -> Result<(PathBuf, Arc<dyn Clock>)> {
        self.store()?;
        Ok((self.data_dir(), self.clock.clone()))
    }

    /// The warning the window shows when the last good backup is too old.
    pub(super) fn backup_warning(&self) -> Option<Message> {
        let status = self.store.as_ref()?.backup_status().ok()?;
        status.stale.then(|| {
            let last = status.last_good.as_ref().map(|b| b.created_at.as_str());
            let (vi, en) = crate::messages::backup_stale(last, backup::STALE_DAYS);
            Message { vi, en }
        })
    }

    /// Restores backup `id`: the store is closed for it and opened again after, on the
    /// restored data or, if the restore failed, on the data as it was.
    pub fn restore_backup(&mut self, id: &str) -> Result<RestoreReport> {
        let dir = self.data_dir();
        self.store()?;
        self.store = None;
        let restored = backup::restore(&dir, id, self.clock.as_ref());
        self.store = self.open_store(&dir)?;
        restored
    }

    pub fn set_backup_settings(
        &mut self,
        automatic: bool,
        mirror: Option<PathBuf>,
    ) -> Result<BackupStatus> {
        if let Some(m) = &mirror {
            if !m.is_dir() {
                return Err(Error::field_arg(
                    Code::InvalidValue,
                    "mirror",
                    &m.display().to_string(),
                ));
            }
        }
        let dir = self.data_dir();
        BackupSettings { automatic, mirror }.save(&dir)?;
        self.backup_status()
    }

    /// Writes everything stored about a person to a zip in the reports folder, and notes whose
    /// it is (by id) so that erasing the person deletes it too.
    pub fn export_person_data(&mut self, id: &str) -> Result<PersonDataReport> {
        let dir = self.reports_dir();
        std::fs::create_dir_all(&dir)?;
        // The name says what it is, not whose: a file name is read by anyone who sees the folder.
        let stamp = self.clock.now().format("%Y%m%d-%H%M%S");
        let file = dir.join(format!("du-lieu-ca-nhan-{stamp}.zip"));
        let report = sheets::write_person_data(self.store()?, id, &file)?;
        let mut index = self.person_exports();
        index.push((id.to_owned(), file.clone()));
        self.save_person_exports(&index)?;
        self.last_export = Some(file);
        Ok(report)
    }

    /// Erases for good (`Store::purge`), and deletes the personal-data exports of an erased
    /// person still in the reports folder.
    pub fn purge(&mut self, kind: &str, id: &str) -> Result<PurgeReport> {
        let report = self.store()?.purge(kind, id)?;
        let (gone, kept): (Vec<_>, Vec<_>) = self
            .person_exports()
            .into_iter()
            .partition(|(p, _)| p == id);
        for (_, file) in gone {
            let _ = std::fs::remove_file(file);
        }
        self.save_person_exports(&kept)?;
        Ok(report)
    }

    fn exports_index(&self) -> PathBuf {
        self.reports_dir().join(".du-lieu-ca-nhan.json")
    }

    fn person_exports(&self) -> Vec<(String, PathBuf)> {
        std::fs::read(self.exports_index())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn save_person_exports(&self, index: &[(String, PathBuf)]) -> Result<()> {
        let json = serde_json::to_vec(index).unwrap_or_default();
        std::fs::write(self.exports_index(), json)?;
        Ok(())
    }
}
