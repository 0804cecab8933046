//! The sync screens' commands: each a thin call into `sovang_core::app::App`. Files reach the
//! core by path only from a drop on the window (staged under a token), or as bytes the user
//! picked; the UI never names a path.

use sovang_core::app::{App, StagedBundle, SyncStatus};
use sovang_core::store::{Conflict, ExportReport, HeldRecord, ImportReport};
use sovang_core::sync::identity::{TrustedKey, UnitCard};
use sovang_core::sync::Progress;
use sovang_core::{Code, Error, Result};
use tauri::ipc::{Channel, InvokeBody, Request};

use crate::commands::{with, S};

/// Where bundles dropped on the window are announced (set by the import screen).
#[derive(Default)]
pub struct DropListener(pub std::sync::Mutex<Option<Channel<Vec<StagedBundle>>>>);

fn send(on: &Channel<Progress>) -> impl FnMut(Progress) + '_ {
    move |p| {
        let _ = on.send(p);
    }
}

pub(crate) fn raw_body(request: &Request<'_>) -> Result<Vec<u8>> {
    match request.body() {
        InvokeBody::Raw(bytes) => Ok(bytes.clone()),
        _ => Err(Error::field(Code::Required, "file")),
    }
}

#[tauri::command]
pub async fn sync_status(s: S<'_>) -> Result<SyncStatus> {
    with(&s, |a| a.sync_status())
}

#[tauri::command]
pub async fn export_bundle(
    s: S<'_>,
    to: Option<String>,
    full: bool,
    on_progress: Channel<Progress>,
) -> Result<ExportReport> {
    with(&s, |a| a.export_bundle(to, full, &mut send(&on_progress)))
}

/// Shows the last exported file in the system's file manager.
#[tauri::command]
pub async fn show_export(s: S<'_>) -> Result<()> {
    let path = with(&s, |a| Ok(a.last_export().map(|p| p.to_owned())))?;
    let path = path.ok_or_else(|| Error::field(Code::NotFound, "file"))?;
    tauri_plugin_opener::reveal_item_in_dir(&path)
        .map_err(|e| Error::plain(Code::Io, &e.to_string()))
}

#[tauri::command]
pub async fn export_card(s: S<'_>) -> Result<String> {
    with(&s, |a| a.export_card())
}

/// A unit card the user picked, as bytes: checked and shown before anyone trusts it.
#[tauri::command]
pub async fn read_card(request: Request<'_>) -> Result<UnitCard> {
    App::read_card(&raw_body(&request)?)
}

#[tauri::command]
pub async fn trust_card(s: S<'_>, card: UnitCard) -> Result<TrustedKey> {
    with(&s, |a| a.store()?.trust_add(&card))
}

#[tauri::command]
pub async fn revoke_key(s: S<'_>, fingerprint: String) -> Result<TrustedKey> {
    with(&s, |a| a.store()?.trust_revoke(&fingerprint))
}

/// A bundle the user picked in the page (`<input type=file>`): its bytes, its name in a header.
#[tauri::command]
pub async fn stage_bundle(s: S<'_>, request: Request<'_>) -> Result<StagedBundle> {
    let name = file_name(&request);
    let bytes = raw_body(&request)?;
    with(&s, |a| a.stage_bytes(&name, &bytes))
}

/// The picked file's name, sent percent-encoded in the `x-name` header.
pub(crate) fn file_name(request: &Request<'_>) -> String {
    request
        .headers()
        .get("x-name")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .unwrap_or_default()
}

#[tauri::command]
pub async fn watch_drops(
    drops: tauri::State<'_, DropListener>,
    on_drop: Channel<Vec<StagedBundle>>,
) -> Result<()> {
    *drops.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(on_drop);
    Ok(())
}

#[tauri::command]
pub async fn preview_bundle(s: S<'_>, token: String) -> Result<ImportReport> {
    with(&s, |a| a.preview_bundle(&token))
}

#[tauri::command]
pub async fn import_bundle(
    s: S<'_>,
    token: String,
    on_progress: Channel<Progress>,
) -> Result<ImportReport> {
    with(&s, |a| a.import_staged(&token, &mut send(&on_progress)))
}

#[tauri::command]
pub async fn conflicts(s: S<'_>) -> Result<Vec<Conflict>> {
    with(&s, |a| a.conflicts())
}

#[tauri::command]
pub async fn resolve_conflict(s: S<'_>, id: String, keep: String) -> Result<Conflict> {
    with(&s, |a| a.store()?.resolve_conflict(&id, &keep))
}

/// Records held from bundles, waiting for what they need (oldest first).
#[tauri::command]
pub async fn held_list(s: S<'_>) -> Result<Vec<HeldRecord>> {
    with(&s, |a| a.held_list())
}

/// Files dropped on the window: `.sovang` ones are staged and announced to the import screen.
pub fn on_drop(app: &tauri::AppHandle, paths: &[std::path::PathBuf]) {
    use tauri::Manager;
    let bundles: Vec<_> = paths
        .iter()
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("sovang"))
        })
        .collect();
    if bundles.is_empty() {
        return;
    }
    let state = app.state::<std::sync::Mutex<crate::commands::State>>();
    let staged: Vec<StagedBundle> = bundles
        .iter()
        .filter_map(|p| with(&state, |a| a.stage_file(p)).ok())
        .collect();
    let drops = app.state::<DropListener>();
    let guard = drops.0.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(channel) = guard.as_ref() {
        let _ = channel.send(staged);
    }
}
