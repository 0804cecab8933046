//! Field checks shared by every kind. Each returns the typed error for its field.

use chrono::{Datelike, NaiveDate};

use crate::error::{Code, Error, Result};
use crate::units::UnitTree;

/// Collects every problem of one record, so that all of them are reported at once: the first
/// is the error, the rest ride along in `Error::others`.
#[derive(Default)]
pub struct Problems(Vec<Error>);

impl Problems {
    /// Keeps a check's problem, if any, and passes its value on.
    pub fn add<T>(&mut self, r: Result<T>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: Error) {
        self.0.push(e);
    }

    pub fn finish(self) -> Result<()> {
        let mut all = self.0.into_iter();
        match all.next() {
            None => Ok(()),
            Some(mut first) => {
                first.others = all.collect();
                Err(first)
            }
        }
    }
}

/// Trims `value` in place and refuses it when empty.
pub fn required(field: &str, value: &mut String) -> Result<()> {
    let t = value.trim();
    if t.is_empty() {
        return Err(Error::field(Code::Required, field));
    }
    if t.len() != value.len() {
        *value = t.to_owned();
    }
    Ok(())
}

pub fn max_len(field: &str, value: &str, max: usize) -> Result<()> {
    if value.chars().count() > max {
        return Err(Error::field_arg(Code::TooLong, field, &max.to_string()));
    }
    Ok(())
}

/// Trims optional text, turning blank into `None`.
pub fn optional(value: &mut Option<String>) {
    if let Some(v) = value {
        let t = v.trim();
        if t.is_empty() {
            *value = None;
        } else if t.len() != v.len() {
            *value = Some(t.to_owned());
        }
    }
}

/// Parses dd/mm/yyyy (what users type) or yyyy-mm-dd (what files carry).
pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
        .ok()
        .filter(|d| (1900..=2200).contains(&d.year()))
        .ok_or_else(|| Error::field_arg(Code::InvalidDate, field, s))
}

/// Normalizes an optional date to ISO in place and returns it.
pub fn date(field: &str, value: &mut Option<String>) -> Result<Option<NaiveDate>> {
    optional(value);
    match value {
        None => Ok(None),
        Some(s) => {
            let d = parse_date(field, s)?;
            *s = d.format("%Y-%m-%d").to_string();
            Ok(Some(d))
        }
    }
}

pub fn required_date(field: &str, value: &mut Option<String>) -> Result<NaiveDate> {
    date(field, value)?.ok_or_else(|| Error::field(Code::Required, field))
}

pub fn not_after(field: &str, d: Option<NaiveDate>, today: NaiveDate) -> Result<()> {
    match d {
        Some(d) if d > today => Err(Error::field_arg(
            Code::FutureDate,
            field,
            &d.format("%d/%m/%Y").to_string(),
        )),
        _ => Ok(()),
    }
}

pub fn end_after_start(
    field: &str,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
) -> Result<()> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Err(Error::field(Code::EndBeforeStart, field)),
        _ => Ok(()),
    }
}

pub fn non_negative(field: &str, v: Option<i64>) -> Result<()> {
    match v {
        Some(n) if n < 0 => Err(Error::field(Code::NegativeAmount, field)),
        _ => Ok(()),
    }
}

pub fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Error::field_arg(Code::InvalidValue, field, value))
    }
}

pub fn known_unit(field: &str, code: &mut String, units: &UnitTree) -> Result<()> {
    required(field, code)?;
    if units.get(code).is_none() {
        return Err(Error::field_arg(Code::UnknownUnit, field, code));
    }
    Ok(())
}
