//! The commands the UI calls. Each is a thin call into `sovang-core`; errors cross as the
//! core's `Error` (`{code, field, message: {vi, en}, others}`).

use std::sync::Mutex;

use serde_json::Value;
use sovang_core::app::{self, App, AppStatus, HistoryEntry, Setup, Vocabulary};
use sovang_core::store::{
    find_reference_units, record_view, ListFilter, Overview, Page, RecordView, UnitChoice, UnitRow,
};
use sovang_core::{Code, Error, Kind, Lang, Result};
use tauri::ipc::{InvokeBody, Request, Response};
use tauri_plugin_dialog::DialogExt;

use crate::backup_commands::*;
use crate::review_commands::*;
use crate::sheet_commands::*;
use crate::sync_commands::*;

/// The app, or why it could not start (a database from a newer version, say), which every
/// command then reports.
pub struct State(Result<App>);

impl State {
    pub fn new(app: Result<App>) -> Self {
        State(app)
    }

    /// The app, when it started.
    pub fn app(&mut self) -> Option<&mut App> {
        self.0.as_mut().ok()
    }
}

pub(crate) type S<'a> = tauri::State<'a, Mutex<State>>;

pub(crate) fn with<T>(s: &S, f: impl FnOnce(&mut App) -> Result<T>) -> Result<T> {
    let mut guard = s.lock().unwrap_or_else(|p| p.into_inner());
    match &mut guard.0 {
        Ok(app) => f(app),
        Err(e) => Err(e.clone()),
    }
}

#[tauri::command]
async fn status(s: S<'_>) -> Result<AppStatus> {
    with(&s, |a| Ok(a.status()))
}

#[tauri::command]
fn vocabulary() -> Vocabulary {
    app::vocabulary()
}

#[tauri::command]
async fn find_units(query: String) -> Result<Vec<UnitChoice>> {
    Ok(find_reference_units(&query, 50))
}

#[tauri::command]
async fn setup(s: S<'_>, setup: Setup) -> Result<AppStatus> {
    with(&s, |a| a.setup(setup))
}

#[tauri::command]
async fn set_lang(s: S<'_>, lang: Lang) -> Result<AppStatus> {
    with(&s, |a| a.set_lang(lang))
}

#[tauri::command]
async fn set_user(s: S<'_>, user: String) -> Result<AppStatus> {
    with(&s, |a| a.set_user(&user))
}

/// The folder is picked in the system's dialog here, so the UI never names a path.
#[tauri::command]
async fn choose_data_dir(window: tauri::Window, s: S<'_>) -> Result<Option<AppStatus>> {
    let picked = window.dialog().file().blocking_pick_folder();
    let Some(dir) = picked.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    with(&s, |a| a.move_data(&dir)).map(Some)
}

#[tauri::command]
async fn overview(s: S<'_>, year: i32) -> Result<Overview> {
    with(&s, |a| a.store()?.overview(year))
}

#[tauri::command]
async fn list(
    s: S<'_>,
    kind: Kind,
    filter: ListFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page> {
    with(&s, |a| {
        a.store()?.list(kind, &filter, after.as_deref(), limit)
    })
}

#[tauri::command]
async fn search(
    s: S<'_>,
    query: String,
    filter: ListFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page> {
    with(&s, |a| {
        a.store()?.search(&query, &filter, after.as_deref(), limit)
    })
}

#[tauri::command]
async fn get(s: S<'_>, kind: Kind, id: String) -> Result<RecordView> {
    with(&s, |a| record_view(a.store()?.get(kind, &id)?))
}

#[tauri::command]
async fn put(s: S<'_>, kind: Kind, input: Value) -> Result<RecordView> {
    with(&s, |a| record_view(a.store()?.put(kind, input)?))
}

#[tauri::command]
async fn delete(s: S<'_>, kind: Kind, id: String) -> Result<RecordView> {
    with(&s, |a| record_view(a.store()?.delete(kind, &id)?))
}

#[tauri::command]
async fn restore(s: S<'_>, kind: Kind, id: String) -> Result<RecordView> {
    with(&s, |a| record_view(a.store()?.restore(kind, &id)?))
}

#[tauri::command]
async fn history(s: S<'_>, id: String) -> Result<Vec<HistoryEntry>> {
    with(&s, |a| a.history(&id))
}

#[tauri::command]
async fn unit_rows(s: S<'_>) -> Result<Vec<UnitRow>> {
    with(&s, |a| a.store()?.unit_rows())
}

/// The file's bytes come as the raw request body (a photo can be 20 MB; JSON would triple
/// it); the record and the file name come in headers, the name percent-encoded.
#[tauri::command]
async fn attach(s: S<'_>, request: Request<'_>) -> Result<Value> {
    let header = |k: &str| -> Result<String> {
        let raw = request.headers().get(k).and_then(|v| v.to_str().ok());
        let raw = raw.ok_or_else(|| Error::field(Code::Required, k))?;
        Ok(percent_encoding::percent_decode_str(raw)
            .decode_utf8_lossy()
            .into_owned())
    };
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(Error::field(Code::Required, "file"));
    };
    let (kind, id, name) = (
        Kind::parse(&header("x-kind")?)?,
        header("x-id")?,
        header("x-name")?,
    );
    with(&s, |a| {
        a.store()?
            .attach_from(kind, &id, &name, &name, &mut bytes.as_slice())
    })
}

#[tauri::command]
async fn attachment_bytes(s: S<'_>, sha256: String) -> Result<Response> {
    with(&s, |a| a.store()?.read_attachment(&sha256)).map(Response::new)
}

pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        status,
        vocabulary,
        find_units,
        setup,
        set_lang,
        set_user,
        choose_data_dir,
        overview,
        list,
        search,
        get,
        put,
        delete,
        restore,
        history,
        unit_rows,
        attach,
        attachment_bytes,
        sync_status,
        export_bundle,
        show_export,
        export_card,
        read_card,
        trust_card,
        revoke_key,
        stage_bundle,
        watch_drops,
        preview_bundle,
        import_bundle,
        conflicts,
        resolve_conflict,
        held_list,
        review_state,
        submit_nomination,
        committees,
        committee_template,
        results,
        start_review,
        score,
        scores,
        decide,
        decision_in_force,
        reopen_decision,
        reopen_sheet,
        forward_nomination,
        export_ranking,
        export_dossier,
        stage_sheet,
        preview_sheet,
        import_sheet,
        save_rejected_rows,
        save_sheet_template,
        sheet_fields,
        export_list,
        report,
        report_heading,
        save_report,
        target_grid,
        set_target,
        backup_status,
        backup_now,
        verify_backup,
        restore_backup,
        set_backup_settings,
        purge,
        detach,
        detached_attachments,
        export_person_data
    ]
}
