//! The window's spreadsheet import: a file the user picked, staged under a token, previewed
//! with the mapping the user chose, then imported; its rejected rows and the templates are
//! saved into the reports folder ("show in folder" shows them).

use crate::error::{Code, Error, Result};
use crate::records::Kind;
use crate::sheets::{self, SheetField};
use crate::store::{SheetOptions, SheetReport};

use super::{App, StagedBundle};

/// The extensions a spreadsheet may have.
const SHEET_EXTENSIONS: [&str; 4] = ["xlsx", "xls", "ods", "csv"];

/// The user's mapping as the window sends it: `[column letter, field or "-"]`.
pub type Mapping = Vec<(String, String)>;

impl App {
    /// Stages a spreadsheet whose bytes the window read.
    pub fn stage_sheet(&mut self, name: &str, bytes: &[u8]) -> Result<StagedBundle> {
        let ext = std::path::Path::new(name)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .filter(|e| SHEET_EXTENSIONS.contains(&e.as_str()))
            .ok_or_else(|| Error::field_arg(Code::SheetUnreadable, "file", name))?;
        self.stage_bytes_as(name, bytes, &ext)
    }

    fn run_sheet(
        &mut self,
        token: &str,
        kind: Kind,
        map: &Mapping,
        dry_run: bool,
    ) -> Result<(SheetReport, sheets::Table)> {
        let path = self.staged_path(token)?;
        let opts = SheetOptions {
            sheet: None,
            map: map.clone(),
            dry_run,
        };
        self.store()?.import_sheet(kind, &path, &opts)
    }

    /// What importing the staged sheet would do, changing nothing.
    pub fn preview_sheet(&mut self, token: &str, kind: Kind, map: &Mapping) -> Result<SheetReport> {
        Ok(self.run_sheet(token, kind, map, true)?.0)
    }

    /// Imports the staged sheet's valid rows (in one transaction). The file stays staged, so
    /// that its rejected rows can still be saved.
    pub fn import_sheet(&mut self, token: &str, kind: Kind, map: &Mapping) -> Result<SheetReport> {
        Ok(self.run_sheet(token, kind, map, false)?.0)
    }

    /// Saves the staged sheet's rejected rows, with their errors, as a workbook in the
    /// reports folder; returns its path.
    pub fn save_rejected_rows(&mut self, token: &str, kind: Kind, map: &Mapping) -> Result<String> {
        let (report, table) = self.run_sheet(token, kind, map, true)?;
        let dir = self.reports_dir();
        std::fs::create_dir_all(&dir)?;
        let stamp = self.clock.now().format("%Y%m%d-%H%M%S");
        let file = dir.join(format!("dong-loi-{stamp}.xlsx"));
        sheets::write_rejected_rows(&report, &table, &file)?;
        self.last_export = Some(file.clone());
        Ok(file.display().to_string())
    }

    /// Saves `kind`'s template in the reports folder; returns its path.
    pub fn save_sheet_template(&mut self, kind: Kind) -> Result<String> {
        let dir = self.reports_dir();
        std::fs::create_dir_all(&dir)?;
        let file = dir.join(format!("mau-{}.xlsx", template_name(kind)));
        self.store()?.sheet_template(kind, &file)?;
        self.last_export = Some(file.clone());
        Ok(file.display().to_string())
    }

    /// Writes the list the user sees (its filter and order) as a workbook, or its print view
    /// (`print`: an A4 PDF), in the reports folder; returns its path and how many rows it holds.
    pub fn export_list(
        &mut self,
        kind: Kind,
        filter: &crate::store::ListFilter,
        print: bool,
    ) -> Result<(String, u64)> {
        let dir = self.reports_dir();
        std::fs::create_dir_all(&dir)?;
        let stamp = self.clock.now().format("%Y%m%d-%H%M%S");
        let ext = if print { "pdf" } else { "xlsx" };
        let file = dir.join(format!("danh-sach-{}-{stamp}.{ext}", kind.name()));
        let rows = match print {
            true => sheets::write_list_pdf(self.store()?, kind, filter, &file)?,
            false => sheets::write_list(self.store()?, kind, filter, &file)?,
        };
        self.last_export = Some(file.clone());
        Ok((file.display().to_string(), rows))
    }

    /// The fields a column of a `kind` sheet may fill, for the mapping.
    pub fn sheet_fields(kind: Kind) -> Vec<SheetField> {
        sheets::fields(kind)
    }
}

fn template_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Person => "doan-vien",
        Kind::Entry => "so-vang",
        _ => "cong-trinh",
    }
}
