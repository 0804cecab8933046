//! Import: a verified bundle's records merged into this installation in one transaction.
//! Each record is either unchanged (nothing new), created, updated (field by field, see
//! `sync::merge`), held until a record it links to arrives, or rejected (outside the signer's
//! authority, or invalid) with the reason. A problem with the file itself changes nothing.
//! This module is the pipeline (open, read, apply in order, copy attachments, commit);
//! `apply` decides and writes one record, `authority` holds who may send what, and `held`
//! keeps what waits for a record that has not arrived.

mod apply;
mod attachment;
mod authority;
mod erasure;
mod held;
mod review;
mod write;

pub use held::HeldRecord;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use serde_json::Value;

use super::erase::WireErasure;
use super::rows::observe_versions;
use super::{load_campaigns, load_units, Store};
use crate::clock::stamp;
use crate::collate::VietCollator;
use crate::error::{Code, Error, Message, Result};
use crate::records::{self, Campaign, Ctx, Kind, Prepared};
use crate::sync::bundle::{attachment_entry, from_io, Bundle, HashCheck, Limits};
use crate::sync::identity::{normalize_fingerprint, KeyId, TrustedKey};
use crate::sync::wire::{WireAttachment, WireRecord};
use crate::sync::{Progress, APPLY_ORDER, ATTACHMENT, ERASURE};
use crate::units::UnitTree;

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Work out everything the import would do, then change nothing.
    pub dry_run: bool,
    /// The reader's limits (the defaults unless a test needs small ones).
    pub limits: Limits,
}

/// A record the import refused, and why.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    pub kind: String,
    pub id: String,
    pub code: Code,
    pub message: Message,
}

/// What one bundle did (or, in a dry run, would do).
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub file: String,
    pub bundle_id: Option<String>,
    pub origin_unit: Option<String>,
    pub origin_name: Option<String>,
    pub dry_run: bool,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub created: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub updated: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub unchanged: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub conflicts: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub held: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub rejected: u64,
    /// Records and attachments erased for good by the sender's erasures.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub erased: u64,
    /// Changes of the sender that have not arrived here (a bundle lost, or still to come).
    pub gaps: Vec<super::Gap>,
    /// Records held by earlier bundles that this one let through (counted in created/updated).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub released: u64,
    /// The first rejections, by record.
    pub rejections: Vec<Rejection>,
    pub error: Option<Error>,
    /// The backup taken before the import.
    pub backup: Option<String>,
}

use apply::{Applier, Env, Signer};
use attachment::Bytes;

const MAX_REJECTIONS_LISTED: usize = 1000;

impl ImportReport {
    fn reject(&mut self, kind: &str, id: &str, e: Error) {
        self.rejected += 1;
        if self.rejections.len() < MAX_REJECTIONS_LISTED {
            self.rejections.push(Rejection {
                kind: kind.to_owned(),
                id: id.to_owned(),
                code: e.code,
                message: e.message,
            });
        }
    }
}

impl Store {
    /// The key a bundle's fingerprint names: a trusted one, or this installation's own. A
    /// bundle of format 2 or older names it by its old fingerprint, of the key alone.
    fn signer_of(&self, fp: &str) -> Result<Option<TrustedKey>> {
        let fp = normalize_fingerprint(fp);
        let own = self.identity()?;
        if self.key_id()?.is_named_by(&fp) {
            return Ok(Some(TrustedKey {
                fingerprint: own.fingerprint,
                public_key: own.public_key,
                unit: own.unit,
                unit_name: own.unit_name,
                installation: own.installation,
                added_at: own.created_at,
                added_by: String::new(),
                revoked_at: None,
                revoked_by: None,
            }));
        }
        if let Some(k) = self.trusted(&fp)? {
            return Ok(Some(k));
        }
        let named = |k: &TrustedKey| {
            KeyId::from_hex(&k.public_key, &k.unit).is_some_and(|id| id.legacy == fp)
        };
        Ok(self.trust_list()?.into_iter().find(named))
    }

    /// Imports one bundle. Never fails as a whole: a problem with the file is the report's
    /// `error`, and then nothing was changed.
    pub fn import_bundle(
        &mut self,
        path: &Path,
        opts: ImportOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> ImportReport {
        let file = path.display().to_string();
        let result = Bundle::open_checking(path, &|fp| self.signer_of(fp), opts.limits).and_then(
            |(b, check)| {
                // Nothing is kept unless every hash holds (the import waits for the check
                // before it commits); a failed check is the error that counts, as if it had
                // run first.
                let mut check = Some(check);
                // The state before the import is backed up once the bundle is known to come
                // from a trusted key (a refused file costs no backup).
                let backup = match opts.dry_run {
                    true => None,
                    false => Some(self.backup(crate::backup::Reason::BeforeImport)?.backup.id),
                };
                let applied = self.import_inner(b, path, opts, &mut check, progress);
                let applied = applied.map(|mut r| {
                    r.backup = backup;
                    r
                });
                match (check.map(HashCheck::wait), applied) {
                    (Some(Err(e)), _) => Err(e),
                    (_, applied) => applied,
                }
            },
        );
        match result {
            Ok(mut r) => {
                r.file = file;
                r
            }
            Err(e) => {
                tracing::warn!(file = %file, code = e.code.as_str(), "bundle refused");
                ImportReport {
                    file,
                    dry_run: opts.dry_run,
                    error: Some(e),
                    ..Default::default()
                }
            }
        }
    }

    fn import_inner(
        &mut self,
        mut bundle: Bundle,
        path: &Path,
        opts: ImportOptions,
        check: &mut Option<HashCheck>,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ImportReport> {
        let attachments_dir = self.data_dir().to_owned();
        let total = bundle.manifest.total_records();
        progress(Progress {
            phase: "verify",
            done: 0,
            total,
        });
        let today = self.clock.today();
        let now = stamp(self.clock.now());
        let bundle_bytes = attachment_heads(&mut bundle)?;
        let own = self.identity()?;
        let own_id = self.key_id()?;
        let recipients = &bundle.manifest.recipients;
        if !recipients.is_empty() && !recipients.iter().any(|r| own_id.is_named_by(r)) {
            return Err(Error::plain(Code::BundleNotForHere, &own_id.fingerprint));
        }
        let env = Env {
            collator: &self.collator,
            clock: self.clock.as_ref(),
            data_dir: &attachments_dir,
            own: (own_id.clone(), own.unit),
            attachment_limit: self.attachment_limit,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        observe_versions(&tx, &mut self.hlc)?;
        // Who signed it, as the trust list says: the unit it claims in the file is not asked.
        let signer = bundle.signer.clone();
        let bundle_id = bundle.manifest.bundle_id.clone();
        let who = Signer {
            unit: &signer.unit,
            unit_name: &signer.unit_name,
            key: &signer.fingerprint,
            bundle_id: &bundle_id,
        };
        let mut ap = Applier::start(&tx, env, who, bundle_bytes, opts.dry_run)?;
        let mut done = 0u64;
        // Erasures first: a record they erase that this bundle also carries is then refused.
        if let Some(mut lines) = bundle.lines(ERASURE)? {
            let mut markers = Vec::new();
            while let Some(m) = lines.next_record::<WireErasure>()? {
                match m {
                    Ok(m) => markers.push(m),
                    Err(e) => ap.report.reject(ERASURE, &lines.position(), e),
                }
            }
            lines.finish()?;
            super::erase::people_first(&mut markers);
            for m in markers {
                ap.apply_erasure(m)?;
            }
        }
        for kind in APPLY_ORDER {
            // Units and campaigns are few and checked against each other as they arrive; the
            // other kinds are read, parsed and validated on a second thread while this one
            // writes (SQLite keeps one core busy).
            if !bundle.has(kind.name()) {
                continue;
            }
            let inline = matches!(kind, Kind::Unit | Kind::Campaign);
            let cx = (ap.units.clone(), ap.campaigns.clone(), today);
            let stream = read_kind(&mut bundle, kind, (!inline).then_some(&cx), &mut |batch| {
                for item in batch {
                    match item {
                        Incoming::Record(rec, checked) => {
                            let outcome = ap.apply(kind, rec, checked.as_ref())?;
                            ap.count(outcome);
                        }
                        Incoming::Unreadable(at, e) => ap.report.reject(kind.name(), at, e.clone()),
                    }
                    done += 1;
                    if done.is_multiple_of(1024) {
                        progress(Progress {
                            phase: "records",
                            done,
                            total,
                        });
                    }
                }
                Ok(())
            });
            stream?;
            if check.as_ref().is_some_and(HashCheck::has_failed) {
                return Err(Error::plain(Code::BundleHash, ""));
            }
            match kind {
                Kind::Unit => {
                    ap.units = load_units(&tx)?;
                    let (unit, key) = (ap.signer_unit.clone(), ap.signer_key.clone());
                    ap.set_signer(&unit, &key, &bundle_id);
                }
                Kind::Campaign => ap.campaigns = load_campaigns(&tx)?,
                _ => {}
            }
        }
        let listed: HashSet<String> = bundle
            .manifest
            .entries
            .iter()
            .filter_map(|e| e.name.strip_prefix("attachments/").map(str::to_owned))
            .collect();
        if let Some(mut lines) = bundle.lines(ATTACHMENT)? {
            while let Some(a) = lines.next_record::<WireAttachment>()? {
                match a {
                    Ok(a) => {
                        let outcome = ap.apply_attachment(a)?;
                        ap.count(outcome);
                    }
                    Err(e) => ap.report.reject(ATTACHMENT, &lines.position(), e),
                }
            }
            lines.finish()?;
        }
        ap.release_held()?;
        let need: Vec<String> = std::mem::take(&mut ap.need_bytes).into_iter().collect();
        let erased_shas = std::mem::take(&mut ap.erased_shas);
        let import_seq = ap.seq;
        let max_version = ap.max_version.clone();
        let mut report = ap.report;
        let m = &bundle.manifest;
        report.gaps =
            super::received::note_bundle(&tx, &signer.fingerprint, m.sequence, &signer.unit_name)?;
        super::received::take_acks(&tx, &own_id, &signer.fingerprint, &m.acks)?;
        if !opts.dry_run {
            for (i, sha) in need.iter().enumerate() {
                let target = super::attachments::path_in(&attachments_dir, sha);
                if target.exists() {
                    continue;
                }
                if !listed.contains(sha) {
                    return Err(Error::plain(
                        Code::BundleMissingEntry,
                        &attachment_entry(sha),
                    ));
                }
                copy_attachment(&mut bundle, sha, &target)?;
                progress(Progress {
                    phase: "attachments",
                    done: i as u64 + 1,
                    total: need.len() as u64,
                });
            }
        }
        note_last_version(&tx, &max_version)?;
        let report_json = serde_json::to_string(&report).unwrap_or_else(|_| "{}".into());
        tx.execute(
            "INSERT INTO sync_imports (bundle_id, file_name, origin_unit, fingerprint, imported_at, imported_by, report) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                bundle.manifest.bundle_id,
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                signer.unit,
                signer.fingerprint,
                now,
                self.actor,
                report_json
            ],
        )?;
        if let Some(check) = check.take() {
            check.wait()?;
        }
        if opts.dry_run {
            drop(tx);
        } else {
            // The commit writes what is left of the transaction and copies it all into the
            // database file (the checkpoint): logged apart, as it waits on the disk.
            let committing = std::time::Instant::now();
            super::terms::commit(tx)?;
            let commit_ms = committing.elapsed().as_millis() as u64;
            let reference_changed = bundle.has(Kind::Unit.name())
                || bundle.has(Kind::Campaign.name())
                || report.released > 0;
            self.after_import(&max_version, reference_changed)?;
            super::erase::delete_unused_files(&self.conn, &attachments_dir, &erased_shas)?;
            if report.erased > 0 {
                super::erase::log_change(&self.conn, &attachments_dir, import_seq)?;
                super::erase::scrub(&self.conn)?;
                self.results_memo.replace(None);
            }
            tracing::info!(
                created = report.created,
                updated = report.updated,
                held = report.held,
                rejected = report.rejected,
                commit_ms,
                "bundle imported"
            );
        }
        progress(Progress {
            phase: "done",
            done: total,
            total,
        });
        Ok(report)
    }
}

/// The size and type of every attachment the bundle lists, read from their first bytes before
/// any row is applied, so that an attachment row is judged by the file it brings.
fn attachment_heads(bundle: &mut Bundle) -> Result<HashMap<String, Bytes>> {
    let listed: Vec<(String, u64)> = bundle
        .manifest
        .entries
        .iter()
        .filter_map(|e| Some((e.name.strip_prefix("attachments/")?.to_owned(), e.size)))
        .collect();
    let mut out = HashMap::with_capacity(listed.len());
    for (sha, size) in listed {
        let name = attachment_entry(&sha);
        let mut head = Vec::with_capacity(16);
        bundle
            .entry(&name)?
            .take(16)
            .read_to_end(&mut head)
            .map_err(|e| from_io(e, &name))?;
        let mime = super::attachments::sniff_mime(&head);
        out.insert(sha, Bytes { size, mime });
    }
    Ok(out)
}

/// Makes the latest version applied this installation's last one (it was checked to be no
/// more than a day ahead of this PC's clock).
fn note_last_version(tx: &rusqlite::Transaction, max_version: &str) -> Result<()> {
    let last: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = 'hlc_last'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if last.as_deref().is_none_or(|l| l < max_version) && !max_version.is_empty() {
        super::set_meta(tx, "hlc_last", max_version)?;
    }
    Ok(())
}

impl Store {
    /// After an import committed: later local versions follow what it applied, and the unit
    /// tree and campaigns are read again if it may have changed them.
    fn after_import(&mut self, max_version: &str, reference_changed: bool) -> Result<()> {
        if let Some(h) = crate::hlc::Hlc::parse(max_version) {
            self.hlc.observe(h);
        }
        if reference_changed {
            self.reload_units()?;
            self.reload_campaigns()?;
        }
        Ok(())
    }

    /// Applies the held records whose wait is over with no bundle to import: above all those
    /// held because their sender's clock was ahead, once this PC's time has caught up. Opening
    /// the store calls it when such a record is ripe.
    pub fn release_held(&mut self) -> Result<ImportReport> {
        let own = self.identity()?;
        let data_dir = self.data_dir().to_owned();
        let env = Env {
            collator: &self.collator,
            clock: self.clock.as_ref(),
            data_dir: &data_dir,
            own: (self.key_id()?, own.unit.clone()),
            attachment_limit: self.attachment_limit,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        observe_versions(&tx, &mut self.hlc)?;
        let who = Signer {
            unit: &own.unit,
            unit_name: &own.unit_name,
            key: &own.fingerprint,
            bundle_id: "",
        };
        let mut ap = Applier::start(&tx, env, who, HashMap::new(), false)?;
        ap.release_held()?;
        let max_version = ap.max_version.clone();
        let mut report = ap.report;
        report.bundle_id = None;
        note_last_version(&tx, &max_version)?;
        super::terms::commit(tx)?;
        self.after_import(&max_version, report.released > 0)?;
        if report.released > 0 || report.rejected > 0 {
            tracing::info!(
                released = report.released,
                rejected = report.rejected,
                "held records released"
            );
        }
        Ok(report)
    }

    /// Whether a record held for its sender's clock can be applied now.
    pub(crate) fn has_ripe_clock_holds(&self) -> Result<bool> {
        let now_ms = self.clock.now().timestamp_millis();
        let mut stmt = self.conn.prepare(
            "SELECT substr(waiting_for, 7) FROM sync_held WHERE waiting_for LIKE 'clock:%'",
        )?;
        let versions = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for v in versions {
            if crate::hlc::Hlc::parse(&v?).is_some_and(|h| !h.is_ahead_of(now_ms)) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// A line of a record entry as the writer gets it: a record (validated ahead when the reader
/// could), or a line that is no record, rejected alone with where it was.
#[allow(clippy::large_enum_variant)] // nearly every item is a record: boxing each costs more
enum Incoming {
    Record(WireRecord, Option<Result<Prepared>>),
    Unreadable(String, Error),
}

impl Incoming {
    fn read(line: std::result::Result<WireRecord, Error>, at: String) -> Incoming {
        match line {
            Ok(rec) => Incoming::Record(rec, None),
            Err(e) => Incoming::Unreadable(at, e),
        }
    }
}
type Snapshot = (UnitTree, HashMap<String, Campaign>, NaiveDate);

/// Reads one kind's records in batches and hands them to `apply`. With a snapshot of what
/// validation needs, a second thread reads and validates while `apply` writes (see
/// `pipelined`).
fn read_kind(
    bundle: &mut Bundle,
    kind: Kind,
    validate: Option<&Snapshot>,
    apply: &mut dyn FnMut(&[Incoming]) -> Result<()>,
) -> Result<()> {
    let Some(mut lines) = bundle.lines(kind.name())? else {
        return Ok(());
    };
    let Some((units, campaigns, today)) = validate else {
        while let Some(line) = lines.next_record::<WireRecord>()? {
            apply(&[Incoming::read(line, lines.position())])?;
        }
        return lines.finish();
    };
    let read = move |send: &mut dyn FnMut(Vec<Incoming>) -> bool| {
        let collator = VietCollator::new();
        let cx = Ctx {
            today: *today,
            units,
            campaigns,
            collator: &collator,
        };
        let mut batch = Vec::with_capacity(256);
        while let Some(line) = lines.next_record::<WireRecord>()? {
            let item = match Incoming::read(line, lines.position()) {
                Incoming::Record(rec, _) => {
                    let checked = records::prepare(kind, Value::Object(rec.body.clone()), &cx);
                    Incoming::Record(rec, Some(checked))
                }
                unreadable => unreadable,
            };
            batch.push(item);
            if batch.len() == 256 && !send(std::mem::take(&mut batch)) {
                return Ok(()); // the writer stopped: its error is the one reported
            }
        }
        lines.finish()?;
        send(batch);
        Ok(())
    };
    pipelined(kind.name(), read, |batch: &Vec<Incoming>| apply(batch))
}

/// Runs `produce` on a second thread while `consume` takes, on this one, each item it sends
/// (`send` says false once `consume` stopped). Consumed items go back to be dropped over
/// there: freeing the batches is a fifth of the writer's own work otherwise. The first error
/// wins, and a panic while producing is an error, never a short end of the items: the
/// import stops and nothing is kept.
fn pipelined<T: Send>(
    what: &str,
    produce: impl FnOnce(&mut dyn FnMut(T) -> bool) -> Result<()> + Send,
    mut consume: impl FnMut(&T) -> Result<()>,
) -> Result<()> {
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Result<T>>(4);
        let (done, used) = std::sync::mpsc::channel::<T>();
        let producer = scope.spawn(move || {
            let mut yield_item = |item: T| {
                let sent = send.send(Ok(item)).is_ok();
                used.try_iter().for_each(drop);
                sent
            };
            if let Err(e) = produce(&mut yield_item) {
                let _ = send.send(Err(e));
            }
        });
        let mut outcome = Ok(());
        for item in receive {
            match item.and_then(|b| consume(&b).map(|_| b)) {
                Ok(b) => {
                    let _ = done.send(b);
                }
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            }
        }
        if producer.join().is_err() && outcome.is_ok() {
            tracing::error!(what, "bundle reader panicked");
            let at = format!("{what}: reader stopped");
            outcome = Err(Error::plain(Code::BundleRecord, &at));
        }
        outcome
    })
}

/// Copies an attachment's bytes out of the bundle, checking them against their name (the
/// content hash) before they take it.
fn copy_attachment(bundle: &mut Bundle, sha: &str, target: &Path) -> Result<()> {
    let name = attachment_entry(sha);
    let dir = target.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".incoming-{}", uuid::Uuid::now_v7()));
    let result = (|| {
        let mut out = File::create(&tmp)?;
        let mut r = bundle.entry(&name)?;
        std::io::copy(&mut r, &mut out).map_err(|e| from_io(e, &name))?;
        out.flush()?;
        out.sync_all()?;
        let (got, _) = r.finish();
        if got != sha {
            return Err(Error::plain(Code::BundleHash, &name));
        }
        std::fs::rename(&tmp, target)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// Runs `pipelined` with a producer that sends 1, 2, … and then does `end` at `stop`,
    /// and a consumer that fails at `fail_at`; returns the result and what was consumed.
    fn run(stop: u32, end: fn(u32) -> Result<()>, fail_at: u32) -> (Result<()>, Vec<u32>) {
        let consumed = RefCell::new(Vec::new());
        let result = pipelined(
            "person",
            move |send: &mut dyn FnMut(u32) -> bool| {
                for i in 1.. {
                    if i == stop {
                        return end(i);
                    }
                    if !send(i) {
                        return Ok(());
                    }
                }
                Ok(())
            },
            |i: &u32| {
                if *i == fail_at {
                    return Err(Error::plain(Code::Storage, "disk full"));
                }
                consumed.borrow_mut().push(*i);
                Ok(())
            },
        );
        (result, consumed.into_inner())
    }

    #[test]
    fn a_panicking_reader_is_an_error_not_the_end_of_the_records() {
        let (result, consumed) = run(3, |i| panic!("reader bug at {i}"), u32::MAX);
        assert_eq!(
            result.map_err(|e| e.code),
            Err(Code::BundleRecord),
            "a panic must stop the import (its transaction is dropped), not pass for the end"
        );
        assert_eq!(
            consumed,
            [1, 2],
            "nothing after the panic reaches the writer"
        );
    }

    #[test]
    fn a_reader_error_is_the_result_and_ends_what_is_consumed() {
        let (result, consumed) = run(4, |_| Err(Error::plain(Code::BundleHash, "x")), u32::MAX);
        assert_eq!(result.map_err(|e| e.code), Err(Code::BundleHash));
        assert_eq!(
            consumed,
            [1, 2, 3],
            "everything before the error, nothing after"
        );
        let (result, consumed) = run(6, |_| Ok(()), u32::MAX);
        assert!(result.is_ok(), "a clean end is Ok");
        assert_eq!(
            consumed,
            [1, 2, 3, 4, 5],
            "and every item arrives, in order"
        );
    }

    #[test]
    fn a_writer_error_stops_the_reader() {
        // The producer would never stop on its own: only the writer's error ends it.
        let (result, consumed) = run(0, |_| Ok(()), 10);
        assert_eq!(
            result.map_err(|e| e.code),
            Err(Code::Storage),
            "the writer's error is the one reported"
        );
        assert_eq!(consumed, (1..10).collect::<Vec<_>>());
    }
}
