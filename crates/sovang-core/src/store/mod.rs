//! The store: one installation's database and attachments, and every operation on records.

mod attachments;
mod audit_chain;
mod backups;
mod check;
mod conflicts;
pub(crate) mod erase;
mod export;
mod import;
mod installation;
mod overview;
mod read;
mod received;
mod results;
mod review;
mod rows;
mod search;
mod setup;
mod sheet;
mod terms;
mod view;
mod write;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use uuid::Uuid;

pub use attachments::{sniff_mime, DetachedAttachment};
pub use audit_chain::BrokenLink;
pub use backups::BackupStatus;
pub use check::Problem;
pub use conflicts::Conflict;
pub use erase::{PurgeReport, WireErasure};
pub use export::{ExportOptions, ExportReport};
pub use import::{HeldRecord, ImportOptions, ImportReport, Rejection};
pub use installation::{Machine, MARK_FILE};
pub use overview::{Count, Overview, TargetProgress};
pub use read::{ListFilter, Page, PageItem, Stats, MAX_LIMIT as MAX_PAGE};
pub use received::Gap;
pub use results::{MemberTotal, NominationResult, Results, ReviewActions};
pub use review::{DecisionInput, ReviewState, ScoreInput, ScoreView, StatusChange};
pub use setup::{find_reference_units, UnitChoice, UnitRow};
pub use sheet::{RowOutcome, SheetError, SheetOptions, SheetReport, SheetRow};
pub use view::{record_view, Attachment, HistoryRow, RecordView};

use crate::clock::{stamp, Clock, IdGen};
use crate::collate::VietCollator;
use crate::error::{Code, Error, Result};
use crate::hlc::{Hlc, HlcGen};
use crate::records::{self, Campaign, Ctx, Kind};
use crate::units::{UnitNode, UnitTree};
use crate::{db, migrations};

pub const DB_FILE: &str = "sovang.db";
/// Default size limit of one attachment.
pub const DEFAULT_ATTACHMENT_LIMIT: u64 = 20 * 1024 * 1024;

/// Who this installation is.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Installation {
    pub id: String,
    pub unit: String,
    pub unit_name: String,
    pub user: String,
}

pub struct Store {
    conn: Connection,
    clock: Arc<dyn Clock>,
    hlc: HlcGen,
    dir: PathBuf,
    installation: Installation,
    actor: String,
    units: UnitTree,
    /// Units this installation may write for: its unit's scope.
    scope: HashSet<String>,
    campaigns: HashMap<String, Campaign>,
    collator: VietCollator,
    attachment_limit: u64,
    ids: IdGen,
    /// The last results worked out, kept while the database has not changed (see `results`).
    results_memo: std::cell::RefCell<Option<results::Memo>>,
}

/// Where attachment content `sha256` lives under a data folder (or a backup folder).
pub(crate) fn attachment_file(dir: &Path, sha256: &str) -> PathBuf {
    attachments::path_in(dir, sha256)
}

/// Chains audit rows written before the chain existed (a database just migrated).
pub(crate) fn seal_audit(conn: &mut Connection) -> Result<()> {
    audit_chain::seal_pending(conn)
}

fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// The node part of versions: the random tail of the installation id.
fn node_of(installation_id: &str) -> u64 {
    Uuid::parse_str(installation_id)
        .map(|u| u.as_u64_pair().1)
        .unwrap_or(0)
}

impl Store {
    /// Creates the database for `unit` in `dir`, loading the reference units and the campaign
    /// preset. Running it again for the same unit is harmless; another unit is refused.
    pub fn init(dir: &Path, unit: &str, user: &str, clock: Arc<dyn Clock>) -> Result<Store> {
        Store::init_on(dir, unit, user, clock, &Machine::this())
    }

    /// `init` on the PC `machine` (see `open_on`).
    pub fn init_on(
        dir: &Path,
        unit: &str,
        user: &str,
        clock: Arc<dyn Clock>,
        machine: &Machine,
    ) -> Result<Store> {
        std::fs::create_dir_all(dir)?;
        let mut conn = db::open(&dir.join(DB_FILE))?;
        migrations::migrate(&mut conn, migrations::MIGRATIONS)?;
        if let Some(existing) = get_meta(&conn, "unit")? {
            if existing != unit {
                return Err(Error::plain(Code::InitializedForOtherUnit, &existing));
            }
            drop(conn);
            let mut store = Store::open_on(dir, clock, machine)?;
            // An init stopped between its two transactions left no reference data: finish it.
            if store.units.is_empty() {
                store.seed_reference(crate::units::reference_units())?;
            }
            return Ok(store);
        }
        let reference = crate::units::reference_units();
        if !reference.iter().any(|u| u.code == unit) {
            return Err(Error::field_arg(Code::UnknownUnit, "unit", unit));
        }
        let install_id = crate::clock::IdGen::default()
            .next(clock.as_ref())
            .to_string();
        let user = if user.trim().is_empty() {
            "Quản trị viên"
        } else {
            user.trim()
        };
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        set_meta(&tx, "installation_id", &install_id)?;
        set_meta(&tx, "unit", unit)?;
        set_meta(&tx, "user", user)?;
        set_meta(&tx, "created_at", &stamp(clock.now()))?;
        tx.commit()?;
        audit_chain::seal_pending(&mut conn)?;
        let mut store = Store::load(conn, dir, clock, machine)?;
        store.seed_reference(reference)?;
        tracing::info!(unit, "initialized");
        Ok(store)
    }

    /// Opens an initialized data folder on this PC.
    pub fn open(dir: &Path, clock: Arc<dyn Clock>) -> Result<Store> {
        Store::open_on(dir, clock, &Machine::this())
    }

    /// Opens an initialized data folder on the PC `machine`: a copy of a folder made on
    /// another PC becomes a new installation (see `installation`).
    pub fn open_on(dir: &Path, clock: Arc<dyn Clock>, machine: &Machine) -> Result<Store> {
        let path = dir.join(DB_FILE);
        if !path.exists() {
            return Err(Error::plain(
                Code::NotInitialized,
                &dir.display().to_string(),
            ));
        }
        crate::backup::recover(dir)?;
        let mut conn = db::open(&path)?;
        if migrations::pending(&conn, migrations::MIGRATIONS)? {
            crate::backup::create(dir, crate::backup::Reason::BeforeMigration, clock.as_ref())?;
        }
        migrations::migrate(&mut conn, migrations::MIGRATIONS)?;
        audit_chain::seal_pending(&mut conn)?;
        Store::load(conn, dir, clock, machine)
    }

    fn load(
        mut conn: Connection,
        dir: &Path,
        clock: Arc<dyn Clock>,
        machine: &Machine,
    ) -> Result<Store> {
        let missing = || Error::plain(Code::NotInitialized, &dir.display().to_string());
        let id = get_meta(&conn, "installation_id")?.ok_or_else(missing)?;
        let id = installation::recognise(&mut conn, dir, clock.as_ref(), machine, id)?;
        let unit = get_meta(&conn, "unit")?.ok_or_else(missing)?;
        let user = get_meta(&conn, "user")?.unwrap_or_default();
        let last = get_meta(&conn, "hlc_last")?.and_then(|s| Hlc::parse(&s));
        let mut store = Store {
            hlc: HlcGen::new(node_of(&id), last),
            installation: Installation {
                id,
                unit_name: String::new(),
                unit,
                user: user.clone(),
            },
            actor: user,
            conn,
            clock,
            dir: dir.to_owned(),
            units: UnitTree::default(),
            scope: HashSet::new(),
            campaigns: HashMap::new(),
            collator: VietCollator::new(),
            attachment_limit: DEFAULT_ATTACHMENT_LIMIT,
            ids: IdGen::default(),
            results_memo: Default::default(),
        };
        store.reload_units()?;
        store.reload_campaigns()?;
        store.finish_search_rebuild()?;
        if get_meta(&store.conn, "scrub_pending")?.is_some() {
            erase::scrub(&store.conn)?;
        }
        if store.has_ripe_clock_holds()? {
            store.release_held()?;
        }
        Ok(store)
    }

    pub(crate) fn reload_units(&mut self) -> Result<()> {
        self.units = load_units(&self.conn)?;
        self.scope = self.units.scope(&self.installation.unit);
        self.installation.unit_name = self
            .units
            .get(&self.installation.unit)
            .map(|n| n.name.clone())
            .unwrap_or_default();
        Ok(())
    }

    pub(crate) fn reload_campaigns(&mut self) -> Result<()> {
        self.campaigns = load_campaigns(&self.conn)?;
        Ok(())
    }

    pub fn installation(&self) -> &Installation {
        &self.installation
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    pub fn units(&self) -> &UnitTree {
        &self.units
    }

    pub fn campaigns(&self) -> &HashMap<String, Campaign> {
        &self.campaigns
    }

    /// The name written as "who" in records and the audit log from now on.
    pub fn set_actor(&mut self, name: &str) {
        if !name.trim().is_empty() {
            self.actor = name.trim().to_owned();
        }
    }

    /// A new record id, stamped by the store's clock.
    pub(crate) fn new_id(&self) -> String {
        self.ids.next(self.clock.as_ref()).to_string()
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// The size of SQLite's page cache, in KiB (see `db::APP_CACHE_KIB`).
    pub fn set_cache_kib(&self, kib: i64) -> Result<()> {
        self.conn.pragma_update(None, "cache_size", -kib)?;
        Ok(())
    }

    pub fn set_attachment_limit(&mut self, bytes: u64) {
        self.attachment_limit = bytes;
    }

    /// Vietnamese order of two texts.
    pub fn collate(&self, a: &str, b: &str) -> std::cmp::Ordering {
        self.collator.compare(a, b)
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The validation context for the current moment.
    pub fn ctx(&self) -> Ctx<'_> {
        Ctx {
            today: self.clock.today(),
            units: &self.units,
            campaigns: &self.campaigns,
            collator: &self.collator,
        }
    }

    /// Direct read access, for checks and benchmarks.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Settings for loading many records at once: a larger page cache (index pages stay in
    /// memory instead of spilling mid-transaction) and rarer checkpoints. Off again,
    /// everything is checkpointed. (The search indexes' 16 MB buffer is their setting for
    /// every transaction since migration 0006.)
    pub fn bulk_mode(&self, on: bool) -> Result<()> {
        let (cache, wal) = if on {
            (-65_536, 16_384)
        } else {
            (-16_000, 1_000)
        };
        self.conn.pragma_update(None, "cache_size", cache)?;
        self.conn.pragma_update(None, "wal_autocheckpoint", wal)?;
        if !on {
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
        Ok(())
    }

    /// The unit codes a filter by `unit` covers, or an error if the unit is unknown.
    pub fn unit_scope(&self, unit: &str) -> Result<HashSet<String>> {
        if self.units.get(unit).is_none() {
            return Err(Error::field_arg(Code::UnknownUnit, "unit", unit));
        }
        Ok(self.units.scope(unit))
    }

    fn seed_reference(&mut self, reference: Vec<records::Unit>) -> Result<()> {
        let system = "Hệ thống";
        let mut batch = Vec::with_capacity(reference.len() + 1);
        for u in reference {
            let id = reference_id(&u.code);
            // Parents come first, so each unit's parent is known when it is checked.
            let node = UnitNode {
                name: u.name.clone(),
                kind: u.unit_type.clone(),
                parent: u.parent.clone(),
                successor: None,
            };
            self.units.insert(u.code.clone(), node);
            let p = records::prepare_body(u, &self.ctx())?;
            batch.push((Kind::Unit, id, p));
        }
        let c = records::preset_campaign();
        let p = records::prepare_body(c, &self.ctx())?;
        batch.push((Kind::Campaign, records::PRESET_CAMPAIGN_ID.to_string(), p));
        let actor = std::mem::replace(&mut self.actor, system.to_owned());
        // Reference data is identical everywhere, down to its version (the lowest there is),
        // so that installations agree on it and any real change made anywhere is newer.
        let res = self.insert_batch_at(
            batch,
            Some((
                "2025-07-01T00:00:00.000Z",
                "000000000000000-00000-0000000000000000",
            )),
        );
        self.actor = actor;
        res?;
        self.reload_units()?;
        self.reload_campaigns()
    }
}

/// The live unit tree as stored.
pub(crate) fn load_units(conn: &Connection) -> Result<UnitTree> {
    let mut stmt = conn.prepare_cached(
        "SELECT code, title, kind, parent, successor FROM units WHERE deleted_at IS NULL",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            UnitNode {
                name: r.get(1)?,
                kind: r.get(2)?,
                parent: r.get(3)?,
                successor: r.get(4)?,
            },
        ))
    })?;
    Ok(UnitTree::new(rows.collect::<rusqlite::Result<Vec<_>>>()?))
}

/// The live campaigns as stored, by id.
pub(crate) fn load_campaigns(conn: &Connection) -> Result<HashMap<String, Campaign>> {
    let mut stmt =
        conn.prepare_cached("SELECT id, body FROM campaigns WHERE deleted_at IS NULL")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut map = HashMap::new();
    for row in rows {
        let (id, body) = row?;
        if let Ok(c) = serde_json::from_str::<Campaign>(&body) {
            map.insert(id, c);
        }
    }
    Ok(map)
}

/// Reference units get the same id on every installation: a UUIDv7 stamped 1 July 2025 whose
/// random part comes from the official code, so that bundles from different PCs agree.
pub fn reference_id(code: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("vn-admin-2025:{code}").as_bytes());
    let mut rand = [0u8; 10];
    rand.copy_from_slice(&digest[..10]);
    uuid::Builder::from_unix_timestamp_millis(1_751_328_000_000, &rand)
        .into_uuid()
        .to_string()
}
