//! Who may send what: the rules an incoming record must pass beyond its own validation.

use rusqlite::OptionalExtension;
use serde_json::Value;

use super::apply::Applier;
use crate::error::Result;
use crate::records::{self, Kind};
use crate::sync::wire::WireRecord;

impl Applier<'_, '_> {
    pub(super) fn sent_by_reviewing_unit(&self, kind: Kind, rec: &WireRecord) -> Result<bool> {
        let field = |k: &str| rec.body.get(k).and_then(Value::as_str);
        let nomination_unit: Option<String> = self
            .tx
            .prepare_cached("SELECT unit FROM nominations WHERE id = ?1")?
            .query_row([field("nomination_id").unwrap_or_default()], |r| r.get(0))
            .optional()?;
        Ok(nomination_unit.is_some_and(|n| {
            crate::store::review::acts_for(kind, field("to"), &rec.unit, &n, &self.units)
        }))
    }

    /// A score is its member's alone: the bundle must be signed by the key the committee
    /// lists for that member (the committee is here: scores wait for it).
    pub(super) fn signed_by_member(&self, rec: &WireRecord) -> Result<bool> {
        let field = |k: &str| rec.body.get(k).and_then(Value::as_str).unwrap_or_default();
        let body: Option<String> = self
            .tx
            .prepare_cached("SELECT body FROM committees WHERE id = ?1")?
            .query_row([field("committee_id")], |r| r.get(0))
            .optional()?;
        let committee = body.and_then(|b| serde_json::from_str::<records::Committee>(&b).ok());
        Ok(committee
            .and_then(|c| {
                c.member(field("member_id"))
                    .map(|m| m.fingerprint == self.signer_key)
            })
            .unwrap_or(false))
    }

    pub(super) fn authorized(&self, kind: Kind, owner: &str, rec: &WireRecord) -> bool {
        self.scope.contains(owner)
            || (kind == Kind::Unit
                && rec.body.get("code").and_then(Value::as_str) == Some(&self.signer_unit))
    }
}
