//! Per-field merge of two states of one record. Each field keeps its value, the version that
//! wrote it, and the versions from other installations that value replaced ("seen"). The value
//! with the higher version wins (versions are hybrid-logical clocks whose string order ends with
//! the installation's node: a fixed tie-break). A change that had not seen the other side's
//! change is concurrent: the result is the same, and the losing value is reported as a conflict.
//! Values, versions and seen sets all merge by joins, so any order and any repeats converge.

use std::collections::BTreeMap;

use serde_json::Value;

use super::wire::WireRecord;

/// Versions seen per installation node: `{"node": "version"}`.
pub type Seen = BTreeMap<String, String>;

/// The node part of a version (`WALL-COUNTER-NODE`).
pub fn node_of(version: &str) -> &str {
    version.rsplit('-').next().unwrap_or("")
}

/// `seen` with `version` in it: the field's whole known past, current value included.
fn effective(seen: &Seen, version: &str) -> Seen {
    let mut all = seen.clone();
    add(&mut all, version);
    all
}

fn add(seen: &mut Seen, version: &str) {
    let node = node_of(version).to_owned();
    match seen.get(&node) {
        Some(v) if v.as_str() >= version => {}
        _ => {
            seen.insert(node, version.to_owned());
        }
    }
}

fn covers(seen: &Seen, version: &str) -> bool {
    seen.get(node_of(version))
        .is_some_and(|v| v.as_str() >= version)
}

/// The past of a field after `current` replaced what `seen` and `old` describe: everything
/// known, without the current version's own node (its later version supersedes them).
pub fn past_after(seen: &Seen, old: &str, current: &str) -> Seen {
    let mut all = effective(seen, old);
    all.remove(node_of(current));
    all
}

/// Whether the record's current value of `field` came after both `a` and `b` were seen: a
/// conflict between them was settled by a later change.
pub fn settled(rec: &WireRecord, field: &str, a: &str, b: &str) -> bool {
    let Some(current) = rec.versions.get(field) else {
        return false;
    };
    let empty = Seen::new();
    let all = effective(rec.seen.get(field).unwrap_or(&empty), current);
    current.as_str() != a && current.as_str() != b && covers(&all, a) && covers(&all, b)
}

/// One field changed concurrently on two installations.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldConflict {
    pub field: String,
    pub kept: Value,
    pub kept_version: String,
    pub other: Value,
    pub other_version: String,
}

pub struct Merged {
    pub record: WireRecord,
    /// Some field's value (or the deletion) differs from the local state.
    pub values_changed: bool,
    /// Anything at all differs from the local state (versions or seen sets included).
    pub changed: bool,
    pub conflicts: Vec<FieldConflict>,
}

/// The deletion as a field: its value is whether the record is deleted.
pub const DELETED: &str = "deleted";

fn field_value(r: &WireRecord, field: &str) -> Value {
    if field == DELETED {
        Value::Bool(r.deleted_at.is_some())
    } else {
        r.body.get(field).cloned().unwrap_or(Value::Null)
    }
}

/// Whether `a` (value, version) wins over `b`: the higher version, then the larger value's JSON
/// text (equal versions come from the same write, so values differ only if data was forged).
fn wins(a: (&Value, &str), b: (&Value, &str)) -> bool {
    (a.1, a.0.to_string()) > (b.1, b.0.to_string())
}

/// Merges `incoming` into `local`; the same result whichever side is which.
pub fn merge(local: &WireRecord, incoming: &WireRecord) -> Merged {
    let mut out = local.clone();
    let mut values_changed = false;
    let mut conflicts = Vec::new();
    let fields: std::collections::BTreeSet<&String> = local
        .versions
        .keys()
        .chain(incoming.versions.keys())
        .collect();
    let empty = Seen::new();
    for field in fields {
        let (lv, iv) = (local.versions.get(field), incoming.versions.get(field));
        let (lval, ival) = (field_value(local, field), field_value(incoming, field));
        let (ls, is) = (
            local.seen.get(field).unwrap_or(&empty),
            incoming.seen.get(field).unwrap_or(&empty),
        );
        let (lver, iver) = match (lv, iv) {
            (Some(l), Some(i)) => (l.as_str(), i.as_str()),
            (Some(_), None) => continue,
            (None, Some(i)) => ("", i.as_str()),
            (None, None) => continue,
        };
        let take = wins((&ival, iver), (&lval, lver));
        let (l_all, i_all) = (effective(ls, lver), effective(is, iver));
        let concurrent = !lver.is_empty()
            && lver != iver
            && !covers(&i_all, lver)
            && !covers(&l_all, iver)
            && lval != ival;
        if concurrent {
            let (kept, kv, other, ov) = if take {
                (&ival, iver, &lval, lver)
            } else {
                (&lval, lver, &ival, iver)
            };
            conflicts.push(FieldConflict {
                field: field.clone(),
                kept: kept.clone(),
                kept_version: kv.to_owned(),
                other: other.clone(),
                other_version: ov.to_owned(),
            });
        }
        let winner = if take { iver } else { lver };
        let mut past: Seen = l_all;
        for v in i_all.values() {
            add(&mut past, v);
        }
        past.retain(|_, v| v.as_str() != "");
        past.remove(node_of(winner));
        if past.is_empty() {
            out.seen.remove(field);
        } else {
            out.seen.insert(field.clone(), past);
        }
        if take {
            out.versions.insert(field.clone(), iver.to_owned());
            if field == DELETED {
                out.deleted_at = incoming.deleted_at.clone();
                out.deleted_by = incoming.deleted_by.clone();
            } else {
                out.body.insert(field.clone(), ival.clone());
            }
            values_changed |= lval != ival;
        }
    }
    if incoming.version() > local.version() {
        out.updated_at = incoming.updated_at.clone();
        out.updated_by = incoming.updated_by.clone();
    }
    let changed = out != *local;
    Merged {
        record: out,
        values_changed,
        changed,
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(fields: &[(&str, Value, &str)], seen: &[(&str, &[&str])]) -> WireRecord {
        let mut r = WireRecord {
            id: "r".into(),
            unit: "u".into(),
            created_at: "t".into(),
            created_by: "a".into(),
            created_hlc: "000000000000001-00000-000000000000000a".into(),
            updated_at: "t".into(),
            updated_by: "a".into(),
            deleted_at: None,
            deleted_by: None,
            body: Default::default(),
            versions: Default::default(),
            seen: Default::default(),
        };
        for (f, v, ver) in fields {
            r.body.insert((*f).into(), v.clone());
            r.versions.insert((*f).into(), (*ver).into());
        }
        r.versions.insert(DELETED.into(), r.created_hlc.clone());
        for (f, vs) in seen {
            let mut s = Seen::new();
            for v in *vs {
                add(&mut s, v);
            }
            r.seen.insert((*f).into(), s);
        }
        r
    }

    const A1: &str = "000000000000010-00000-000000000000000a";
    const B2: &str = "000000000000020-00000-000000000000000b";
    const C3: &str = "000000000000030-00000-000000000000000c";

    #[test]
    fn a_later_change_that_saw_the_earlier_one_is_no_conflict() {
        let local = rec(&[("name", json!("An"), A1)], &[]);
        // B changed it after seeing A1; C then changed B's value: a chain through three nodes.
        let b = rec(&[("name", json!("Bình"), B2)], &[("name", &[A1])]);
        let c = rec(&[("name", json!("Chi"), C3)], &[("name", &[A1, B2])]);
        let m = merge(&local, &c);
        assert!(m.conflicts.is_empty(), "C had seen A's value: no conflict");
        assert_eq!(m.record.body["name"], json!("Chi"));
        let back = merge(&m.record, &b);
        assert!(
            !back.changed && back.conflicts.is_empty(),
            "an older state already seen changes nothing"
        );
    }

    #[test]
    fn concurrent_changes_conflict_and_the_higher_version_wins_either_way() {
        let base = rec(&[("name", json!("An"), A1)], &[]);
        let b = rec(&[("name", json!("Bình"), B2)], &[("name", &[A1])]);
        let c = rec(&[("name", json!("Chi"), C3)], &[("name", &[A1])]);
        let bc = merge(&merge(&base, &b).record, &c);
        let cb = merge(&merge(&base, &c).record, &b);
        assert_eq!(
            bc.conflicts.len(),
            1,
            "neither had seen the other: a conflict"
        );
        assert_eq!(
            cb.conflicts.len(),
            1,
            "whichever arrives second sees the conflict"
        );
        assert_eq!(
            bc.record, cb.record,
            "the result must not depend on the order"
        );
        assert_eq!(
            bc.record.body["name"],
            json!("Chi"),
            "the higher version wins"
        );
        assert_eq!(
            bc.conflicts[0].other,
            json!("Bình"),
            "the other value is kept"
        );
        let again = merge(&bc.record, &b);
        assert!(
            !again.changed && again.conflicts.is_empty(),
            "repeats change nothing"
        );
    }

    #[test]
    fn different_fields_merge_without_conflict() {
        let base = rec(&[("name", json!("An"), A1), ("note", json!(""), A1)], &[]);
        let b = rec(
            &[("name", json!("Bình"), B2), ("note", json!(""), A1)],
            &[("name", &[A1])],
        );
        let c = rec(
            &[("name", json!("An"), A1), ("note", json!("x"), C3)],
            &[("note", &[A1])],
        );
        let m = merge(&merge(&base, &b).record, &c);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.record.body["name"], json!("Bình"));
        assert_eq!(m.record.body["note"], json!("x"));
    }
}
