//! The app's side of sync bundles: where exported bundles and cards go, files picked or
//! dropped in the window (staged under a token so the UI never names a path), previews
//! (dry runs) and imports.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::App;
use crate::error::{Code, Error, Result};
use crate::store::{
    Conflict, ExportOptions, ExportReport, HeldRecord, ImportOptions, ImportReport,
};
use crate::sync::identity::{TrustedKey, UnitCard};
use crate::sync::Progress;

/// A bundle file the user picked or dropped, waiting to be previewed or imported.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct StagedBundle {
    pub token: String,
    pub name: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: u64,
}

/// Where a destination stands from this installation's unit.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// A level above (bundles mostly go up).
    Up,
    /// This installation's own unit: another of its installations (a committee member's PC).
    Same,
    /// A unit under this one.
    Down,
}

/// Whom a bundle can be made for: a unit as a whole (every trusted installation of it), or
/// one trusted installation of that unit.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Destination {
    /// What `export_bundle` takes: the unit's code, or the installation's key fingerprint.
    pub to: String,
    /// The destination's unit: its code and name.
    pub code: String,
    pub name: String,
    pub direction: Direction,
    /// One installation: its key's fingerprint (`None`: the unit as a whole).
    pub fingerprint: Option<String>,
    /// One installation: its id, as its unit card gives it.
    pub installation: Option<String>,
}

/// Everything the sync screens show at once.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    pub identity: UnitCard,
    pub trusted: Vec<TrustedKey>,
    /// Each unit above, this unit (when another installation of it is trusted) and each unit
    /// below, each followed by its trusted installations.
    pub destinations: Vec<Destination>,
    /// The destination offered first: the level right above (bundles mostly go up).
    pub default_destination: Option<String>,
    pub open_conflicts: u32,
    /// Records held from bundles, waiting for something (see `held_list`).
    pub held: u32,
    pub bundles_dir: String,
}

/// A file name safe everywhere: ASCII letters, digits and dashes.
fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// A destination as a file name shows it: a unit code, or for one installation its unit's
/// code and the first group of its fingerprint (`01-46860`).
fn destination_label(trusted: &[TrustedKey], to: &str) -> String {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    let wanted = digits(to);
    trusted
        .iter()
        .find(|k| !wanted.is_empty() && digits(&k.fingerprint) == wanted)
        .map(|k| {
            let first = k.fingerprint.split('-').next().unwrap_or_default();
            format!("{}-{first}", k.unit)
        })
        .unwrap_or_else(|| to.to_owned())
}

impl App {
    /// Where bundles and cards made here are written (inside the data folder, so they move
    /// with it); the window shows this folder after an export.
    pub fn bundles_dir(&self) -> PathBuf {
        self.data_dir().join("bundles")
    }

    pub fn sync_status(&mut self) -> Result<SyncStatus> {
        let bundles_dir = self.bundles_dir().display().to_string();
        let store = self.store()?;
        let unit = store.installation().unit.clone();
        let trusted = store.trust_list()?;
        let tree = store.units();
        let ancestors = tree.ancestors(&unit);
        let default_destination = ancestors.first().cloned();
        let units = ancestors
            .into_iter()
            .map(|code| (code, Direction::Up))
            .chain(std::iter::once((unit.clone(), Direction::Same)))
            .chain(
                tree.children(&unit)
                    .iter()
                    .map(|code| (code.clone(), Direction::Down)),
            );
        let mut destinations = Vec::new();
        for (code, direction) in units {
            let name = tree.get(&code).map(|n| n.name.clone()).unwrap_or_default();
            let keys: Vec<&TrustedKey> = trusted
                .iter()
                .filter(|k| k.unit == code && k.revoked_at.is_none())
                .collect();
            // This unit is a destination only through its other trusted installations.
            if direction == Direction::Same && keys.is_empty() {
                continue;
            }
            destinations.push(Destination {
                to: code.clone(),
                code: code.clone(),
                name: name.clone(),
                direction,
                fingerprint: None,
                installation: None,
            });
            destinations.extend(keys.into_iter().map(|k| Destination {
                to: k.fingerprint.clone(),
                code: code.clone(),
                name: name.clone(),
                direction,
                fingerprint: Some(k.fingerprint.clone()),
                installation: Some(k.installation.clone()),
            }));
        }
        Ok(SyncStatus {
            identity: store.identity()?,
            trusted,
            destinations,
            default_destination,
            open_conflicts: store.open_conflicts()?,
            held: store.held_list()?.len() as u32,
            bundles_dir,
        })
    }

    /// Every record held from bundles, oldest first (the Sync screen's "waiting" panel).
    pub fn held_list(&mut self) -> Result<Vec<HeldRecord>> {
        self.store()?.held_list()
    }

    /// Exports into the bundles folder under a name that says from whom, for whom and when.
    pub fn export_bundle(
        &mut self,
        to: Option<String>,
        full: bool,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ExportReport> {
        let dir = self.bundles_dir();
        std::fs::create_dir_all(&dir)?;
        let stamp = self.clock.now().format("%Y%m%d-%H%M%S");
        let store = self.store()?;
        let from = file_safe(&store.installation().unit);
        let dest = match to.as_deref() {
            None => "all".into(),
            Some(to) => file_safe(&destination_label(&store.trust_list()?, to)),
        };
        // Two bundles made within a second must not overwrite each other.
        let file = (1..)
            .map(|n| match n {
                1 => dir.join(format!("sovang-{from}-to-{dest}-{stamp}.sovang")),
                n => dir.join(format!("sovang-{from}-to-{dest}-{stamp}-{n}.sovang")),
            })
            .find(|f| !f.exists())
            .unwrap_or_default();
        let report = store.export_bundle(
            &file,
            &ExportOptions {
                to,
                full,
                ..Default::default()
            },
            progress,
        )?;
        self.last_export = Some(file);
        Ok(report)
    }

    /// The last file exported from the window (for "show in folder").
    pub fn last_export(&self) -> Option<&Path> {
        self.last_export.as_deref()
    }

    /// Writes this installation's unit card into the bundles folder.
    pub fn export_card(&mut self) -> Result<String> {
        let dir = self.bundles_dir();
        std::fs::create_dir_all(&dir)?;
        let card = self.store()?.identity()?;
        let file = dir.join(format!("sovang-card-{}.json", file_safe(&card.unit)));
        let text = serde_json::to_string_pretty(&card).unwrap_or_default() + "\n";
        std::fs::write(&file, text)
            .map_err(|e| Error::io(None, &file.display().to_string(), &e))?;
        self.last_export = Some(file.clone());
        Ok(file.display().to_string())
    }

    /// Reads a unit card the user picked, checking it, so the window can show its fingerprint
    /// before anyone trusts it.
    pub fn read_card(bytes: &[u8]) -> Result<UnitCard> {
        let card: UnitCard = serde_json::from_slice(bytes)
            .map_err(|e| Error::field_arg(Code::CardInvalid, "card", &e.to_string()))?;
        card.key()?;
        Ok(card)
    }

    /// Stages a file by its path (picked in the system dialog or dropped on the window).
    pub fn stage_file(&mut self, path: &Path) -> Result<StagedBundle> {
        let label = path.display().to_string();
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io(Some("file"), &label, &e))?
            .len();
        let token = crate::clock::IdGen::default()
            .next(self.clock.as_ref())
            .to_string();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.staged.insert(token.clone(), path.to_owned());
        Ok(StagedBundle { token, name, size })
    }

    /// Stages a file whose bytes the window read (`<input type=file>`): kept in the data
    /// folder's `incoming/` until imported.
    pub fn stage_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<StagedBundle> {
        self.stage_bytes_as(name, bytes, "sovang")
    }

    /// Stages bytes the window read as a file with the extension `ext` (a spreadsheet's tells
    /// its reader which format it is).
    pub(super) fn stage_bytes_as(
        &mut self,
        name: &str,
        bytes: &[u8],
        ext: &str,
    ) -> Result<StagedBundle> {
        let dir = self.data_dir().join("incoming");
        std::fs::create_dir_all(&dir)?;
        let token = crate::clock::IdGen::default()
            .next(self.clock.as_ref())
            .to_string();
        let path = dir.join(format!("{token}.{ext}"));
        std::fs::write(&path, bytes)
            .map_err(|e| Error::io(None, &path.display().to_string(), &e))?;
        let mut staged = self.stage_file(&path)?;
        staged.name = name.to_owned();
        Ok(staged)
    }

    pub(super) fn staged_path(&self, token: &str) -> Result<PathBuf> {
        self.staged
            .get(token)
            .cloned()
            .ok_or_else(|| Error::field_arg(Code::NotFound, "file", token))
    }

    /// What importing a staged file would do, changing nothing.
    pub fn preview_bundle(&mut self, token: &str) -> Result<ImportReport> {
        let path = self.staged_path(token)?;
        let opts = ImportOptions {
            dry_run: true,
            ..Default::default()
        };
        Ok(self.store()?.import_bundle(&path, opts, &mut |_| {}))
    }

    /// Imports a staged file; a file copied into `incoming/` is removed once imported.
    pub fn import_staged(
        &mut self,
        token: &str,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportReport> {
        let path = self.staged_path(token)?;
        let report = self
            .store()?
            .import_bundle(&path, ImportOptions::default(), progress);
        if report.error.is_none() {
            self.staged.remove(token);
            if path.starts_with(self.data_dir().join("incoming")) {
                let _ = std::fs::remove_file(&path);
            }
        }
        Ok(report)
    }

    pub fn conflicts(&mut self) -> Result<Vec<Conflict>> {
        self.store()?.conflicts(false)
    }
}
