//! Setting an installation up (as a branch under a commune or ward), copying its data to
//! another folder, and the unit tree the units screen shows.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use serde_json::json;

use super::{set_meta, Store};
use crate::clock::Clock;
use crate::error::{Code, Error, Result};
use crate::records::Kind;
use crate::text;

/// One row of the units screen, in tree order.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnitRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub parent: Option<String>,
    pub depth: u32,
    /// Set on a unit that no longer exists (merged in the 2025 reorganisation, say).
    pub valid_to: Option<String>,
    pub successor: Option<String>,
    pub successor_name: Option<String>,
}

/// A commune, ward or province the first-run wizard offers.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UnitChoice {
    pub code: String,
    pub name: String,
    pub unit_type: String,
    pub province: String,
}

/// The reference units whose name contains every word of `query`, ignoring diacritics and
/// case; provinces first, then by name. Needs no database (the wizard runs before one exists).
pub fn find_reference_units(query: &str, limit: usize) -> Vec<UnitChoice> {
    let units = crate::units::reference();
    let words: Vec<String> = text::words(&text::fold(query)).map(str::to_owned).collect();
    let province_name = |code: &Option<String>| {
        code.as_ref()
            .and_then(|c| units.iter().find(|u| &u.code == c))
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    units
        .iter()
        .filter(|u| {
            let hay = format!("{} {}", text::fold(&u.name), u.code);
            words
                .iter()
                .all(|w| text::words(&hay).any(|h| h.starts_with(w.as_str())))
        })
        .take(limit)
        .map(|u| UnitChoice {
            code: u.code.clone(),
            name: u.name.clone(),
            unit_type: u.unit_type.clone(),
            province: province_name(&u.parent),
        })
        .collect()
}

impl Store {
    /// Sets up an installation working as a new branch (chi đoàn) under the reference unit
    /// `parent`: the branch is created, then becomes the installation's unit.
    pub fn init_branch(
        dir: &Path,
        parent: &str,
        branch: &str,
        user: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Store> {
        if branch.trim().is_empty() {
            return Err(Error::field(Code::Required, "branch"));
        }
        let mut store = Store::init(dir, parent, user, clock)?;
        let unit = store.put(
            Kind::Unit,
            json!({"name": branch.trim(), "unit_type": "branch", "parent": parent}),
        )?;
        let code = unit["data"]["code"].as_str().unwrap_or_default().to_owned();
        set_meta(&store.conn, "unit", &code)?;
        store.installation.unit = code;
        store.reload_units()?;
        Ok(store)
    }

    /// A consistent copy of the database (SQLite's `VACUUM INTO`), the folder's mark and the
    /// attachments in `dir`, which must not hold a database yet. With its mark the copy stays
    /// this installation: it is a move (see `installation`).
    pub fn copy_to(&self, dir: &Path) -> Result<()> {
        let target = dir.join(super::DB_FILE);
        self.conn
            .execute("VACUUM INTO ?1", [target.display().to_string()])?;
        let mark = self.data_dir().join(super::MARK_FILE);
        if mark.is_file() {
            std::fs::copy(&mark, dir.join(super::MARK_FILE))?;
        }
        let from = self.data_dir().join("attachments");
        if from.is_dir() {
            copy_tree(&from, &dir.join("attachments"))?;
        }
        Ok(())
    }

    /// The installation's unit and everything under it, with the units merged into them, in
    /// tree order (children by code).
    pub fn unit_rows(&self) -> Result<Vec<UnitRow>> {
        let root = self.installation.unit.clone();
        let mut out = Vec::new();
        let mut stack = vec![(root, 0u32)];
        let mut seen = std::collections::HashSet::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, code, title, kind, parent, successor, json_extract(body, '$.valid_to') \
             FROM units WHERE code = ?1 AND deleted_at IS NULL",
        )?;
        while let Some((code, depth)) = stack.pop() {
            if !seen.insert(code.clone()) {
                continue;
            }
            let row = stmt.query_row([&code], |r| {
                Ok(UnitRow {
                    id: r.get(0)?,
                    code: r.get(1)?,
                    name: r.get(2)?,
                    unit_type: r.get(3)?,
                    parent: r.get(4)?,
                    depth,
                    successor: r.get(5)?,
                    valid_to: r.get(6)?,
                    successor_name: None,
                })
            })?;
            let mut kids: Vec<String> = self.units.children(&code).to_vec();
            kids.extend(self.units.predecessors(&code).iter().cloned());
            kids.sort();
            kids.dedup();
            stack.extend(kids.into_iter().rev().map(|k| (k, depth + 1)));
            out.push(row);
        }
        for row in &mut out {
            row.successor_name = row
                .successor
                .as_ref()
                .and_then(|s| self.units.get(s))
                .map(|n| n.name.clone());
        }
        Ok(out)
    }
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
