//! The spreadsheet import's, the list export's and the Reports screen's commands: each a thin call into `sovang_core::app::App`. The
//! sheet's bytes come from the page (`<input type=file>`), its name in a header.

use sovang_core::app::{App, Mapping, ReportFormat, StagedBundle};
use sovang_core::reports::{PeriodReport, ReportHeading, TargetGrid};
use sovang_core::sheets::SheetField;
use sovang_core::store::{ListFilter, SheetReport};
use sovang_core::{Kind, Result};
use tauri::ipc::Request;

use crate::commands::{with, S};
use crate::sync_commands::{file_name, raw_body};

#[tauri::command]
pub async fn stage_sheet(s: S<'_>, request: Request<'_>) -> Result<StagedBundle> {
    let (name, bytes) = (file_name(&request), raw_body(&request)?);
    with(&s, |a| a.stage_sheet(&name, &bytes))
}

#[tauri::command]
pub async fn preview_sheet(
    s: S<'_>,
    token: String,
    kind: Kind,
    map: Mapping,
) -> Result<SheetReport> {
    with(&s, |a| a.preview_sheet(&token, kind, &map))
}

#[tauri::command]
pub async fn import_sheet(
    s: S<'_>,
    token: String,
    kind: Kind,
    map: Mapping,
) -> Result<SheetReport> {
    with(&s, |a| a.import_sheet(&token, kind, &map))
}

#[tauri::command]
pub async fn save_rejected_rows(
    s: S<'_>,
    token: String,
    kind: Kind,
    map: Mapping,
) -> Result<String> {
    with(&s, |a| a.save_rejected_rows(&token, kind, &map))
}

#[tauri::command]
pub async fn save_sheet_template(s: S<'_>, kind: Kind) -> Result<String> {
    with(&s, |a| a.save_sheet_template(kind))
}

#[tauri::command]
pub async fn sheet_fields(kind: Kind) -> Vec<SheetField> {
    App::sheet_fields(kind)
}

/// The list the user sees, as a workbook or (`print`) an A4 PDF: its path and its number of
/// rows.
#[tauri::command]
pub async fn export_list(
    s: S<'_>,
    kind: Kind,
    filter: ListFilter,
    print: bool,
) -> Result<(String, u64)> {
    with(&s, |a| a.export_list(kind, &filter, print))
}

#[tauri::command]
pub async fn report(s: S<'_>, unit: String, period: String, brief: bool) -> Result<PeriodReport> {
    with(&s, |a| a.report(&unit, &period, brief))
}

#[tauri::command]
pub async fn report_heading(s: S<'_>, unit: String) -> Result<ReportHeading> {
    with(&s, |a| a.report_heading(&unit))
}

#[tauri::command]
pub async fn save_report(
    s: S<'_>,
    unit: String,
    period: String,
    heading: ReportHeading,
    format: ReportFormat,
) -> Result<String> {
    with(&s, |a| a.save_report(&unit, &period, heading, format))
}

#[tauri::command]
pub async fn target_grid(s: S<'_>, year: i32) -> Result<TargetGrid> {
    with(&s, |a| a.target_grid(year))
}

#[tauri::command]
pub async fn set_target(
    s: S<'_>,
    unit: String,
    year: i32,
    metric: String,
    target: Option<i64>,
) -> Result<TargetGrid> {
    with(&s, |a| a.set_target(&unit, year, &metric, target))
}
