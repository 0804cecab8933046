//! The unit tree in memory (a few thousand rows), and the reference units shipped with the app.

use std::collections::{HashMap, HashSet};

use crate::records::Unit;

#[derive(Debug, Clone)]
pub struct UnitNode {
    pub name: String,
    pub kind: String,
    pub parent: Option<String>,
    pub successor: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UnitTree {
    nodes: HashMap<String, UnitNode>,
    children: HashMap<String, Vec<String>>,
    predecessors: HashMap<String, Vec<String>>,
}

impl UnitTree {
    pub fn new(rows: impl IntoIterator<Item = (String, UnitNode)>) -> Self {
        let mut t = UnitTree::default();
        for (code, node) in rows {
            t.insert(code, node);
        }
        t
    }

    pub fn insert(&mut self, code: String, node: UnitNode) {
        if let Some(old) = self.nodes.remove(&code) {
            if let Some(p) = &old.parent {
                self.children
                    .entry(p.clone())
                    .or_default()
                    .retain(|c| *c != code);
            }
            if let Some(s) = &old.successor {
                self.predecessors
                    .entry(s.clone())
                    .or_default()
                    .retain(|c| *c != code);
            }
        }
        if let Some(p) = &node.parent {
            self.children
                .entry(p.clone())
                .or_default()
                .push(code.clone());
        }
        if let Some(s) = &node.successor {
            self.predecessors
                .entry(s.clone())
                .or_default()
                .push(code.clone());
        }
        self.nodes.insert(code, node);
    }

    pub fn get(&self, code: &str) -> Option<&UnitNode> {
        self.nodes.get(code)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn children(&self, code: &str) -> &[String] {
        self.children.get(code).map(Vec::as_slice).unwrap_or(&[])
    }

    /// True when `code` is `ancestor` or lies under it.
    pub fn is_within(&self, code: &str, ancestor: &str) -> bool {
        let mut cur = Some(code);
        let mut steps = 0;
        while let Some(c) = cur {
            if c == ancestor {
                return true;
            }
            steps += 1;
            if steps > self.nodes.len() {
                return false; // a loop in stored data; `check` reports it
            }
            cur = self.nodes.get(c).and_then(|n| n.parent.as_deref());
        }
        false
    }

    /// The units above `code`, nearest first.
    pub fn ancestors(&self, code: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut cur = self.nodes.get(code).and_then(|n| n.parent.as_deref());
        while let Some(c) = cur {
            if out.len() > self.nodes.len() {
                break; // a loop in stored data; `check` reports it
            }
            out.push(c.to_owned());
            cur = self.nodes.get(c).and_then(|n| n.parent.as_deref());
        }
        out
    }

    /// True when following successors from `from` reaches `code`.
    pub fn successor_chain_contains(&self, from: &str, code: &str) -> bool {
        let mut cur = Some(from);
        let mut steps = 0;
        while let Some(c) = cur {
            if c == code {
                return true;
            }
            steps += 1;
            if steps > self.nodes.len() {
                return false;
            }
            cur = self.nodes.get(c).and_then(|n| n.successor.as_deref());
        }
        false
    }

    /// The unit, everything under it, and every unit merged into it (with their sub-units):
    /// what a filter or report by this unit covers.
    pub fn scope(&self, code: &str) -> HashSet<String> {
        let mut seen = HashSet::new();
        let mut stack = vec![code.to_owned()];
        while let Some(c) = stack.pop() {
            if !seen.insert(c.clone()) {
                continue;
            }
            stack.extend(self.children(&c).iter().cloned());
            if let Some(p) = self.predecessors.get(&c) {
                stack.extend(p.iter().cloned());
            }
        }
        seen
    }

    /// The units merged into `code` (whose successor it is).
    pub fn predecessors(&self, code: &str) -> &[String] {
        self.predecessors
            .get(code)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn codes(&self) -> impl Iterator<Item = &String> {
        self.nodes.keys()
    }
}

const REFERENCE_CSV: &str = include_str!("../data/vn-admin-units-2025.csv");

/// Vietnam's provinces and communes/wards as of 1 July 2025 (see `data/SOURCE.md`),
/// provinces first so that each parent exists before its children.
pub fn reference_units() -> Vec<Unit> {
    reference().to_vec()
}

/// The reference units, read from the compiled-in file once per process (the first-run
/// wizard searches them at every keystroke).
pub fn reference() -> &'static [Unit] {
    static UNITS: std::sync::OnceLock<Vec<Unit>> = std::sync::OnceLock::new();
    UNITS.get_or_init(parse_reference)
}

fn parse_reference() -> Vec<Unit> {
    let mut provinces = Vec::new();
    let mut locals = Vec::new();
    let mut seen = HashSet::new();
    let mut rdr = csv::Reader::from_reader(REFERENCE_CSV.as_bytes());
    for row in rdr.records().flatten() {
        let (Ok(pc), Ok(uc)) = (row[0].parse::<u32>(), row[3].parse::<u32>()) else {
            continue;
        };
        let pcode = format!("{pc:02}");
        if seen.insert(pcode.clone()) {
            provinces.push(Unit {
                code: pcode.clone(),
                name: row[1].to_owned(),
                unit_type: "province".into(),
                valid_from: Some("2025-07-01".into()),
                ..Default::default()
            });
        }
        let kind = match &row[5] {
            "phường" => "ward",
            "xã" => "commune",
            _ => "special_zone",
        };
        locals.push(Unit {
            code: format!("{uc:05}"),
            name: row[4].to_owned(),
            unit_type: kind.into(),
            parent: Some(pcode),
            valid_from: Some("2025-07-01".into()),
            ..Default::default()
        });
    }
    provinces.extend(locals);
    provinces
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(parent: Option<&str>, successor: Option<&str>) -> UnitNode {
        UnitNode {
            name: String::new(),
            kind: "other".into(),
            parent: parent.map(Into::into),
            successor: successor.map(Into::into),
        }
    }

    #[test]
    fn reference_data_has_all_units() {
        let u = reference_units();
        assert_eq!(
            u.iter().filter(|u| u.unit_type == "province").count(),
            34,
            "34 provinces since July 2025"
        );
        assert_eq!(
            u.len(),
            34 + 3321,
            "every commune and ward of the source file"
        );
        let hk = u
            .iter()
            .find(|u| u.code == "00070")
            .expect("Phường Hoàn Kiếm is code 00070");
        assert_eq!(hk.name, "Phường Hoàn Kiếm");
        assert_eq!(hk.parent.as_deref(), Some("01"));
        let hanoi = u
            .iter()
            .filter(|u| u.parent.as_deref() == Some("01"))
            .count();
        assert_eq!(hanoi, 126, "Hà Nội has 126 communes and wards");
    }

    #[test]
    fn scope_includes_descendants_and_predecessors() {
        let t = UnitTree::new([
            ("01".to_string(), node(None, None)),
            ("W".to_string(), node(Some("01"), None)),
            ("B".to_string(), node(Some("W"), None)),
            ("OLD".to_string(), node(Some("01"), Some("W"))),
            ("OLDB".to_string(), node(Some("OLD"), None)),
            ("X".to_string(), node(Some("01"), None)),
        ]);
        let s = t.scope("W");
        for c in ["W", "B", "OLD", "OLDB"] {
            assert!(s.contains(c), "{c} belongs to W's scope");
        }
        assert!(
            !s.contains("X") && !s.contains("01"),
            "siblings and parents are outside"
        );
        assert!(t.is_within("B", "01") && !t.is_within("01", "B"));
    }
}
