//! Erasures that arrive in a bundle: applied like a local purge, under the same authority
//! rules as any record the signer sends. A marker for a record not here yet is kept, so that
//! the record is refused when it comes.

use super::apply::{Applier, Outcome};
use super::authority::{check_version, Versions};
use crate::error::{Code, Error, Result};
use crate::records::Kind;
use crate::store::erase::{self, Stamp, WireErasure, ATTACHMENT_KIND};

/// The longest name an erasure may give as who erased it.
const MAX_NAME: usize = 200;

/// What a purge erases on its own: a person (with all that hangs on them), an attachment.
const ROOTS: [&str; 2] = ["person", ATTACHMENT_KIND];

/// The kinds an erasure may name: a person and what hangs on them, or an attachment.
const ERASABLE: [&str; 7] = [
    "person",
    "entry",
    "nomination",
    "transition",
    "score",
    "decision",
    ATTACHMENT_KIND,
];

impl Applier<'_, '_> {
    /// Whether any record or attachment here has this id.
    fn id_taken(&self, id: &str) -> Result<bool> {
        for table in Kind::ALL.iter().map(|k| k.table()).chain(["attachments"]) {
            let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE id = ?1)");
            if self
                .tx
                .prepare_cached(&sql)?
                .query_row([id], |r| r.get(0))?
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    pub(super) fn apply_erasure(&mut self, m: WireErasure) -> Result<Outcome> {
        let reject = |ap: &mut Self, e: Error| {
            ap.report.reject("erasure", &m.id, e);
            Ok(Outcome::Rejected)
        };
        if uuid::Uuid::try_parse(&m.id).is_err() {
            let id: String = m.id.chars().take(64).collect();
            return reject(self, Error::field_arg(Code::InvalidValue, "id", &id));
        }
        if !ERASABLE.contains(&m.kind.as_str()) {
            let kind: String = m.kind.chars().take(32).collect();
            return reject(self, Error::field_arg(Code::InvalidValue, "kind", &kind));
        }
        // Who and when go into the audit as they came: a time, and a name of a person's length.
        if chrono::DateTime::parse_from_rfc3339(&m.erased_at).is_err() {
            let at: String = m.erased_at.chars().take(40).collect();
            return reject(self, Error::field_arg(Code::InvalidDate, "erased_at", &at));
        }
        if m.erased_by.chars().count() > MAX_NAME {
            let limit = MAX_NAME.to_string();
            return reject(self, Error::field_arg(Code::TooLong, "erased_by", &limit));
        }
        // The version is kept with the marker but never moves this PC's clock (it names no
        // field): a marker dated years ahead cannot drag every later write along.
        if let Versions::Malformed(v) = check_version(&m.version, self.now_ms) {
            return reject(self, Error::field_arg(Code::InvalidVersion, "version", &v));
        }
        // Erased here already by this unit or one above: nothing new.
        if erase::erased_over(self.tx, &self.units, &m.id, &m.unit)? {
            return Ok(Outcome::Unchanged);
        }
        // The marker's own unit, and every record it removes here, must be the signer's to
        // erase: a unit erases only what it may write.
        if !self.scope.contains(&m.unit) {
            return reject(
                self,
                Error::field_arg(Code::OutOfAuthority, "unit", &m.unit),
            );
        }
        let items = erase::what_goes(self.tx, &m.kind, &m.id)?;
        let stored_kind = match items.last() {
            Some(erase::Item::Record { kind, .. }) => Some(kind.name()),
            Some(erase::Item::Attachment { .. }) => Some(ATTACHMENT_KIND),
            None => None,
        };
        let kept_as_other = match stored_kind {
            Some(k) => k != m.kind,
            // Nothing of that kind here: a record of another kind with this id is not it.
            None => self.id_taken(&m.id)?,
        };
        // What hangs on a person goes with the person (whose marker comes first, and takes it
        // along): a marker for such a record that is still here, on its own, is not a purge.
        let alone = !items.is_empty() && !ROOTS.contains(&m.kind.as_str());
        if kept_as_other || alone || items.iter().any(|i| !self.scope.contains(i.unit())) {
            return reject(self, Error::plain(Code::ErasureRefused, &m.id));
        }
        // A nomination in review or decided stays, as in a local purge.
        for nomination in erase::nominations(&items) {
            if self.locked_since(nomination)?.is_some() {
                return reject(self, Error::plain(Code::ErasureRefused, &m.id));
            }
        }
        let stamp = Stamp {
            at: &m.erased_at,
            by: &m.erased_by,
            version: &m.version,
            seq: self.seq,
            via: Some(&self.via),
        };
        if items.is_empty() {
            // Not here: what it was on is the sender's word only, so it is not kept.
            let marker = WireErasure {
                record_id: None,
                ..m.clone()
            };
            erase::mark(self.tx, &marker, &stamp)?;
        } else {
            let shas = erase::erase(self.tx, &items, &stamp)?;
            self.erased_shas.extend(shas);
        }
        self.report.erased += items.len().max(1) as u64;
        Ok(Outcome::Erased)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_person_and_what_hangs_on_them_or_an_attachment_can_be_erased() {
        for kind in [Kind::Unit, Kind::Campaign, Kind::Project, Kind::Committee] {
            assert!(
                !ERASABLE.contains(&kind.name()),
                "{} holds no one's personal data: a bundle may not erase it",
                kind.name()
            );
        }
    }
}
