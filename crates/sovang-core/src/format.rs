//! How users expect values written: dd/mm/yyyy dates and `1.500.000 ₫` amounts.

use chrono::NaiveDate;

pub fn date_vn(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Whole đồng with dots between thousands.
pub fn vnd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{out} ₫")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_users_write() {
        assert_eq!(vnd(1_500_000), "1.500.000 ₫");
        assert_eq!(vnd(0), "0 ₫");
        assert_eq!(vnd(-12_345), "-12.345 ₫");
        assert_eq!(
            date_vn(NaiveDate::from_ymd_opt(2025, 9, 2).unwrap()),
            "02/09/2025"
        );
    }
}
