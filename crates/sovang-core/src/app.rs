//! What the desktop app holds between calls: its settings and, once set up, the open store.
//! The shell's commands are thin calls into this, so the first-run and settings rules live
//! here and are tested without a window.

mod backup;
mod history;
mod report;
mod review;
mod sheet;
mod sync;

pub use history::HistoryEntry;
pub use report::ReportFormat;
pub use review::{CommitteeEntry, DecisionEntry};
pub use sheet::Mapping;
pub use sync::{Destination, Direction, StagedBundle, SyncStatus};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::clock_check::{build_day, ClockWarning};
use crate::error::{Code, Error, Lang, Result};
use crate::records::{self, Campaign, PRESET_CAMPAIGN_ID};
use crate::settings::Settings;
use crate::store::{Installation, Store, DB_FILE};

/// What the window needs to know to choose between the first-run wizard and the app.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AppStatus {
    pub initialized: bool,
    pub settings: Settings,
    pub data_dir: String,
    pub installation: Option<Installation>,
    /// This year by the app's clock: the default of every year filter.
    pub year: i32,
    /// The campaign nominations are made under (criteria, values, categories, years).
    pub campaign: Option<Campaign>,
    pub campaign_id: String,
    /// The years a year filter offers, newest first: the campaign's years up to this year.
    pub years: Vec<i32>,
    /// Set when this PC's clock is implausible: the window shows it as a banner.
    pub clock_warning: Option<ClockWarning>,
    /// Set when the last good backup is older than a week (or there is none): a banner too.
    pub backup_warning: Option<crate::error::Message>,
}

/// The first-run wizard's answers.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Setup {
    pub lang: Lang,
    /// A commune's or ward's code from the reference list.
    pub unit: String,
    /// A branch (chi đoàn) to create under that unit and work as, if any.
    #[serde(default)]
    pub branch: Option<String>,
    pub user: String,
}

/// The allowed codes of every closed list, for the forms' choices and the filters.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Vocabulary {
    pub project_statuses: Vec<String>,
    pub project_fields: Vec<String>,
    pub entry_statuses: Vec<String>,
    pub entry_subjects: Vec<String>,
    pub nomination_statuses: Vec<String>,
    /// What a committee's decision may decide.
    pub review_outcomes: Vec<String>,
    pub genders: Vec<String>,
    pub memberships: Vec<String>,
    pub unit_types: Vec<String>,
    pub target_metrics: Vec<String>,
    /// The kinds a list can filter by year.
    pub kinds_with_year: Vec<crate::Kind>,
}

pub fn vocabulary() -> Vocabulary {
    let own = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
    Vocabulary {
        project_statuses: own(records::PROJECT_STATUSES),
        project_fields: own(records::PROJECT_FIELDS),
        entry_statuses: own(records::ENTRY_STATUSES),
        entry_subjects: own(records::ENTRY_SUBJECTS),
        nomination_statuses: own(&records::REVIEW_STATUSES),
        review_outcomes: own(&records::OUTCOMES),
        genders: own(records::GENDERS),
        memberships: own(records::MEMBERSHIPS),
        unit_types: own(records::UNIT_TYPES),
        target_metrics: own(records::TARGET_METRICS),
        kinds_with_year: crate::Kind::LISTED
            .into_iter()
            .filter(|k| k.has_year())
            .collect(),
    }
}

pub struct App {
    config_dir: PathBuf,
    /// A data folder given on the command line wins over the settings (tests, several
    /// installations on one PC).
    data_override: Option<PathBuf>,
    settings: Settings,
    store: Option<Store>,
    clock: Arc<dyn Clock>,
    /// Bundle files picked or dropped in the window, by token (see `app::sync`).
    staged: std::collections::HashMap<String, PathBuf>,
    last_export: Option<PathBuf>,
}

impl App {
    /// Loads the settings and opens the store if this data folder has been set up.
    pub fn start(
        config_dir: PathBuf,
        data_override: Option<PathBuf>,
        clock: Arc<dyn Clock>,
    ) -> Result<App> {
        let settings = Settings::load(&config_dir);
        let mut app = App {
            config_dir,
            data_override,
            settings,
            store: None,
            clock,
            staged: Default::default(),
            last_export: None,
        };
        app.store = app.open_store(&app.data_dir())?;
        Ok(app)
    }

    /// The store in `dir` if it has been set up there, prepared for the app.
    fn open_store(&self, dir: &Path) -> Result<Option<Store>> {
        if !dir.join(DB_FILE).exists() {
            return Ok(None);
        }
        let mut store = Store::open(dir, self.clock.clone())?;
        self.prepare_store(&mut store);
        Ok(Some(store))
    }

    /// What every store the app opens gets: the user's name as "who", the app's cache size.
    fn prepare_store(&self, store: &mut Store) {
        store.set_actor(&self.settings.user);
        let _ = store.set_cache_kib(crate::db::APP_CACHE_KIB);
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data_override
            .clone()
            .or_else(|| self.settings.data_dir.clone())
            .unwrap_or_else(|| crate::paths::data_dir(None))
    }

    pub fn lang(&self) -> Lang {
        self.settings.lang
    }

    pub fn status(&self) -> AppStatus {
        let campaign = self
            .store
            .as_ref()
            .and_then(|s| s.campaigns().get(PRESET_CAMPAIGN_ID).cloned());
        let year = self.clock.today().year();
        let (from, to) = campaign
            .as_ref()
            .map_or((year - 4, year), |c| (c.start_year, c.end_year.max(year)));
        AppStatus {
            initialized: self.store.is_some(),
            settings: self.settings.clone(),
            data_dir: self.data_dir().display().to_string(),
            installation: self.store.as_ref().map(|s| s.installation().clone()),
            year,
            campaign,
            campaign_id: PRESET_CAMPAIGN_ID.into(),
            years: (from..=to).rev().collect(),
            clock_warning: self.clock_warning(),
            backup_warning: self.backup_warning(),
        }
    }

    /// The store's warning, or before setup the build day's alone. A store that cannot be
    /// read shows its error elsewhere: no warning then.
    fn clock_warning(&self) -> Option<ClockWarning> {
        match &self.store {
            Some(s) => s.clock_warning().ok().flatten(),
            None => crate::clock_check::check(self.clock.now(), None, build_day()),
        }
    }

    /// The open store, or `not_initialized` before the first-run wizard has finished.
    pub fn store(&mut self) -> Result<&mut Store> {
        let dir = self.data_dir();
        self.store
            .as_mut()
            .ok_or_else(|| Error::plain(Code::NotInitialized, &dir.display().to_string()))
    }

    /// Finishes the first-run wizard: saves the language and name, creates the database.
    pub fn setup(&mut self, s: Setup) -> Result<AppStatus> {
        let user = s.user.trim();
        if user.is_empty() {
            return Err(Error::field(Code::Required, "user"));
        }
        let dir = self.data_dir();
        let branch = s.branch.as_deref().map(str::trim).filter(|b| !b.is_empty());
        let mut store = match branch {
            Some(b) => Store::init_branch(&dir, &s.unit, b, user, self.clock.clone())?,
            None => Store::init(&dir, &s.unit, user, self.clock.clone())?,
        };
        self.settings.lang = s.lang;
        self.settings.user = user.to_owned();
        self.settings.save(&self.config_dir)?;
        self.prepare_store(&mut store);
        self.store = Some(store);
        tracing::info!(unit = s.unit, "first run finished");
        Ok(self.status())
    }

    pub fn set_lang(&mut self, lang: Lang) -> Result<AppStatus> {
        self.settings.lang = lang;
        self.settings.save(&self.config_dir)?;
        Ok(self.status())
    }

    pub fn set_user(&mut self, user: &str) -> Result<AppStatus> {
        let user = user.trim();
        if user.is_empty() {
            return Err(Error::field(Code::Required, "user"));
        }
        self.settings.user = user.to_owned();
        self.settings.save(&self.config_dir)?;
        if let Some(store) = self.store.as_mut() {
            store.set_actor(user);
        }
        Ok(self.status())
    }

    /// Moves the data to `dir`: an empty (or new) folder receives a copy of the database and
    /// attachments, then the app switches to it; a folder that already holds Sổ Vàng data is
    /// opened as it is. The old folder is left untouched, so nothing can be lost midway.
    pub fn move_data(&mut self, dir: &Path) -> Result<AppStatus> {
        let shown = dir.display().to_string();
        let io = |e: std::io::Error| Error::io(Some("data_dir"), &shown, &e);
        if !dir.join(DB_FILE).exists() {
            let occupied = std::fs::read_dir(dir)
                .map(|mut d| d.next().is_some())
                .unwrap_or(false);
            if occupied {
                return Err(Error::field_arg(Code::InvalidValue, "data_dir", &shown));
            }
            std::fs::create_dir_all(dir).map_err(io)?;
            if let Some(store) = self.store.as_ref() {
                store.copy_to(dir)?;
            }
        }
        let store = self.open_store(dir)?;
        self.settings.data_dir = Some(dir.to_owned());
        self.settings.save(&self.config_dir)?;
        self.data_override = None;
        self.store = store;
        Ok(self.status())
    }
}
