//! Who may send what, and what an incoming record must be before anything else looks at it:
//! small pure rules (tested below), and the lookups that feed them from the transaction.

use std::collections::HashSet;

use rusqlite::OptionalExtension;
use serde_json::Value;

use super::apply::Applier;
use crate::error::Result;
use crate::hlc::Hlc;
use crate::records::{Kind, ReviewStatus};
use crate::sync::merge::node_of;
use crate::sync::wire::WireRecord;

/// What the versions a record carries say about it.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Versions {
    /// Every version is well formed and none is ahead of this PC's clock.
    Fine,
    /// A version that is not in the documented form (it would sort wrongly).
    Malformed(String),
    /// The latest version, more than `hlc::MAX_AHEAD_MS` ahead of this PC's clock.
    Ahead(String),
}

/// Checks every version a record carries: its creation's, each field's, and those its fields
/// say they replaced (`seen`, keyed by the node that wrote them).
pub(super) fn check_versions(rec: &WireRecord, now_ms: i64) -> Versions {
    let seen = rec.seen.values().flat_map(|s| s.iter());
    let mut ahead: Option<&str> = None;
    let all = std::iter::once(&rec.created_hlc)
        .chain(rec.versions.values())
        .map(|v| (None, v))
        .chain(seen.map(|(node, v)| (Some(node), v)));
    for (node, v) in all {
        let Some(h) = Hlc::parse(v) else {
            return Versions::Malformed(v.clone());
        };
        // Every field is written at or after the record's creation.
        if node.is_none() && v.as_str() < rec.created_hlc.as_str() {
            return Versions::Malformed(v.clone());
        }
        if node.is_some_and(|n| n != node_of(v)) {
            return Versions::Malformed(v.clone());
        }
        if h.is_ahead_of(now_ms) && ahead.is_none_or(|a| v.as_str() > a) {
            ahead = Some(v);
        }
    }
    match ahead {
        Some(v) => Versions::Ahead(v.to_owned()),
        None => Versions::Fine,
    }
}

/// One version on its own (an attachment's row has one).
pub(super) fn check_version(v: &str, now_ms: i64) -> Versions {
    match Hlc::parse(v) {
        None => Versions::Malformed(v.to_owned()),
        Some(h) if h.is_ahead_of(now_ms) => Versions::Ahead(v.to_owned()),
        Some(_) => Versions::Fine,
    }
}

/// A record owned by `owner` may come from a signer whose scope holds it; a unit's own card
/// record (its name, say) may also come from that unit. A unit's targets come only from a unit
/// above it (`Store::set_target`): never from the unit itself.
pub(super) fn may_send(
    (scope, units): (&HashSet<String>, &crate::units::UnitTree),
    signer_unit: &str,
    kind: Kind,
    owner: &str,
    rec: &WireRecord,
) -> bool {
    if kind == Kind::Target
        && owner == signer_unit
        && !crate::records::sets_own_targets(units, owner)
    {
        return false;
    }
    scope.contains(owner)
        || (kind == Kind::Unit && rec.body.get("code").and_then(Value::as_str) == Some(signer_unit))
}

/// Whether an incoming nomination changes a field after it was locked: a field whose version
/// differs from the stored one and is later than `locked_at` (the version of the step that
/// handed it to the committee). Changes made before that step may still arrive late.
pub(super) fn edits_after_lock(local: &WireRecord, incoming: &WireRecord, locked_at: &str) -> bool {
    incoming
        .versions
        .iter()
        .any(|(f, v)| local.versions.get(f) != Some(v) && v.as_str() > locked_at)
}

impl Applier<'_, '_> {
    /// Decisions and status changes come from the unit whose step it is (see
    /// `review::acts_for`); the nomination is here (they wait for it).
    pub(super) fn sent_by_reviewing_unit(&self, kind: Kind, rec: &WireRecord) -> Result<bool> {
        let field = |k: &str| rec.body.get(k).and_then(Value::as_str);
        let nomination_unit: Option<String> = self
            .tx
            .prepare_cached("SELECT unit FROM nominations WHERE id = ?1")?
            .query_row([field("nomination_id").unwrap_or_default()], |r| r.get(0))
            .optional()?;
        Ok(nomination_unit.is_some_and(|n| {
            let to = field("to").and_then(ReviewStatus::parse);
            crate::store::review::acts_for(kind, to, &rec.unit, &n, &self.units)
        }))
    }

    /// The version of the step that locked a nomination here (its latest status change, when
    /// that status no longer lets its unit edit it), if it is locked.
    pub(super) fn locked_since(&self, nomination_id: &str) -> Result<Option<String>> {
        let latest: Option<(String, String)> = self
            .tx
            .prepare_cached(
                "SELECT body ->> '$.to', created_hlc FROM transitions \
                 WHERE ref = ?1 AND deleted_at IS NULL ORDER BY created_hlc DESC LIMIT 1",
            )?
            .query_row([nomination_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(latest
            .filter(|(to, _)| !ReviewStatus::parse(to).is_some_and(ReviewStatus::editable))
            .map(|(_, at)| at))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const NOW: i64 = 1_764_144_000_000;
    const NODE: &str = "00000000000000ab";

    fn version(wall_ms: i64) -> String {
        format!("{wall_ms:015}-00000-{NODE}")
    }

    fn record(versions: &[(&str, String)]) -> WireRecord {
        WireRecord {
            id: "r".into(),
            unit: "00070".into(),
            created_at: String::new(),
            created_by: String::new(),
            created_hlc: version(NOW - 10),
            updated_at: String::new(),
            updated_by: String::new(),
            deleted_at: None,
            deleted_by: None,
            body: Default::default(),
            versions: versions
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            seen: BTreeMap::new(),
        }
    }

    #[test]
    fn versions_in_the_documented_form_and_time_pass() {
        let r = record(&[("title", version(NOW + 1000))]);
        assert_eq!(check_versions(&r, NOW), Versions::Fine);
    }

    #[test]
    fn a_version_more_than_a_day_ahead_is_held_by_its_latest_version() {
        let far = version(4_070_908_800_000); // 2099
        let r = record(&[("title", version(NOW)), ("place", far.clone())]);
        assert_eq!(
            check_versions(&r, NOW),
            Versions::Ahead(far),
            "a PC whose clock says 2099 must not win every later edit"
        );
    }

    #[test]
    fn a_malformed_version_anywhere_is_refused() {
        let mut r = record(&[("title", "99999".into())]);
        assert!(matches!(check_versions(&r, NOW), Versions::Malformed(_)));
        r = record(&[]);
        r.created_hlc = "zzz".into();
        assert!(matches!(check_versions(&r, NOW), Versions::Malformed(_)));
        r = record(&[]);
        let wrong_node = BTreeMap::from([("0000000000000001".to_owned(), version(NOW))]);
        r.seen.insert("title".into(), wrong_node);
        assert!(
            matches!(check_versions(&r, NOW), Versions::Malformed(_)),
            "a seen version filed under another node's name would hide that node's changes"
        );
    }

    #[test]
    fn a_field_written_before_its_record_was_created_is_malformed() {
        let mut r = record(&[("title", version(NOW - 20))]);
        r.created_hlc = version(NOW - 10);
        assert!(
            matches!(check_versions(&r, NOW), Versions::Malformed(_)),
            "no field of a record is older than the record"
        );
    }

    #[test]
    fn a_unit_may_send_what_its_scope_holds_and_its_own_unit_record() {
        let scope: HashSet<String> = ["00070".to_owned()].into();
        let units = crate::units::UnitTree::default();
        let from = (&scope, &units);
        let mut r = record(&[]);
        assert!(may_send(from, "00070", Kind::Person, "00070", &r));
        assert!(!may_send(from, "00070", Kind::Person, "00073", &r));
        r.body.insert("code".into(), "00070".into());
        assert!(may_send(from, "00070", Kind::Unit, "01", &r));
        assert!(!may_send(from, "00073", Kind::Unit, "01", &r));
    }

    #[test]
    fn a_ward_never_sends_its_own_targets_but_the_city_may() {
        let units = crate::units::UnitTree::new(
            crate::units::reference_units()
                .into_iter()
                .filter(|u| u.code == "01" || u.code == "00070")
                .map(|u| {
                    (
                        u.code.clone(),
                        crate::units::UnitNode {
                            name: u.name.clone(),
                            kind: u.unit_type.clone(),
                            parent: u.parent.clone(),
                            successor: None,
                        },
                    )
                }),
        );
        let r = record(&[]);
        let ward: HashSet<String> = ["00070".to_owned()].into();
        assert!(!may_send(
            (&ward, &units),
            "00070",
            Kind::Target,
            "00070",
            &r
        ));
        let city: HashSet<String> = ["01".to_owned(), "00070".to_owned()].into();
        assert!(may_send((&city, &units), "01", Kind::Target, "00070", &r));
        assert!(
            may_send((&city, &units), "01", Kind::Target, "01", &r),
            "the city sets its own"
        );
    }

    #[test]
    fn only_changes_made_after_the_lock_count_as_edits_of_a_locked_nomination() {
        let local = record(&[("title", version(NOW - 100))]);
        let lock = version(NOW);
        let before = record(&[("title", version(NOW - 50))]);
        let after = record(&[("title", version(NOW + 50))]);
        let same = record(&[("title", version(NOW - 100))]);
        assert!(
            !edits_after_lock(&local, &before, &lock),
            "made before submission"
        );
        assert!(
            edits_after_lock(&local, &after, &lock),
            "made after submission"
        );
        assert!(!edits_after_lock(&local, &same, &lock), "nothing new");
    }
}
