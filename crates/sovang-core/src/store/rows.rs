//! Row-level writing shared by every kind: stored rows, insert and update statements, links,
//! the search index's upkeep, and audit rows. All of it runs inside the caller's transaction.

use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use serde_json::{Map, Value};

use super::{terms, Store};
use crate::clock::{stamp, Clock};
use crate::error::{Code, Error, Result};
use crate::hlc::{Hlc, HlcGen};
use crate::records::{self, Ctx, Kind, Prepared, Ref};
use crate::text;

/// Who and when, for every row one write touches.
pub(crate) struct WriteMeta<'a> {
    pub now: String,
    pub actor: &'a str,
    pub hlc: String,
    /// The transaction's place in the change sequence (`next_change`).
    pub seq: i64,
    /// The bundle that brought the change and the key that signed it (imports only).
    pub via: Option<&'a Via>,
}

/// Where an imported change came from: kept in its history row.
#[derive(Debug, Clone)]
pub(crate) struct Via {
    pub bundle_id: String,
    pub signer: String,
}

/// The next number of the change sequence that export reads (each record's `change_seq`): one
/// per write transaction, taken under its write lock, so that every row the transaction
/// touches moves to the end together and an export never sees half of it.
pub(super) fn next_change(tx: &Transaction) -> Result<i64> {
    Ok(tx.query_row(
        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'change_seq' \
         RETURNING CAST(value AS INTEGER)",
        [],
        |r| r.get(0),
    )?)
}

/// The last number `next_change` gave out: an export sends the changes up to it, and no row
/// may carry a later one.
pub(super) fn last_change(conn: &rusqlite::Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_seq'",
        [],
        |r| r.get(0),
    )?)
}

/// Moves the version generator past what this installation's other processes wrote; call it
/// under the write lock, so that two processes never issue the same version.
pub(super) fn observe_versions(tx: &Transaction, gen: &mut HlcGen) -> Result<()> {
    let last: Option<String> = tx
        .query_row("SELECT value FROM meta WHERE key = 'hlc_last'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(h) = last.as_deref().and_then(Hlc::parse) {
        gen.observe(h);
    }
    Ok(())
}

/// Starts a write: takes the write lock (`BEGIN IMMEDIATE`, which waits through the busy
/// timeout instead of failing when a read turns into a write), then the change's time and
/// version under that lock.
pub(super) fn begin_write<'a>(
    conn: &'a mut Connection,
    gen: &mut HlcGen,
    clock: &dyn Clock,
    actor: &'a str,
) -> Result<(Transaction<'a>, WriteMeta<'a>)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    observe_versions(&tx, gen)?;
    let now = clock.now();
    let hlc = gen.next(now.timestamp_millis()).to_string();
    let seq = next_change(&tx)?;
    Ok((
        tx,
        WriteMeta {
            now: stamp(now),
            actor,
            hlc,
            seq,
            via: None,
        },
    ))
}

/// Ends a write begun by `begin_write`: its version becomes the installation's last one, then
/// everything commits together.
pub(super) fn commit_write(tx: Transaction, meta: &WriteMeta) -> Result<()> {
    super::set_meta(&tx, "hlc_last", &meta.hlc)?;
    terms::commit(tx)
}

/// Refuses to write over a record that changed since it was read (by another process), so
/// that no one's change is silently lost.
pub(super) fn ensure_unchanged(tx: &Transaction, kind: Kind, row: &StoredRow) -> Result<()> {
    let sql = format!("SELECT hlc FROM {} WHERE id = ?1", kind.table());
    let now: Option<String> = tx.query_row(&sql, [&row.id], |r| r.get(0)).optional()?;
    if now.as_deref() != Some(row.hlc.as_str()) {
        return Err(Error::plain(Code::StaleVersion, &row.id));
    }
    Ok(())
}

/// A record as stored, for updates.
pub(crate) struct StoredRow {
    pub id: String,
    pub code: String,
    pub unit: String,
    pub body: Map<String, Value>,
    pub hlc: String,
    pub field_hlc: Map<String, Value>,
    pub field_seen: Map<String, Value>,
    pub created_hlc: String,
    pub deleted: bool,
    pub title: String,
}

impl StoredRow {
    /// The row's version data alone (not its body), to change for a write.
    pub fn clone_versions(&self) -> StoredRow {
        StoredRow {
            id: self.id.clone(),
            code: String::new(),
            unit: String::new(),
            body: Map::new(),
            hlc: self.hlc.clone(),
            field_hlc: self.field_hlc.clone(),
            field_seen: self.field_seen.clone(),
            created_hlc: self.created_hlc.clone(),
            deleted: self.deleted,
            title: String::new(),
        }
    }

    /// Records that `new` replaces the current value of `field`: its version goes into the
    /// field's past (what sync compares to tell later changes from concurrent ones).
    pub fn supersede(&mut self, field: &str, new: &str) {
        use crate::sync::merge::{past_after, Seen};
        let old = self
            .field_hlc
            .get(field)
            .and_then(Value::as_str)
            .unwrap_or(&self.created_hlc)
            .to_owned();
        let seen: Seen = self
            .field_seen
            .get(field)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        let past = past_after(&seen, &old, new);
        if past.is_empty() {
            self.field_seen.remove(field);
        } else {
            self.field_seen.insert(
                field.to_owned(),
                serde_json::to_value(past).unwrap_or_default(),
            );
        }
        self.field_hlc
            .insert(field.to_owned(), Value::String(new.to_owned()));
    }
}

impl Store {
    pub(crate) fn load_row(&self, kind: Kind, id: &str) -> Result<StoredRow> {
        let code = if kind == Kind::Unit { "code" } else { "id" };
        let sql = format!(
            "SELECT id, {code}, unit, body, hlc, field_hlc, deleted_at IS NOT NULL, title, field_seen, created_hlc FROM {} WHERE id = ?1 OR {code} = ?1",
            kind.table()
        );
        let row = self
            .conn
            .query_row(&sql, [id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, bool>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                ))
            })
            .optional()?
            .ok_or_else(|| Error::plain(Code::NotFound, id))?;
        let obj = |s: &str| match serde_json::from_str(s) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        Ok(StoredRow {
            id: row.0,
            code: row.1,
            unit: row.2,
            body: obj(&row.3),
            hlc: row.4,
            field_hlc: obj(&row.5),
            field_seen: obj(&row.8),
            created_hlc: row.9,
            deleted: row.6,
            title: row.7,
        })
    }
}

#[derive(Clone, Copy)]
pub(super) enum SqlFor {
    Insert,
    LiveTitle,
    Update,
    /// A record's title whatever its state (sync links may point into the trash).
    Title,
    /// An imported record: every stored column by position (`SYNC_COLUMNS`, then extras).
    SyncInsert,
    SyncUpdate,
    /// A stored record as it travels (`wire::RECORD_COLUMNS`), then its title.
    SyncLoad,
    /// The record's search row (`search_rowid`), and setting it: ?1 row, ?2 id.
    SearchRow,
    SetSearchRow,
}

/// The columns an import writes, bound by position (`?1` = `id` …, the kind's extra columns
/// after them; positions, since SQLite finds a named parameter by scanning all names). An
/// update leaves the creation's (`SYNC_CREATION`) alone; their positions stay unused.
pub(super) const SYNC_COLUMNS: [&str; 21] = [
    "id",
    "unit",
    "title",
    "year",
    "status",
    "sort_key",
    "body",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "created_hlc",
    "hlc",
    "field_hlc",
    "field_seen",
    "deleted_at",
    "deleted_by",
    "change_seq",
    "search_rowid",
    "import_bundle",
    "import_signer",
];
const SYNC_CREATION: [&str; 5] = [
    "created_at",
    "created_by",
    "created_hlc",
    "import_bundle",
    "import_signer",
];

fn sync_statements(k: Kind) -> [String; 2] {
    let cols: Vec<&str> = SYNC_COLUMNS
        .iter()
        .chain(k.extra_columns())
        .copied()
        .collect();
    let places: Vec<String> = (1..=cols.len()).map(|i| format!("?{i}")).collect();
    let set: Vec<String> = cols
        .iter()
        .zip(&places)
        .filter(|(c, _)| **c != "id" && !SYNC_CREATION.contains(c))
        .map(|(c, n)| format!("{c} = {n}"))
        .collect();
    [
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            k.table(),
            cols.join(", "),
            places.join(", ")
        ),
        format!("UPDATE {} SET {} WHERE id = ?1", k.table(), set.join(", ")),
    ]
}

/// Parameters of the insert and update statements: ?1 id, ?2 unit, ?3 title, ?4 year,
/// ?5 status, ?6 sort_key, ?7 body, ?8 time, ?9 who, ?10 version, ?11 change sequence,
/// ?12 search row, then the kind's extra columns; the caller appends what its statement adds.
fn record_params<'a>(
    id: &'a dyn rusqlite::ToSql,
    p: &'a Prepared,
    title: &'a dyn rusqlite::ToSql,
    meta: &'a WriteMeta,
    search: &'a Option<i64>,
) -> Vec<&'a dyn rusqlite::ToSql> {
    let mut v: Vec<&dyn rusqlite::ToSql> = vec![
        id,
        &p.index.unit,
        title,
        &p.index.year,
        &p.index.status,
        &p.index.sort_key,
        &p.body_json,
        &meta.now,
        &meta.actor,
        &meta.hlc,
        &meta.seq,
        search,
    ];
    v.extend(p.index.extra.iter().map(|e| e as &dyn rusqlite::ToSql));
    v
}

/// Statements used once per record in bulk loads and imports, built once per kind.
pub(super) fn per_kind_sql(kind: Kind, what: SqlFor) -> &'static str {
    static SQL: std::sync::OnceLock<Vec<[String; 9]>> = std::sync::OnceLock::new();
    let all = SQL.get_or_init(|| {
        Kind::ALL
            .iter()
            .map(|k| {
                let extra = k.extra_columns();
                let params: Vec<String> = (0..extra.len()).map(|i| format!("?{}", 13 + i)).collect();
                let [sync_insert, sync_update] = sync_statements(*k);
                [
                    format!(
                        "INSERT INTO {} (id, unit, {}, title, year, status, sort_key, body, created_at, created_by, \
                         updated_at, updated_by, created_hlc, hlc, change_seq, search_rowid) \
                         VALUES (?1, ?2, {}, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8, ?9, ?10, ?10, ?11, ?12)",
                        k.table(),
                        extra.join(", "),
                        params.join(", ")
                    ),
                    format!("SELECT title FROM {} WHERE id = ?1 AND deleted_at IS NULL", k.table()),
                    format!(
                        "UPDATE {} SET unit = ?2, title = ?3, year = ?4, status = ?5, sort_key = ?6, body = ?7, \
                         updated_at = ?8, updated_by = ?9, hlc = ?10, change_seq = ?11, search_rowid = ?12, {}, \
                         field_hlc = ?{}, field_seen = ?{} WHERE id = ?1",
                        k.table(),
                        extra.iter().zip(&params).map(|(c, p)| format!("{c} = {p}")).collect::<Vec<_>>().join(", "),
                        13 + extra.len(),
                        14 + extra.len()
                    ),
                    format!("SELECT title FROM {} WHERE id = ?1", k.table()),
                    sync_insert,
                    sync_update,
                    format!(
                        "SELECT {}, title FROM {} WHERE id = ?1",
                        crate::sync::wire::RECORD_COLUMNS,
                        k.table()
                    ),
                    format!("SELECT search_rowid FROM {} WHERE id = ?1", k.table()),
                    format!("UPDATE {} SET search_rowid = ?1 WHERE id = ?2", k.table()),
                ]
            })
            .collect()
    });
    let i = Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
    &all[i][what as usize]
}

/// Refuses a record whose links point at a missing or trashed record; returns the first
/// linked record's title (for `ref_in_title` / `ref_in_search`).
pub(crate) fn check_refs(tx: &Transaction, p: &Prepared) -> Result<Option<String>> {
    match linked(tx, p, true)? {
        Ok(first) => Ok(first),
        Err(r) => Err(Error::field_arg(Code::UnknownReference, r.field, &r.id)),
    }
}

/// The first linked record's title, or the first link whose record is missing (or, with
/// `live`, in the trash).
pub(super) fn linked<'p>(
    tx: &Transaction,
    p: &'p Prepared,
    live: bool,
) -> Result<std::result::Result<Option<String>, &'p Ref>> {
    linked_with(tx, p, live, &|_, _| None)
}

/// `linked`, asking `known` first: the title of a record known to be stored (whatever its
/// state, so only without `live`), without reading it back.
pub(super) fn linked_with<'p>(
    tx: &Transaction,
    p: &'p Prepared,
    live: bool,
    known: &dyn Fn(Kind, &str) -> Option<String>,
) -> Result<std::result::Result<Option<String>, &'p Ref>> {
    let what = if live {
        SqlFor::LiveTitle
    } else {
        SqlFor::Title
    };
    let mut first = None;
    for (i, r) in p.index.refs.iter().enumerate() {
        // `known` says a row is stored, not that it is live: it answers only without `live`.
        let title = match (!live).then(|| known(r.kind, &r.id)).flatten() {
            Some(t) => Some(t),
            None => tx
                .prepare_cached(per_kind_sql(r.kind, what))?
                .query_row([&r.id], |row| row.get(0))
                .optional()?,
        };
        match title {
            Some(t) if i == 0 => first = Some(t),
            Some(_) => {}
            None => return Ok(Err(r)),
        }
    }
    Ok(Ok(first))
}

/// The title a record shows: its own, or its first linked record's in front when it says so.
pub(super) fn title_of(p: &Prepared, ref_title: Option<&str>) -> String {
    match (p.index.ref_in_title, ref_title) {
        (true, Some(t)) => format!("{t} — {}", p.index.title),
        _ => p.index.title.clone(),
    }
}

/// What an audit row records: each field whose value differs (or is in `force`), as
/// `[old, new]`; a missing field counts as null, so a creation lists its non-null fields.
pub(super) fn field_changes(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    force: &[&str],
) -> Map<String, Value> {
    let mut changes = Map::new();
    for key in old.keys().chain(new.keys()) {
        let before = old.get(key).unwrap_or(&Value::Null);
        let after = new.get(key).unwrap_or(&Value::Null);
        if (before != after || force.contains(&key.as_str())) && !changes.contains_key(key) {
            changes.insert(
                key.clone(),
                Value::Array(vec![before.clone(), after.clone()]),
            );
        }
    }
    changes
}

pub(crate) fn insert_record(
    tx: &Transaction,
    kind: Kind,
    id: &str,
    p: &Prepared,
    meta: &WriteMeta,
) -> Result<()> {
    let ref_title = check_refs(tx, p)?;
    let search = index(tx, kind, id, p, ref_title.as_deref())?;
    let mut stmt = tx.prepare_cached(per_kind_sql(kind, SqlFor::Insert))?;
    let title = title_of(p, ref_title.as_deref());
    let values = record_params(&id, p, &title, meta, &search);
    stmt.execute(values.as_slice())?;
    // No audit row: a creation is read from the record's own columns (`Store::history`).
    review_status_column(tx, kind, id, p)
}

/// Keeps a nomination's `status` column (what lists show and filter by) at its review status:
/// its latest status change, or the status it was written with. Called after writing a
/// nomination or a status change, locally or from a bundle.
pub(super) fn review_status_column(
    tx: &Transaction,
    kind: Kind,
    id: &str,
    p: &Prepared,
) -> Result<()> {
    let nomination = match kind {
        Kind::Nomination => id,
        Kind::Transition => match p.index.extra.first() {
            Some(Some(n)) => n.as_str(),
            _ => return Ok(()),
        },
        _ => return Ok(()),
    };
    // A nomination nobody has moved yet keeps the status it was written with (most of a
    // bulk import): no need to read its body again.
    if kind == Kind::Nomination
        && !tx
            .prepare_cached("SELECT 1 FROM transitions WHERE ref = ?1 AND deleted_at IS NULL")?
            .exists([nomination])?
    {
        return Ok(());
    }
    let status = "coalesce((SELECT t.body ->> '$.to' FROM transitions t WHERE t.ref = ?1 \
                  AND t.deleted_at IS NULL ORDER BY t.created_hlc DESC LIMIT 1), \
                  (SELECT n.body ->> '$.status' FROM nominations n WHERE n.id = ?1))";
    tx.prepare_cached(&format!(
        "UPDATE nominations SET status = {status} WHERE id = ?1"
    ))?
    .execute([nomination])?;
    tx.prepare_cached(&format!(
        "UPDATE search_doc SET status = {status} \
         WHERE rowid = (SELECT search_rowid FROM nominations WHERE id = ?1)"
    ))?
    .execute([nomination])?;
    Ok(())
}

pub(super) fn update_record(
    tx: &Transaction,
    kind: Kind,
    row: &StoredRow,
    p: &Prepared,
    meta: &WriteMeta,
    force: &[&str],
) -> Result<String> {
    let ref_title = check_refs(tx, p)?;
    let none = Map::new();
    let changes = field_changes(&row.body, p.body.as_object().unwrap_or(&none), force);
    if changes.is_empty() {
        return Ok(row.title.clone()); // nothing changed: no new version, no audit row
    }
    let mut versions = row.clone_versions();
    for key in changes.keys() {
        versions.supersede(key, &meta.hlc);
    }
    let fh = Value::Object(versions.field_hlc).to_string();
    let fs = Value::Object(versions.field_seen).to_string();
    let title = title_of(p, ref_title.as_deref());
    unindex(tx, kind, &row.id)?;
    let search = index(tx, kind, &row.id, p, ref_title.as_deref())?;
    let mut values = record_params(&row.id, p, &title, meta, &search);
    values.push(&fh);
    values.push(&fs);
    let sql = per_kind_sql(kind, SqlFor::Update);
    tx.prepare_cached(sql)?.execute(values.as_slice())?;
    review_status_column(tx, kind, &row.id, p)?;
    audit(tx, kind, &row.id, "update", meta, &changes)?;
    Ok(title)
}

/// After a record's title changed, the records that show it or are found by it (a person's
/// entries and nominations, a project's updates) get their titles and search texts again.
pub(super) fn refresh_dependents(
    tx: &Transaction,
    cx: &Ctx,
    kind: Kind,
    id: &str,
    title: &str,
) -> Result<()> {
    for dep in Kind::ALL
        .into_iter()
        .filter(|d| d.parent_kind() == Some(kind))
    {
        let sql = format!(
            "SELECT id, body FROM {} WHERE ref = ?1 AND deleted_at IS NULL",
            dep.table()
        );
        let rows: Vec<(String, String)> = tx
            .prepare(&sql)?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let retitle = format!(
            "UPDATE {} SET title = ?1, search_rowid = ?2 WHERE id = ?3",
            dep.table()
        );
        for (dep_id, body) in rows {
            let body = serde_json::from_str(&body).unwrap_or(Value::Null);
            let p = records::reindex(dep, body, cx)?;
            unindex(tx, dep, &dep_id)?;
            let search = index(tx, dep, &dep_id, &p, Some(title))?;
            tx.prepare_cached(&retitle)?.execute(params![
                title_of(&p, Some(title)),
                search,
                dep_id
            ])?;
        }
    }
    Ok(())
}

/// Adds a live record to the search index; returns its search row, which the record's row
/// keeps (`search_rowid`, for `unindex`), or `None` for a kind search does not show.
pub(super) fn index(
    tx: &Transaction,
    kind: Kind,
    id: &str,
    p: &Prepared,
    ref_title: Option<&str>,
) -> Result<Option<i64>> {
    if p.index.unsearchable {
        return Ok(None);
    }
    let title = title_of(p, ref_title);
    // `search_title` holds what names the record (title, linked person) so that exact-mark
    // matches there rank first; `search_all` holds every searchable word, folded.
    let name = ref_title
        .filter(|_| p.index.ref_in_search || p.index.ref_in_title)
        .map(|t| text::index_words(&text::exact(t)));
    let folded_name = name.as_deref().map(text::fold);
    // Filter words: the record's kind and unit (see `text::filter_token`); never typed, so
    // not in the vocabulary.
    let tags = [
        text::filter_token('k', kind.name()),
        text::filter_token('u', &p.index.unit),
    ];
    let exact = indexed_text(
        terms::EXACT,
        &[name.as_deref().unwrap_or(""), &p.title_exact],
        &tags,
    );
    let folded = indexed_text(
        terms::FOLDED,
        &[
            folded_name.as_deref().unwrap_or(""),
            &p.title_folded,
            &p.search_folded,
        ],
        &tags,
    );
    tx.prepare_cached("INSERT INTO search_doc (kind, id, unit, year, status, title) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
        .execute(params![kind.name(), id, p.index.unit, p.index.year, p.index.status, title])?;
    let rowid = tx.last_insert_rowid();
    tx.prepare_cached("INSERT INTO search_title (rowid, words) VALUES (?1, ?2)")?
        .execute(params![rowid, exact])?;
    tx.prepare_cached("INSERT INTO search_all (rowid, words) VALUES (?1, ?2)")?
        .execute(params![rowid, folded])?;
    Ok(Some(rowid))
}

/// The text one search index gets: the non-empty `parts` (`text::index_words` form), whose
/// words go to the vocabulary, then the filter words. Built in one allocation: this runs for
/// every record an import writes.
fn indexed_text(tier: usize, parts: &[&str], tags: &[String]) -> String {
    let len = parts.iter().map(|s| s.len() + 1).sum::<usize>()
        + tags.iter().map(|s| s.len() + 1).sum::<usize>();
    let mut out = String::with_capacity(len);
    for part in parts.iter().filter(|s| !s.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    terms::note(tier, &out);
    for tag in tags {
        out.push(' ');
        out.push_str(tag);
    }
    out
}

/// Takes a record out of the search index. The caller then writes its row with the new search
/// row (`index`) or none.
pub(super) fn unindex(tx: &Transaction, kind: Kind, id: &str) -> Result<()> {
    let rowid: Option<i64> = tx
        .prepare_cached(per_kind_sql(kind, SqlFor::SearchRow))?
        .query_row([id], |r| r.get(0))
        .optional()?
        .flatten();
    if let Some(rowid) = rowid {
        for sql in [
            "DELETE FROM search_title WHERE rowid = ?1",
            "DELETE FROM search_all WHERE rowid = ?1",
            "DELETE FROM search_doc WHERE rowid = ?1",
        ] {
            tx.prepare_cached(sql)?.execute([rowid])?;
        }
    }
    Ok(())
}

pub(crate) fn audit(
    tx: &Transaction,
    kind: Kind,
    id: &str,
    action: &str,
    meta: &WriteMeta,
    changes: &Map<String, Value>,
) -> Result<()> {
    let changes = serde_json::to_string(changes).unwrap_or_else(|_| "{}".into());
    let row = super::audit_chain::Row {
        at: &meta.now,
        actor: meta.actor,
        kind: kind.name(),
        record_id: id,
        action,
        hlc: &meta.hlc,
        bundle_id: meta.via.map(|v| v.bundle_id.as_str()),
        signer: meta.via.map(|v| v.signer.as_str()),
    };
    super::audit_chain::append(tx, &row, &changes)
}
