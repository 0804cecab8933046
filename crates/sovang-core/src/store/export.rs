//! Export: what this installation holds and has authority over, as a signed bundle. By default
//! only what changed since the last bundle made for the same destination.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::erase::WireErasure;
use super::Store;
use crate::clock::stamp;
use crate::error::{Code, Error, Result};
use crate::records::{Committee, Kind};
use crate::sync::bundle::{
    attachment_entry, records_entry, EntryHash, HashingWriter, Manifest, Origin, SeqRange, FORMAT,
    FORMAT_VERSION, MANIFEST, SIGNATURE, WITHOUT_ERASURES,
};
use crate::sync::identity::normalize_fingerprint;
use crate::sync::identity::KeyId;
use crate::sync::wire::{
    attachment_from_row, from_row, WireRecord, ATTACHMENT_COLUMNS, RECORD_COLUMNS,
};
use crate::sync::{Progress, APPLY_ORDER, ATTACHMENT, COMMITTEE_ONLY, ERASURE, REFERENCE_VERSION};

#[derive(Debug, Clone, Default)]
pub struct ExportOptions {
    /// Who the bundle is for: a unit code (every trusted installation of that unit) or one
    /// installation's key fingerprint. Only the destination unit's records and its levels
    /// above travel, and what was sent is remembered per installation.
    pub to: Option<String>,
    /// Everything held, not only what was not sent yet.
    pub full: bool,
    /// The most attachments one bundle carries (`None`: `MAX_ATTACHMENTS_PER_BUNDLE`).
    pub max_attachments: Option<usize>,
}

/// The most attachments one bundle carries. Each is an entry of the manifest, whose 4 MiB
/// bound (`sync::bundle`) holds about 19,500; past this many a bundle stops before the change
/// that would bring one more, and the next bundle carries on from there.
pub const MAX_ATTACHMENTS_PER_BUNDLE: usize = 10_000;

#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub file: String,
    pub bundle_id: String,
    pub destination: Option<String>,
    /// The installations (key fingerprints) it was made for; a unit code or '' while none of
    /// the destination's installations is trusted.
    pub recipients: Vec<String>,
    pub full: bool,
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub counts: BTreeMap<String, u64>,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub records: u64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub bytes: u64,
    /// More changes wait than one bundle carries: export again to send the rest.
    pub more: bool,
}

/// The last change a bundle from `since` can carry with at most `max` attachments of `units`
/// (each content once), and whether changes after it are left for the next bundle. A bundle
/// always carries its first change whole.
fn last_change_within(
    tx: &rusqlite::Transaction,
    (since, upto): (i64, i64),
    units: &HashSet<String>,
    max: usize,
) -> Result<(i64, bool)> {
    let mut stmt = tx.prepare(
        "SELECT change_seq, sha256, unit FROM attachments \
         WHERE change_seq > ?1 AND change_seq <= ?2 AND deleted_at IS NULL ORDER BY change_seq",
    )?;
    let mut rows = stmt.query(params![since, upto])?;
    let mut shas = HashSet::new();
    while let Some(r) = rows.next()? {
        let (seq, sha, unit): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if !units.contains(&unit) {
            continue;
        }
        if shas.insert(sha) && shas.len() > max && seq > since + 1 {
            return Ok((seq - 1, true));
        }
    }
    Ok((upto, false))
}

fn prefixed(columns: &str) -> String {
    columns
        .split(", ")
        .map(|c| format!("t.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

type Zip = ZipWriter<BufWriter<File>>;

/// Streams one entry into the zip, hashing what goes in.
fn write_entry(
    zip: &mut Zip,
    name: &str,
    method: CompressionMethod,
    body: &mut dyn FnMut(&mut dyn Write) -> Result<()>,
) -> Result<EntryHash> {
    let level = (method == CompressionMethod::Deflated).then_some(3);
    let options = SimpleFileOptions::default()
        .compression_method(method)
        .compression_level(level)
        .large_file(true);
    zip.start_file(name, options).map_err(zip_err)?;
    let mut w = HashingWriter {
        inner: &mut *zip,
        hasher: Sha256::new(),
        size: 0,
    };
    body(&mut w)?;
    Ok(EntryHash {
        name: name.to_owned(),
        size: w.size,
        sha256: hex::encode(w.hasher.finalize()),
    })
}

fn zip_err(e: zip::result::ZipError) -> Error {
    Error::plain(Code::Io, &e.to_string())
}

/// The installations a bundle is made for, from the trust list.
struct Recipients {
    /// The destination unit (none: a bundle for anyone, of everything in scope).
    unit: Option<String>,
    /// Where what was sent is remembered: each recipient installation's fingerprint, or the
    /// unit code while no installation of that unit is trusted (or '' for anyone).
    keys: Vec<String>,
    /// Named by its fingerprint: the bundle is for that installation alone.
    named: bool,
}

/// Blind scoring, held by the data itself: a committee member's installation receives the
/// other members' sheets of a nomination only once its own submitted (or recused) sheet for
/// it is here (the chair's, which relays them all, receives every sheet). Held-back sheets go out again when a sheet of that nomination is written (see
/// `review::touch_other_sheets`).
struct BlindSheets {
    /// Each recipient installation as a committee may name it; `None` for a unit code with
    /// no trusted installation yet, or '' (anyone).
    recipients: Vec<Option<KeyId>>,
    /// A bundle for anyone, not for named installations.
    anyone: bool,
    /// This installation.
    own: KeyId,
    committees: HashMap<String, Option<Committee>>,
}

impl BlindSheets {
    fn new(tx: &rusqlite::Transaction, recipients: &[String], own: KeyId) -> Result<Self> {
        let ids = recipients
            .iter()
            .map(|k| Store::key_id_of(tx, &own, k))
            .collect::<Result<_>>()?;
        Ok(BlindSheets {
            recipients: ids,
            anyone: recipients.iter().all(String::is_empty),
            own,
            committees: HashMap::new(),
        })
    }

    /// Whether every recipient may receive this sheet.
    fn may_see(&mut self, tx: &rusqlite::Transaction, sheet: &WireRecord) -> Result<bool> {
        let field = |k: &str| {
            sheet
                .body
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
        };
        let committee_id = field("committee_id");
        if !self.committees.contains_key(committee_id) {
            let body: Option<String> = tx
                .prepare_cached("SELECT body FROM committees WHERE id = ?1")?
                .query_row([committee_id], |r| r.get(0))
                .optional()?;
            let c = body.and_then(|b| serde_json::from_str::<Committee>(&b).ok());
            self.committees.insert(committee_id.to_owned(), c);
        }
        let Some(Some(c)) = self.committees.get(committee_id) else {
            return Ok(true);
        };
        if !c.blind {
            return Ok(true);
        }
        if self.anyone {
            // A bundle for anyone carries, of a blind committee, only this installation's
            // own member's sheets: the others go to named installations alone.
            let own = c.member_by_key(&self.own).map(|m| m.id.as_str());
            return Ok(own == Some(field("member_id")));
        }
        for key in self.recipients.iter().flatten() {
            let Some(m) = c.member_by_key(key) else {
                continue; // not a member: blind scoring does not concern it
            };
            // The chair's installation gathers every sheet to pass them on; there, blind
            // scoring rests on what the app shows.
            if m.id == field("member_id") || m.role == "chair" {
                continue;
            }
            let own_is_in = tx
                .prepare_cached(
                    "SELECT 1 FROM scores WHERE ref = ?1 AND committee_id = ?2 \
                     AND body ->> '$.member_id' = ?3 AND deleted_at IS NULL \
                     AND body ->> '$.submitted' = 1",
                )?
                .query_row(
                    [field("nomination_id"), committee_id, m.id.as_str()],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if !own_is_in {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Eight groups of five digits (see `identity::fingerprint`), not a unit code.
fn is_fingerprint(k: &str) -> bool {
    k.len() == 47 && normalize_fingerprint(k) == k
}

impl Recipients {
    /// The installation a bundle made for one (named by its fingerprint) is for: no other may
    /// import it. A bundle for a unit goes to any installation of it.
    fn installations(&self) -> Vec<String> {
        match self.keys.as_slice() {
            [one] if self.named && is_fingerprint(one) => vec![one.clone()],
            _ => Vec::new(),
        }
    }
}

impl Store {
    /// Resolves `to` (a unit code or a fingerprint) into recipients.
    fn recipients(&self, to: Option<&str>) -> Result<Recipients> {
        let Some(to) = to.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Recipients {
                unit: None,
                keys: vec![String::new()],
                named: false,
            });
        };
        let live = |k: &crate::sync::identity::TrustedKey| k.revoked_at.is_none();
        if self.units.get(to).is_some() {
            let keys: Vec<String> = self
                .trust_list()?
                .into_iter()
                .filter(|k| k.unit == to && live(k))
                .map(|k| k.fingerprint)
                .collect();
            return Ok(Recipients {
                unit: Some(to.to_owned()),
                keys: if keys.is_empty() {
                    vec![to.to_owned()]
                } else {
                    keys
                },
                named: false,
            });
        }
        match self.trusted(to)?.filter(live) {
            Some(k) => Ok(Recipients {
                unit: Some(k.unit),
                keys: vec![k.fingerprint],
                named: true,
            }),
            None => Err(Error::field_arg(Code::UnknownDestination, "to", to)),
        }
    }

    /// The units a bundle for `to` may carry: this installation's scope, narrowed to the
    /// destination's own units and the levels above it.
    fn export_units(&self, to: Option<&str>) -> Result<HashSet<String>> {
        let Some(to) = to else {
            return Ok(self.scope.clone());
        };
        let mut wanted = self.unit_scope(to)?;
        wanted.extend(self.units.ancestors(to));
        Ok(wanted.intersection(&self.scope).cloned().collect())
    }

    /// Writes a bundle to `out` (through a temporary file, so a half-written bundle never
    /// bears the name) and remembers what was sent to the destination.
    pub fn export_bundle(
        &mut self,
        out: &Path,
        opts: &ExportOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ExportReport> {
        let recipients = self.recipients(opts.to.as_deref())?;
        let units = self.export_units(recipients.unit.as_deref())?;
        let card = self.identity()?;
        let bundle_id = self.new_id();
        let label = out.display().to_string();
        let tmp = out.with_extension("sovang.part");
        let io = |e: std::io::Error| Error::io(Some("out"), &label, &e);
        // One read transaction: the bundle is a snapshot even while the app keeps writing.
        let tx = self.conn.unchecked_transaction()?;
        // What every recipient has not had yet: from the one that had least.
        let mut since = i64::MAX;
        for key in &recipients.keys {
            let sent: Option<i64> = tx
                .query_row(
                    "SELECT seq FROM sync_sent WHERE destination = ?1",
                    [key],
                    |r| r.get(0),
                )
                .optional()?;
            since = since.min(sent.unwrap_or(0));
        }
        if opts.full {
            since = 0;
        }
        let max = opts.max_attachments.unwrap_or(MAX_ATTACHMENTS_PER_BUNDLE);
        let last = super::rows::last_change(&tx)?;
        let (upto, more) = last_change_within(&tx, (since, last), &units, max)?;
        let mut blind = BlindSheets::new(&tx, &recipients.keys, self.key_id()?)?;
        let mut total = 0u64;
        let tables = crate::records::Kind::ALL.map(|k| k.table());
        for table in tables.iter().chain(&["attachments"]) {
            let sql =
                format!("SELECT count(*) FROM {table} WHERE change_seq > ?1 AND change_seq <= ?2");
            total += tx.query_row(&sql, [since, upto], |r| r.get::<_, u64>(0))?;
        }
        let file = File::create(&tmp).map_err(io)?;
        let mut zip = ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
        let mut entries = Vec::new();
        let mut counts = BTreeMap::new();
        let mut done = 0u64;
        let mut line = Vec::with_capacity(4096);
        let result = (|| -> Result<()> {
            for kind in APPLY_ORDER {
                // Parents before children in the tree (a child's code extends its parent's).
                let order = if kind == crate::records::Kind::Unit {
                    "length(t.code), t.code"
                } else {
                    "t.change_seq"
                };
                let sql = format!(
                    "SELECT {} FROM {} t \
                     WHERE t.change_seq > ?1 AND t.change_seq <= ?2 AND t.hlc != ?3 ORDER BY {order}",
                    prefixed(RECORD_COLUMNS),
                    kind.table()
                );
                let mut stmt = tx.prepare(&sql)?;
                let mut rows = stmt.query(params![since, upto, REFERENCE_VERSION])?;
                // The next record in scope; a kind with none gets no entry.
                let mut next = || -> Result<Option<WireRecord>> {
                    while let Some(row) = rows.next()? {
                        done += 1;
                        if done.is_multiple_of(2048) {
                            progress(Progress {
                                phase: "records",
                                done,
                                total,
                            });
                        }
                        let rec = from_row(row)?;
                        let to_committee = !COMMITTEE_ONLY.contains(&kind)
                            || recipients.unit.as_deref().is_none_or(|to| to == rec.unit);
                        if units.contains(&rec.unit)
                            && to_committee
                            && (kind != Kind::Score || blind.may_see(&tx, &rec)?)
                        {
                            return Ok(Some(rec));
                        }
                    }
                    Ok(None)
                };
                let Some(first) = next()? else {
                    continue;
                };
                let (mut current, mut n) = (Some(first), 0u64);
                let name = records_entry(kind.name());
                let hash = write_entry(&mut zip, &name, CompressionMethod::Deflated, &mut |w| {
                    while let Some(rec) = current.take() {
                        line.clear();
                        serde_json::to_writer(&mut line, &rec)
                            .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
                        line.push(b'\n');
                        w.write_all(&line).map_err(io)?;
                        n += 1;
                        current = next()?;
                    }
                    Ok(())
                })?;
                entries.push(hash);
                counts.insert(kind.name().to_owned(), n);
            }
            // Attachments: their rows, then each content once.
            let sql = format!(
                "SELECT {} FROM attachments t \
                 WHERE t.change_seq > ?1 AND t.change_seq <= ?2 ORDER BY t.change_seq",
                prefixed(ATTACHMENT_COLUMNS)
            );
            let mut stmt = tx.prepare(&sql)?;
            let rows: Vec<_> = stmt
                .query_map(params![since, upto], attachment_from_row)?
                .collect::<rusqlite::Result<_>>()?;
            let rows: Vec<_> = rows
                .into_iter()
                .filter(|a| units.contains(&a.unit))
                .collect();
            if !rows.is_empty() {
                let hash = write_entry(
                    &mut zip,
                    &records_entry(ATTACHMENT),
                    CompressionMethod::Deflated,
                    &mut |w| {
                        for a in &rows {
                            serde_json::to_writer(&mut *w, a)
                                .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
                            w.write_all(b"\n").map_err(io)?;
                        }
                        Ok(())
                    },
                )?;
                entries.push(hash);
                counts.insert(ATTACHMENT.to_owned(), rows.len() as u64);
                let shas: BTreeSet<&str> = rows
                    .iter()
                    .filter(|a| a.deleted_at.is_none())
                    .map(|a| a.sha256.as_str())
                    .collect();
                let n = shas.len() as u64;
                for (i, sha) in shas.into_iter().enumerate() {
                    let path = self.attachment_path(sha);
                    let path_label = path.display().to_string();
                    let mut src =
                        File::open(&path).map_err(|e| Error::io(None, &path_label, &e))?;
                    // Photos and PDFs are compressed already: stored as they are.
                    let hash = write_entry(
                        &mut zip,
                        &attachment_entry(sha),
                        CompressionMethod::Stored,
                        &mut |w| {
                            std::io::copy(&mut src, w)
                                .map_err(|e| Error::io(None, &path_label, &e))?;
                            Ok(())
                        },
                    )?;
                    entries.push(hash);
                    progress(Progress {
                        phase: "attachments",
                        done: i as u64 + 1,
                        total: n,
                    });
                }
            }
            // Erasure markers: ids and who erased them, never content.
            let markers: Vec<WireErasure> = super::erase::markers_between(&tx, since, upto)?
                .into_iter()
                .filter(|m| units.contains(&m.unit))
                .collect();
            if !markers.is_empty() {
                let hash = write_entry(
                    &mut zip,
                    &records_entry(ERASURE),
                    CompressionMethod::Deflated,
                    &mut |w| {
                        for m in &markers {
                            serde_json::to_writer(&mut *w, m)
                                .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
                            w.write_all(b"\n").map_err(io)?;
                        }
                        Ok(())
                    },
                )?;
                entries.push(hash);
                counts.insert(ERASURE.to_owned(), markers.len() as u64);
            }
            let manifest = Manifest {
                format: FORMAT.into(),
                format_version: match counts.contains_key(ERASURE) {
                    true => FORMAT_VERSION,
                    false => WITHOUT_ERASURES,
                },
                bundle_id: bundle_id.clone(),
                created_at: stamp(self.clock.now()),
                origin: Origin {
                    unit: card.unit.clone(),
                    unit_name: card.unit_name.clone(),
                    installation: card.installation.clone(),
                    fingerprint: card.fingerprint.clone(),
                    public_key: card.public_key.clone(),
                },
                destination: recipients.unit.clone(),
                full: opts.full,
                sequence: SeqRange {
                    from: since + 1,
                    to: upto,
                },
                counts: counts.clone(),
                entries: std::mem::take(&mut entries),
                acks: super::received::acks_for(&tx, &recipients.keys)?,
                recipients: recipients.installations(),
            };
            let bytes = serde_json::to_vec_pretty(&manifest)
                .map_err(|e| Error::plain(Code::Storage, &e.to_string()))?;
            let signature = self.sign(&bytes)?;
            let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
            zip.start_file(MANIFEST, stored).map_err(zip_err)?;
            zip.write_all(&bytes).map_err(io)?;
            zip.start_file(SIGNATURE, stored).map_err(zip_err)?;
            zip.write_all(&signature).map_err(io)?;
            let w = zip.finish().map_err(zip_err)?;
            let file = w.into_inner().map_err(|e| io(e.into_error()))?;
            file.sync_all().map_err(io)?;
            Ok(())
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        drop(tx);
        std::fs::rename(&tmp, out).map_err(io)?;
        let bytes = std::fs::metadata(out).map_err(io)?.len();
        let at = stamp(self.clock.now());
        for key in &recipients.keys {
            // A bundle that stopped short sent nothing past `upto`, whatever was sent before
            // (a full one starts again from the beginning): the next bundle carries on there.
            self.conn.execute(
                "INSERT INTO sync_sent(destination, seq, bundle_id, at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT(destination) DO UPDATE SET \
                 seq = CASE WHEN ?5 THEN excluded.seq ELSE max(seq, excluded.seq) END, \
                 bundle_id = excluded.bundle_id, at = excluded.at",
                params![key, upto, bundle_id, at, more],
            )?;
        }
        let records = counts.values().sum();
        progress(Progress {
            phase: "done",
            done: records,
            total: records,
        });
        tracing::info!(file = %label, records, "bundle exported");
        Ok(ExportReport {
            file: label,
            bundle_id,
            destination: recipients.unit.clone(),
            recipients: recipients.keys.clone(),
            full: opts.full,
            counts,
            records,
            bytes,
            more,
        })
    }
}
