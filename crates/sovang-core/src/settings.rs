//! The app's own settings (language, user name, where the data folder is), kept in a small
//! JSON file in the OS's per-user config folder, because the first-run choices and the data
//! folder's location must be known before any database is open.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Lang, Result};

pub const CONFIG_DIR_ENV: &str = "SOVANG_CONFIG_DIR";
const FILE: &str = "settings.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Settings {
    pub lang: Lang,
    /// Written as "who" on every change this user makes.
    pub user: String,
    /// The data folder, when the user moved it away from the default.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub data_dir: Option<PathBuf>,
    /// The heading of this installation's last report (issuer, number, signer): the next one
    /// starts from it.
    pub report_heading: Option<crate::reports::ReportHeading>,
}

/// `explicit`, else `SOVANG_CONFIG_DIR`, else the OS's per-user config folder.
pub fn config_dir(explicit: Option<PathBuf>) -> PathBuf {
    if let Some(p) = explicit {
        return p;
    }
    if let Some(p) = std::env::var_os(CONFIG_DIR_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    crate::paths::project_dirs()
        .map(|d| d.config_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("sovang-config"))
}

impl Settings {
    /// The settings in `dir`, or the defaults when there are none yet. A damaged file is
    /// treated as absent (the user chooses again) rather than stopping the app.
    pub fn load(dir: &Path) -> Settings {
        std::fs::read(dir.join(FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Writes the settings whole: a temporary file, then a rename, so a crash never leaves
    /// half a file.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let shown = dir.display().to_string();
        let io = |e: std::io::Error| Error::io(None, &shown, &e);
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = dir.join(format!("{FILE}.tmp"));
        let json = serde_json::to_vec_pretty(self).expect("settings serialize");
        std::fs::write(&tmp, json).map_err(io)?;
        std::fs::rename(&tmp, dir.join(FILE)).map_err(io)
    }
}
