//! Backups and erasure: each command a thin call into `sovang_core`. A backup runs on its own
//! connection outside the app's lock, so the window keeps answering while it is taken; the
//! daily one is started here, on a timer.

use std::sync::Mutex;
use std::time::Duration;

use sovang_core::backup::{self, Created, Reason, RestoreReport, VerifyReport};
use sovang_core::sheets::PersonDataReport;
use sovang_core::store::{BackupStatus, DetachedAttachment, PurgeReport};
use sovang_core::{Code, Error, Result};
use tauri::Manager;
use tauri_plugin_dialog::DialogExt;

use crate::commands::{with, State, S};

#[tauri::command]
pub async fn backup_status(s: S<'_>) -> Result<BackupStatus> {
    with(&s, |a| a.backup_status())
}

#[tauri::command]
pub async fn backup_now(s: S<'_>) -> Result<Created> {
    let (dir, clock) = with(&s, |a| a.backup_target())?;
    tauri::async_runtime::spawn_blocking(move || {
        backup::create(&dir, Reason::Manual, clock.as_ref())
    })
    .await
    .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?
}

#[tauri::command]
pub async fn verify_backup(s: S<'_>, id: String) -> Result<VerifyReport> {
    with(&s, |a| a.store()?.verify_backup(&id))
}

#[tauri::command]
pub async fn restore_backup(s: S<'_>, id: String) -> Result<RestoreReport> {
    with(&s, |a| a.restore_backup(&id))
}

/// `mirror`: keep the folder as it is (`null` with `choose` false), pick one in the system's
/// dialog (`choose`), or remove it (`remove`).
#[tauri::command]
pub async fn set_backup_settings(
    window: tauri::Window,
    s: S<'_>,
    automatic: bool,
    choose: bool,
    remove: bool,
) -> Result<BackupStatus> {
    let mut mirror = with(&s, |a| a.backup_status())?.settings.mirror;
    if choose {
        let picked = window.dialog().file().blocking_pick_folder();
        match picked.and_then(|p| p.into_path().ok()) {
            Some(dir) => mirror = Some(dir),
            None => return with(&s, |a| a.backup_status()),
        }
    }
    if remove {
        mirror = None;
    }
    with(&s, |a| a.set_backup_settings(automatic, mirror))
}

#[tauri::command]
pub async fn purge(s: S<'_>, kind: String, id: String) -> Result<PurgeReport> {
    with(&s, |a| a.purge(&kind, &id))
}

#[tauri::command]
pub async fn detach(s: S<'_>, id: String) -> Result<serde_json::Value> {
    with(&s, |a| a.store()?.detach(&id))
}

#[tauri::command]
pub async fn detached_attachments(s: S<'_>) -> Result<Vec<DetachedAttachment>> {
    with(&s, |a| a.store()?.detached_attachments())
}

#[tauri::command]
pub async fn export_person_data(s: S<'_>, id: String) -> Result<PersonDataReport> {
    with(&s, |a| a.export_person_data(&id))
}

/// The daily backup: a minute after start (not to slow it), then checked every hour.
pub fn start_daily(app: &tauri::AppHandle) {
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        loop {
            let state = app.state::<Mutex<State>>();
            let target = {
                let mut guard = state.lock().unwrap_or_else(|p| p.into_inner());
                guard.app().and_then(|a| a.backup_target().ok())
            };
            if let Some((dir, clock)) = target {
                if let Err(e) = backup::daily_if_due(&dir, clock.as_ref()) {
                    tracing::warn!(code = e.code.as_str(), "the daily backup failed");
                }
            }
            std::thread::sleep(Duration::from_secs(3600));
        }
    });
}
