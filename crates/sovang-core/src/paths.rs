//! Where the data folder is: `--data-dir`, else `SOVANG_DATA_DIR`, else the OS's per-user
//! application data folder.

use std::path::PathBuf;

pub const DATA_DIR_ENV: &str = "SOVANG_DATA_DIR";

pub fn data_dir(explicit: Option<PathBuf>) -> PathBuf {
    if let Some(p) = explicit {
        return p;
    }
    if let Some(p) = std::env::var_os(DATA_DIR_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    project_dirs()
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("sovang-data"))
}

/// The OS's per-user folders for this app.
pub(crate) fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("vn", "Doan TNCS Ho Chi Minh", "SoVang")
}
