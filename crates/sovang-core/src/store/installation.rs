//! Which installation a data folder is. A folder copied to another PC (a cadre moves to a new
//! PC and keeps the old one running) would share the installation id, so the node of its
//! versions, and the signing key: two installations with one node silently lose each other's
//! edits. Opening recognises such a copy and makes it a new installation.
//!
//! Two marks tell where a folder has been: the PC it was last opened on (`meta.machine`) and
//! a random token kept both in `meta.folder_mark` and in a file beside the database. A folder
//! moved on the same PC, by hand or by `App::move_data` (which carries the file), keeps both.
//! On another PC the machine differs; a database copied without its folder (`sovang.db`
//! alone, `VACUUM INTO`) has no file or another folder's. Not recognised: a whole folder
//! copied on the same PC (only its path tells it from a move, and a move changes the path
//! too), and PCs cloned from one disk image that kept the same machine id.

use std::io::Write;
use std::path::Path;
use std::sync::OnceLock;

use rusqlite::{Connection, TransactionBehavior};
use sha2::{Digest, Sha256};

use super::{get_meta, set_meta};
use crate::clock::{stamp, Clock, IdGen};
use crate::error::{Code, Error, Result};

/// The file beside the database holding the folder's token.
pub const MARK_FILE: &str = "sovang.mark";

/// A PC as a data folder remembers it: a hash of the operating system's machine id (never the
/// id itself, which machine-id(5) asks applications not to expose), or unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Machine(Option<String>);

impl Machine {
    /// This PC: `/etc/machine-id` on Linux, `MachineGuid` on Windows, the platform UUID on
    /// macOS; unknown when none can be read (copies are then told by the folder mark alone).
    pub fn this() -> Machine {
        static THIS: OnceLock<Machine> = OnceLock::new();
        THIS.get_or_init(|| match machine_uid::get() {
            Ok(id) if !id.trim().is_empty() => Machine::named(id.trim()),
            _ => {
                tracing::warn!("this PC's machine id cannot be read");
                Machine(None)
            }
        })
        .clone()
    }

    /// The PC whose machine id is `id` (tests name their PCs).
    pub fn named(id: &str) -> Machine {
        let digest = Sha256::digest(format!("sovang-machine:{id}").as_bytes());
        Machine(Some(hex::encode(&digest[..16])))
    }

    pub fn unknown() -> Machine {
        Machine(None)
    }
}

/// What the folder says about itself.
struct Seen {
    machine: Option<String>,
    token: Option<String>,
    /// The file's token; `None` when there is no file (an unreadable one fails the open).
    file: Option<String>,
}

#[derive(Debug, PartialEq)]
enum Verdict {
    /// Nothing to do.
    Same,
    /// The same installation, with a mark not written yet (a folder from before the marks).
    Note,
    /// A copy, and why.
    Copy(&'static str),
}

fn look(conn: &Connection, dir: &Path) -> Result<Seen> {
    let path = dir.join(MARK_FILE);
    let file = match std::fs::read_to_string(&path) {
        Ok(s) => Some(s.trim().to_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(None, &path.display().to_string(), &e)),
    };
    Ok(Seen {
        machine: get_meta(conn, "machine")?,
        token: get_meta(conn, "folder_mark")?,
        file,
    })
}

fn judge(seen: &Seen, here: &Machine) -> Verdict {
    if let (Some(here), Some(was)) = (&here.0, &seen.machine) {
        if here != was {
            return Verdict::Copy("another_machine");
        }
    }
    match (&seen.token, &seen.file) {
        (None, _) => Verdict::Note,
        (Some(t), Some(f)) if t == f => {
            if seen.machine.is_none() && here.0.is_some() {
                Verdict::Note
            } else {
                Verdict::Same
            }
        }
        (Some(_), _) => Verdict::Copy("folder_mark"),
    }
}

/// Writes a new token to the folder's file (whole or not at all) and returns it.
fn new_mark(dir: &Path) -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::plain(Code::Storage, &format!("random: {e}")))?;
    let token = hex::encode(bytes);
    let (tmp, path) = (dir.join("sovang.mark.tmp"), dir.join(MARK_FILE));
    let io = |e: std::io::Error| Error::io(None, &path.display().to_string(), &e);
    let mut f = std::fs::File::create(&tmp).map_err(io)?;
    f.write_all(format!("{token}\n").as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)?;
    std::fs::rename(&tmp, &path).map_err(io)?;
    Ok(token)
}

/// Recognises a copy of the installation `id` and makes it a new installation: a new id
/// (its versions' node) and, on first use, a new signing key, so its card must be exchanged
/// again. What it wrote before keeps the old node. Returns the installation id to use.
pub(super) fn recognise(
    conn: &mut Connection,
    dir: &Path,
    clock: &dyn Clock,
    here: &Machine,
    id: String,
) -> Result<String> {
    // Opening only reads, unless a mark is to be written.
    if judge(&look(conn, dir)?, here) == Verdict::Same {
        return Ok(id);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Again under the write lock: another process opening this folder may have done it.
    let seen = look(&tx, dir)?;
    let verdict = judge(&seen, here);
    let mut id = id;
    match verdict {
        Verdict::Same => return Ok(id),
        Verdict::Note if seen.token.is_some() => {}
        Verdict::Note => set_meta(&tx, "folder_mark", &new_mark(dir)?)?,
        Verdict::Copy(why) => {
            let old = get_meta(&tx, "installation_id")?.unwrap_or_default();
            id = IdGen::default().next(clock).to_string();
            set_meta(&tx, "installation_id", &id)?;
            set_meta(&tx, "copied_from", &old)?;
            set_meta(&tx, "copied_at", &stamp(clock.now()))?;
            // `Store::signing_key` makes a new one on first use.
            tx.execute("DELETE FROM meta WHERE key = 'signing_key'", [])?;
            set_meta(&tx, "folder_mark", &new_mark(dir)?)?;
            tracing::warn!(
                why,
                old_installation = %old,
                installation = %id,
                "this data folder is a copy: it is now a new installation with a new key"
            );
        }
    }
    if let Some(m) = &here.0 {
        set_meta(&tx, "machine", m)?;
    }
    tx.commit()?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(machine: Option<&str>, token: Option<&str>, file: Option<&str>) -> Seen {
        let own = |s: Option<&str>| s.map(str::to_owned);
        Seen {
            machine: own(machine),
            token: own(token),
            file: own(file),
        }
    }

    #[test]
    fn only_another_machine_or_a_missing_mark_is_a_copy() {
        let a = Machine::named("a");
        let ha = a.0.as_deref();
        let cases = [
            (seen(ha, Some("t"), Some("t")), &a, Verdict::Same),
            (
                seen(ha, Some("t"), Some("t")),
                &Machine::named("b"),
                Verdict::Copy("another_machine"),
            ),
            (seen(ha, Some("t"), None), &a, Verdict::Copy("folder_mark")),
            (
                seen(ha, Some("t"), Some("u")),
                &a,
                Verdict::Copy("folder_mark"),
            ),
            // Nothing known about this PC: the mark alone decides.
            (
                seen(ha, Some("t"), Some("t")),
                &Machine::unknown(),
                Verdict::Same,
            ),
            // A folder from before the marks is the installation it says.
            (seen(None, None, None), &a, Verdict::Note),
            (seen(None, Some("t"), Some("t")), &a, Verdict::Note),
            (seen(ha, None, Some("x")), &a, Verdict::Note),
        ];
        for (i, (s, here, want)) in cases.into_iter().enumerate() {
            assert_eq!(judge(&s, here), want, "case {i}");
        }
    }
}
