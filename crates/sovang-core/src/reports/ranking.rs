//! A committee's ranking as an .xlsx workbook (rust_xlsxwriter): the same rows and numbers as
//! `Store::results`, with a column per member. Written to a temporary file, then renamed, so a
//! half-written workbook never bears the name.

use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::error::{Code, Error, Result};
use crate::messages::review_status_label;
use crate::store::Results;
use crate::units::UnitTree;

fn xlsx_err(e: XlsxError) -> Error {
    Error::plain(Code::Io, &e.to_string())
}

/// Writes the ranking of `r` to `out`.
pub fn write_ranking(r: &Results, units: &UnitTree, out: &Path) -> Result<()> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Xếp hạng").map_err(xlsx_err)?;
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border(FormatBorder::Thin)
        .set_background_color("#F2E6C9");
    let cell = Format::new().set_border(FormatBorder::Thin);
    let number = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.00");

    let heading = format!("{} — năm {}", r.committee_name, r.year);
    sheet
        .write_string_with_format(0, 0, &heading, &title)
        .map_err(xlsx_err)?;
    let note = format!(
        "Điểm của mỗi thành viên = Σ (trọng số × điểm tiêu chí), tối đa {}; điểm trung bình và trung vị tính trên các thành viên đã gửi phiếu, không kể người không chấm vì xung đột lợi ích.",
        r.max_total
    );
    sheet.write_string(1, 0, &note).map_err(xlsx_err)?;

    let mut columns: Vec<String> = [
        "Hạng",
        "Người được đề cử",
        "Đơn vị",
        "Trạng thái",
        "Điểm trung bình",
        "Trung vị",
        "Số phiếu tính",
    ]
    .map(String::from)
    .to_vec();
    let members: Vec<(String, String)> = r
        .rows
        .first()
        .map(|row| {
            row.members
                .iter()
                .map(|m| (m.member_id.clone(), m.member_name.clone()))
                .collect()
        })
        .unwrap_or_default();
    columns.extend(members.iter().map(|(_, name)| name.clone()));
    const HEAD_ROW: u32 = 3;
    for (i, c) in columns.iter().enumerate() {
        sheet
            .write_string_with_format(HEAD_ROW, i as u16, c, &head)
            .map_err(xlsx_err)?;
    }
    for (i, row) in r.rows.iter().enumerate() {
        let y = HEAD_ROW + 1 + i as u32;
        match row.rank {
            Some(n) => sheet.write_number_with_format(y, 0, n, &cell),
            None => sheet.write_string_with_format(y, 0, "—", &cell),
        }
        .map_err(xlsx_err)?;
        let unit = units
            .get(&row.unit)
            .map_or(row.unit.as_str(), |u| u.name.as_str());
        let status = review_status_label(row.status).0;
        for (x, text) in [(1, row.title.as_str()), (2, unit), (3, status)] {
            sheet
                .write_string_with_format(y, x, text, &cell)
                .map_err(xlsx_err)?;
        }
        for (x, v) in [(4, row.mean), (5, row.median)] {
            match v {
                Some(v) => sheet.write_number_with_format(y, x, v, &number),
                None => sheet.write_string_with_format(y, x, "—", &cell),
            }
            .map_err(xlsx_err)?;
        }
        sheet
            .write_number_with_format(y, 6, row.counted, &cell)
            .map_err(xlsx_err)?;
        for (j, m) in row.members.iter().enumerate() {
            let x = 7 + j as u16;
            match (m.total, m.recused, m.submitted) {
                (Some(t), _, _) => sheet.write_number_with_format(y, x, t, &number),
                (None, true, _) => {
                    sheet.write_string_with_format(y, x, "Không chấm (xung đột lợi ích)", &cell)
                }
                (None, false, true) => sheet.write_string_with_format(y, x, "—", &cell),
                (None, false, false) => sheet.write_string_with_format(y, x, "Chưa gửi", &cell),
            }
            .map_err(xlsx_err)?;
        }
    }
    sheet.set_column_width(0, 7).map_err(xlsx_err)?;
    sheet.set_column_width(1, 36).map_err(xlsx_err)?;
    sheet.set_column_width(2, 24).map_err(xlsx_err)?;
    sheet.set_column_width(3, 20).map_err(xlsx_err)?;
    for x in 4..columns.len() as u16 {
        sheet.set_column_width(x, 14).map_err(xlsx_err)?;
    }
    sheet.set_row_height(HEAD_ROW, 32).map_err(xlsx_err)?;
    sheet.set_freeze_panes(HEAD_ROW + 1, 2).map_err(xlsx_err)?;

    let label = out.display().to_string();
    let tmp = out.with_extension("xlsx.part");
    book.save(&tmp).map_err(xlsx_err)?;
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(Some("out"), &label, &e)
    })
}
