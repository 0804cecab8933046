//! Append-only schema migrations. All pending ones run in one transaction; `user_version`
//! records how far a database has come, and each applied migration's checksum is kept so that
//! an edited old migration is caught instead of silently diverging.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};

use crate::error::{Code, Error, Result};

pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

/// The app's migrations, in order. Append only; never edit or reorder a released one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        name: "0001_init",
        sql: include_str!("../migrations/0001_init.sql"),
    },
    Migration {
        name: "0002_trash_order",
        sql: include_str!("../migrations/0002_trash_order.sql"),
    },
    Migration {
        name: "0003_sync",
        sql: include_str!("../migrations/0003_sync.sql"),
    },
    Migration {
        name: "0004_review",
        sql: include_str!("../migrations/0004_review.sql"),
    },
    Migration {
        name: "0005_scores_committee",
        sql: include_str!("../migrations/0005_scores_committee.sql"),
    },
    Migration {
        name: "0006_search_terms",
        sql: include_str!("../migrations/0006_search_terms.sql"),
    },
    Migration {
        name: "0007_row_links",
        sql: include_str!("../migrations/0007_row_links.sql"),
    },
    Migration {
        name: "0008_import_trust",
        sql: include_str!("../migrations/0008_import_trust.sql"),
    },
    Migration {
        name: "0009_sent_per_installation",
        sql: include_str!("../migrations/0009_sent_per_installation.sql"),
    },
    Migration {
        name: "0010_received",
        sql: include_str!("../migrations/0010_received.sql"),
    },
    Migration {
        name: "0011_unit_bound_fingerprints",
        sql: include_str!("../migrations/0011_unit_bound_fingerprints.sql"),
    },
    Migration {
        name: "0012_erasure_and_audit_chain",
        sql: include_str!("../migrations/0012_erasure_and_audit_chain.sql"),
    },
];

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

fn user_version(conn: &Connection) -> Result<usize> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize)
}

/// Refuses a database newer than `migrations`, or one whose applied migrations differ from
/// the shipped ones.
fn verify(conn: &Connection, migrations: &[Migration], current: usize) -> Result<()> {
    if current > migrations.len() {
        return Err(Error::plain(Code::SchemaTooNew, &current.to_string()));
    }
    for (i, m) in migrations.iter().enumerate().take(current) {
        let stored: Option<String> = conn
            .query_row(
                "SELECT checksum FROM schema_migrations WHERE version = ?1",
                [i as i64 + 1],
                |r| r.get(0),
            )
            .optional()?;
        if stored.as_deref() != Some(checksum(m.sql).as_str()) {
            return Err(Error::plain(
                Code::MigrationEdited,
                &format!("{} ({})", i + 1, m.name),
            ));
        }
    }
    Ok(())
}

/// Brings the database up to `migrations`; refuses a newer or tampered database, and applies
/// nothing at all if any pending migration fails. With nothing pending it only reads, so
/// opening never waits for another process's write lock.
pub fn migrate(conn: &mut Connection, migrations: &[Migration]) -> Result<()> {
    register_functions(conn)?;
    let current = user_version(conn)?;
    verify(conn, migrations, current)?;
    if current == migrations.len() {
        return Ok(());
    }
    // A migration may rewrite whole tables and build indexes. With temporary storage in
    // memory, their sorts and statement journals held 378 MB on a 1,000,000-record database
    // (0007, 9.4 s); in temporary files, 49 MB (9.7 s). The user's PC may be modest.
    let temp_store: i64 = conn.pragma_query_value(None, "temp_store", |r| r.get(0))?;
    conn.pragma_update(None, "temp_store", "FILE")?;
    let applied = apply(conn, migrations);
    conn.pragma_update(None, "temp_store", temp_store)?;
    applied
}

/// Whether an existing database has migrations to apply (a new, empty one has none worth a
/// backup).
pub fn pending(conn: &Connection, migrations: &[Migration]) -> Result<bool> {
    let current = user_version(conn)?;
    Ok(current > 0 && current < migrations.len())
}

/// The functions migrations call (0011), each NULL for a malformed key:
/// `sovang_fingerprint(public_key_hex, unit)`, the fingerprint `sync::identity::fingerprint`
/// gives, and `sovang_public_key(signing_key_hex)`, the hex public key of a stored signing key.
fn register_functions(conn: &Connection) -> Result<()> {
    use rusqlite::functions::FunctionFlags;
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let bytes = |h: String| {
        hex::decode(h)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
    };
    conn.create_scalar_function("sovang_fingerprint", 2, flags, move |cx| {
        let unit: String = cx.get(1)?;
        Ok(bytes(cx.get(0)?).map(|k| crate::sync::identity::fingerprint(&k, &unit)))
    })?;
    conn.create_scalar_function("sovang_public_key", 1, flags, move |cx| {
        Ok(bytes(cx.get(0)?).map(|k| {
            let key = ed25519_dalek::SigningKey::from_bytes(&k);
            hex::encode(key.verifying_key().as_bytes())
        }))
    })?;
    Ok(())
}

fn apply(conn: &mut Connection, migrations: &[Migration]) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Read again under the write lock: another process may have migrated meanwhile.
    let current = user_version(&tx)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
           version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL) STRICT;",
    )?;
    verify(&tx, migrations, current)?;
    for (i, m) in migrations.iter().enumerate().skip(current) {
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations(version, name, checksum) VALUES (?1, ?2, ?3)",
            rusqlite::params![i as i64 + 1, m.name, checksum(m.sql)],
        )?;
        tracing::info!(migration = m.name, "applied");
    }
    tx.pragma_update(None, "user_version", migrations.len() as i64)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: Migration = Migration {
        name: "a",
        sql: "CREATE TABLE a (x INTEGER) STRICT;",
    };
    const B: Migration = Migration {
        name: "b",
        sql: "CREATE TABLE b (y INTEGER) STRICT;",
    };
    const BAD: Migration = Migration {
        name: "bad",
        sql: "CREATE TABLE oops (",
    };

    fn version(c: &Connection) -> i64 {
        c.pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap()
    }

    fn has_table(c: &Connection, t: &str) -> bool {
        c.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = ?1",
            [t],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
            == 1
    }

    #[test]
    fn rerun_is_harmless() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c, &[A, B]).unwrap();
        migrate(&mut c, &[A, B]).expect("running migrations again must change nothing");
        assert_eq!(version(&c), 2);
    }

    #[test]
    fn the_connection_keeps_its_temp_store_after_migrating_or_failing() {
        let temp_store = |c: &Connection| -> i64 {
            c.pragma_query_value(None, "temp_store", |r| r.get(0))
                .unwrap()
        };
        let mut c = Connection::open_in_memory().unwrap();
        c.pragma_update(None, "temp_store", "MEMORY").unwrap();
        migrate(&mut c, &[A]).unwrap();
        assert_eq!(
            temp_store(&c),
            2,
            "migrations use temp files only while they run"
        );
        migrate(&mut c, &[A, B, BAD]).unwrap_err();
        assert_eq!(
            temp_store(&c),
            2,
            "a failed migration must also give the setting back"
        );
    }

    #[test]
    fn pending_migrations_are_all_or_nothing() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c, &[A]).unwrap();
        let err = migrate(&mut c, &[A, B, BAD]).unwrap_err();
        assert_eq!(err.code, Code::Storage);
        assert_eq!(
            version(&c),
            1,
            "a failed upgrade must leave the old version"
        );
        assert!(
            !has_table(&c, "b"),
            "B ran in the same transaction as the failing one, so it must be rolled back"
        );
    }

    #[test]
    fn newer_database_is_refused() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c, &[A, B]).unwrap();
        let err = migrate(&mut c, &[A]).unwrap_err();
        assert_eq!(
            err.code,
            Code::SchemaTooNew,
            "an older app must not touch a newer database"
        );
        assert!(
            err.message.vi.contains("cập nhật"),
            "the message must say to update the app"
        );
    }

    #[test]
    fn edited_old_migration_is_caught() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c, &[A]).unwrap();
        let edited = Migration {
            name: "a",
            sql: "CREATE TABLE a (x INTEGER, z TEXT) STRICT;",
        };
        let err = migrate(&mut c, &[edited, B]).unwrap_err();
        assert_eq!(err.code, Code::MigrationEdited);
        assert!(
            !has_table(&c, "b"),
            "nothing may run after a tampered migration is found"
        );
    }

    #[test]
    fn search_rebuild_is_asked_only_when_records_were_indexed() {
        let mut empty = Connection::open_in_memory().unwrap();
        migrate(&mut empty, MIGRATIONS).unwrap();
        let flag = |c: &Connection| -> i64 {
            c.query_row(
                "SELECT count(*) FROM meta WHERE key = 'search_rebuild'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(flag(&empty), 0, "a new database has nothing to index again");
        let mut old = Connection::open_in_memory().unwrap();
        migrate(&mut old, &MIGRATIONS[..5]).unwrap();
        old.execute(
            "INSERT INTO search_doc (kind, id, unit, title) VALUES ('person', 'x', '00070', 'X')",
            [],
        )
        .unwrap();
        migrate(&mut old, MIGRATIONS).unwrap();
        assert_eq!(
            flag(&old),
            1,
            "indexed records are indexed again on opening"
        );
        let left: i64 = old
            .query_row("SELECT count(*) FROM search_doc", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "the old search rows go with the old indexes");
    }

    #[test]
    fn row_links_keep_what_was_sent_and_indexed() {
        let mut old = Connection::open_in_memory().unwrap();
        migrate(&mut old, &MIGRATIONS[..6]).unwrap();
        // A person changed as the 7th change, a trashed one as the 9th, and the log's last
        // number, 12, from a record since purged.
        old.execute_batch(
            "PRAGMA foreign_keys = OFF;
             INSERT INTO people (id, unit, title, body, created_at, created_by, updated_at, \
               updated_by, created_hlc, hlc, deleted_at) VALUES \
               ('p1', '00070', 'A', '{}', 't', 'x', 't', 'x', 'h', 'h', NULL), \
               ('p2', '00070', 'B', '{}', 't', 'x', 't', 'x', 'h', 'h', 't');
             INSERT INTO sync_changes (seq, kind, id) VALUES (7, 'person', 'p1'), \
               (9, 'person', 'p2'), (12, 'entry', 'gone');
             INSERT INTO search_doc (rowid, kind, id, unit, title) VALUES (40, 'person', 'p1', '00070', 'A');",
        )
        .unwrap();
        migrate(&mut old, MIGRATIONS).unwrap();
        let row = |id: &str| -> (i64, Option<i64>) {
            old.query_row(
                "SELECT change_seq, search_rowid FROM people WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        assert_eq!(
            row("p1"),
            (7, Some(40)),
            "a record keeps its change number and search row"
        );
        assert_eq!(
            row("p2"),
            (9, None),
            "a trashed record keeps its number and has no search row"
        );
        let last: String = old
            .query_row("SELECT value FROM meta WHERE key = 'change_seq'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            last, "12",
            "the next change comes after every number already sent"
        );
        assert!(
            !has_table(&old, "sync_changes"),
            "the old change log is gone"
        );
    }

    #[test]
    fn what_was_sent_and_held_before_0008_stays_sent_and_held() {
        let mut old = Connection::open_in_memory().unwrap();
        migrate(&mut old, &MIGRATIONS[..7]).unwrap();
        let fp = "11111-22222-33333-44444-55555-66666-77777-88888";
        old.execute_batch(&format!(
            "INSERT INTO trusted_keys (fingerprint, public_key, unit, unit_name, installation, \
               added_at, added_by) VALUES ('{fp}', '{}', '00070', 'P', 'i', 't', 'x');
             INSERT INTO sync_sent (destination, seq, bundle_id, at) VALUES ('00070', 57, 'b', 't');
             INSERT INTO sync_held (kind, id, waiting_for, signer_unit, line, bundle_id, held_at, \
               signer_key) VALUES ('update', 'u1', 'project:p1', '00070', '{{}}', 'b', 't', '{fp}');
             INSERT INTO sync_imports (bundle_id, file_name, origin_unit, fingerprint, imported_at, \
               imported_by, report) VALUES ('b', 'f', '00070', '{fp}', 't', 'x', '{{}}');",
            "a".repeat(64)
        ))
        .unwrap();
        // This installation's own key (a bundle of its own came back to it once).
        let secret = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let own_public = *secret.verifying_key().as_bytes();
        let own_old = crate::sync::identity::legacy_fingerprint(&own_public);
        old.execute_batch(&format!(
            "INSERT INTO meta (key, value) VALUES ('signing_key', '{}'), ('unit', '01');
             INSERT INTO sync_imports (bundle_id, file_name, origin_unit, fingerprint, imported_at, \
               imported_by, report) VALUES ('own', 'f', '01', '{own_old}', 't', 'x', '{{}}');",
            hex::encode(secret.to_bytes())
        ))
        .unwrap();
        migrate(&mut old, MIGRATIONS).unwrap();
        // 0011 binds the fingerprint to the unit: every row follows the key's new one.
        let fp = &crate::sync::identity::fingerprint(&[0xaa; 32], "00070");
        let trusted: String = old
            .query_row("SELECT fingerprint FROM trusted_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(&trusted, fp, "a trusted key's fingerprint covers its unit");
        let imported: String = old
            .query_row(
                "SELECT fingerprint FROM sync_imports WHERE bundle_id = 'b'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            &imported, fp,
            "the import log names the key by its new fingerprint"
        );
        let sent: i64 = old
            .query_row(
                "SELECT seq FROM sync_sent WHERE destination = ?1",
                [fp],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            sent, 57,
            "what went to a unit counts as sent to each of its trusted installations"
        );
        let held: String = old
            .query_row(
                "SELECT signer_key FROM sync_held WHERE id = 'u1'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(&held, fp, "a held record keeps its signer");
        let legacy: bool = old
            .query_row(
                "SELECT legacy FROM sync_received WHERE origin = ?1",
                [fp],
                |r| r.get(0),
            )
            .unwrap();
        assert!(
            legacy,
            "an origin heard from before change numbers were kept starts counting anew"
        );
    }

    #[test]
    fn real_schema_applies() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c, MIGRATIONS).expect("the shipped schema must apply to an empty database");
        assert!(
            has_table(&c, "search_all"),
            "FTS5 must be compiled into the bundled SQLite"
        );
    }
}
