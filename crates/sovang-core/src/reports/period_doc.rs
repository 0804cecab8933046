//! The period report as a Youth Union document, as a workbook and as a PDF: the issuing body
//! and the report's number on the left, "ĐOÀN TNCS HỒ CHÍ MINH" and the place and date on the
//! right, the title, the tables, the signature block. Both are drawn from the same sections
//! (`sections`), so they show the same numbers as `PeriodReport` and `sovang report --json`.

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
use serde::{Deserialize, Serialize};

use super::pdf::{Align, Cell, PdfWriter, SERIF};
use super::period::PeriodReport;
use crate::error::Result;
use crate::sheets::template::{save, xlsx_err, FONT};

/// What heads and signs a report: filled from the settings, editable before printing.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportHeading {
    /// The body above the issuer ("BCH ĐOÀN TP HÀ NỘI"), may be empty.
    pub superior: String,
    /// The issuing body ("BCH ĐOÀN PHƯỜNG HOÀN KIẾM").
    pub issuer: String,
    /// The report's number ("Số: 12-BC/ĐTN").
    pub number: String,
    pub place: String,
    /// ISO date.
    pub date: String,
    /// "T/M BAN THƯỜNG VỤ", then the signer's title and name.
    pub on_behalf: String,
    pub signer_title: String,
    pub signer: String,
}

impl ReportHeading {
    /// The heading a unit's report starts with: its name, the unit above, Hà Nội, `today`.
    pub fn for_unit(unit_name: &str, parent_name: Option<&str>, today: NaiveDate) -> Self {
        ReportHeading {
            superior: parent_name
                .map(|p| format!("BCH ĐOÀN {}", p.to_uppercase()))
                .unwrap_or_default(),
            issuer: format!("BCH ĐOÀN {}", unit_name.to_uppercase()),
            number: "Số:      -BC/ĐTN".into(),
            place: "Hà Nội".into(),
            date: today.to_string(),
            on_behalf: "T/M BAN THƯỜNG VỤ".into(),
            signer_title: "BÍ THƯ".into(),
            signer: String::new(),
        }
    }

    /// "Hà Nội, ngày 04 tháng 12 năm 2026".
    pub fn place_and_date(&self) -> String {
        match NaiveDate::parse_from_str(&self.date, "%Y-%m-%d") {
            Ok(d) => format!(
                "{}, ngày {:02} tháng {:02} năm {}",
                self.place,
                d.day(),
                d.month(),
                d.year()
            ),
            Err(_) => format!("{}, ngày … tháng … năm …", self.place),
        }
    }
}

impl crate::store::Store {
    /// The heading a report of `unit` starts with (its name and the unit above it, today).
    pub fn report_heading(&self, unit: &str) -> Result<ReportHeading> {
        let node = self.units().get(unit).ok_or_else(|| {
            crate::error::Error::field_arg(crate::error::Code::UnknownUnit, "unit", unit)
        })?;
        let parent = node
            .parent
            .as_deref()
            .and_then(|p| self.units().get(p))
            .map(|p| p.name.as_str());
        Ok(ReportHeading::for_unit(
            &node.name,
            parent,
            self.clock().today(),
        ))
    }
}

/// A figure of a table.
pub enum Fig {
    Text(String),
    Int(i64),
    Money(i64),
    Percent(Option<f64>),
}

impl Fig {
    /// As printed: thousands with dots (the Vietnamese way), percentages whole.
    pub fn printed(&self) -> String {
        match self {
            Fig::Text(s) => s.clone(),
            Fig::Int(n) => dotted(*n),
            Fig::Money(n) => format!("{} đ", dotted(*n)),
            Fig::Percent(Some(p)) => format!("{:.0} %", p * 100.0),
            Fig::Percent(None) => "—".into(),
        }
    }
}

fn dotted(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// One table of the report.
pub struct Section {
    pub title: String,
    pub headers: Vec<&'static str>,
    /// Each column's share of the width (they sum to 1).
    pub widths: Vec<f32>,
    pub rows: Vec<Vec<Fig>>,
}

/// The report's tables, in order.
pub fn sections(r: &PeriodReport) -> Vec<Section> {
    let mut out = vec![
        Section {
            title: format!(
                "I. Sổ vàng \"Làm theo lời Bác\": {} việc tốt",
                dotted(r.entries)
            ),
            headers: vec!["Giá trị hình mẫu thể hiện", "Số việc tốt"],
            widths: vec![0.75, 0.25],
            rows: r
                .entries_by_value
                .iter()
                .map(|c| vec![Fig::Text(c.label.clone()), Fig::Int(c.count)])
                .collect(),
        },
        Section {
            title: "II. Công trình, phần việc thanh niên".into(),
            headers: vec![
                "Tình trạng",
                "Số công trình",
                "Giá trị làm lợi",
                "Tham gia",
                "Hưởng lợi",
            ],
            widths: vec![0.28, 0.15, 0.25, 0.16, 0.16],
            rows: r
                .projects
                .iter()
                .chain(std::iter::once(&r.projects_total))
                .map(|p| {
                    vec![
                        Fig::Text(p.label.clone()),
                        Fig::Int(p.count),
                        Fig::Money(p.value_vnd),
                        Fig::Int(p.volunteers),
                        Fig::Int(p.beneficiaries),
                    ]
                })
                .collect(),
        },
        Section {
            title: format!(
                "III. Đề cử giá trị hình mẫu: {} đề cử",
                dotted(r.nominations)
            ),
            headers: vec!["Đối tượng / Kết quả xét chọn", "Số đề cử"],
            widths: vec![0.75, 0.25],
            rows: r
                .nominations_by_category
                .iter()
                .chain(&r.nominations_by_outcome)
                .map(|c| vec![Fig::Text(c.label.clone()), Fig::Int(c.count)])
                .collect(),
        },
        Section {
            title: format!("IV. Chỉ tiêu {}", r.target_label.vi),
            headers: vec!["Chỉ tiêu", "Giao", "Thực hiện", "Tỉ lệ"],
            widths: vec![0.46, 0.18, 0.18, 0.18],
            rows: r
                .targets
                .iter()
                .map(|t| {
                    let share = (t.target > 0).then(|| t.actual as f64 / t.target as f64);
                    vec![
                        Fig::Text(t.label.clone()),
                        Fig::Int(t.target),
                        Fig::Int(t.actual),
                        Fig::Percent(share),
                    ]
                })
                .collect(),
        },
    ];
    if !r.sub_units.is_empty() {
        out.push(Section {
            title: "V. Các đơn vị trực thuộc (đơn vị chậm chỉ tiêu nhất ở trên)".into(),
            headers: vec![
                "Đơn vị",
                "Việc tốt",
                "Công trình",
                "Giá trị làm lợi",
                "Đề cử",
                "Chỉ tiêu đạt",
            ],
            widths: vec![0.31, 0.12, 0.13, 0.22, 0.1, 0.12],
            rows: r
                .sub_units
                .iter()
                .map(|s| {
                    vec![
                        Fig::Text(s.name.clone()),
                        Fig::Int(s.entries),
                        Fig::Int(s.projects),
                        Fig::Money(s.value_vnd),
                        Fig::Int(s.nominations),
                        Fig::Percent(s.completion),
                    ]
                })
                .collect(),
        });
    }
    out
}

fn title(r: &PeriodReport) -> (String, String) {
    (
        "BÁO CÁO".into(),
        format!(
            "Kết quả thực hiện Cuộc vận động \"Xây dựng giá trị hình mẫu thanh niên Thủ đô thời đại mới\" {} ({} – {})",
            r.period_label.vi,
            NaiveDate::parse_from_str(&r.from, "%Y-%m-%d").map_or(r.from.clone(), |d| d.format("%d/%m/%Y").to_string()),
            NaiveDate::parse_from_str(&r.to, "%Y-%m-%d").map_or(r.to.clone(), |d| d.format("%d/%m/%Y").to_string()),
        ),
    )
}

/// The report as a workbook: the heading in the first rows, then each table.
pub fn write_period_xlsx(r: &PeriodReport, h: &ReportHeading, out: &Path) -> Result<()> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Báo cáo").map_err(xlsx_err)?;
    let base = Format::new().set_font_name(FONT).set_font_size(12);
    let bold = base.clone().set_bold();
    let center = base.clone().set_align(FormatAlign::Center);
    let center_bold = bold.clone().set_align(FormatAlign::Center);
    let italic = center.clone().set_italic();
    let head = bold
        .clone()
        .set_border(FormatBorder::Thin)
        .set_background_color("#F2E6C9")
        .set_text_wrap();
    let cell = base.clone().set_border(FormatBorder::Thin);
    let number = cell.clone().set_num_format("#,##0");
    let money = cell.clone().set_num_format("#,##0 \"đ\"");
    let percent = cell.clone().set_num_format("0%");
    for (c, w) in [
        (0u16, 34.0),
        (1, 16.0),
        (2, 18.0),
        (3, 18.0),
        (4, 16.0),
        (5, 14.0),
    ] {
        sheet.set_column_width(c, w).map_err(xlsx_err)?;
    }
    let w = |e| xlsx_err(e);
    sheet
        .merge_range(0, 0, 0, 1, &h.superior, &center)
        .map_err(w)?;
    sheet
        .merge_range(1, 0, 1, 1, &h.issuer, &center_bold)
        .map_err(w)?;
    sheet
        .merge_range(2, 0, 2, 1, &h.number, &center)
        .map_err(w)?;
    sheet
        .merge_range(
            0,
            2,
            0,
            5,
            "ĐOÀN TNCS HỒ CHÍ MINH",
            &center_bold
                .clone()
                .set_underline(rust_xlsxwriter::FormatUnderline::Single),
        )
        .map_err(w)?;
    sheet
        .merge_range(2, 2, 2, 5, &h.place_and_date(), &italic)
        .map_err(w)?;
    let (t1, t2) = title(r);
    sheet
        .merge_range(4, 0, 4, 5, &t1, &center_bold.clone().set_font_size(14))
        .map_err(w)?;
    sheet
        .merge_range(5, 0, 5, 5, &t2, &center_bold.clone().set_text_wrap())
        .map_err(w)?;
    sheet.set_row_height(5, 34).map_err(w)?;
    let mut row = 7u32;
    for s in sections(r) {
        sheet
            .write_string_with_format(row, 0, &s.title, &bold)
            .map_err(w)?;
        row += 1;
        for (c, hd) in s.headers.iter().enumerate() {
            sheet
                .write_string_with_format(row, c as u16, *hd, &head)
                .map_err(w)?;
        }
        row += 1;
        for figs in &s.rows {
            for (c, f) in figs.iter().enumerate() {
                let c = c as u16;
                match f {
                    Fig::Text(t) => sheet.write_string_with_format(row, c, t, &cell),
                    Fig::Int(n) => sheet.write_number_with_format(row, c, *n as f64, &number),
                    Fig::Money(n) => sheet.write_number_with_format(row, c, *n as f64, &money),
                    Fig::Percent(Some(p)) => sheet.write_number_with_format(row, c, *p, &percent),
                    Fig::Percent(None) => sheet.write_string_with_format(row, c, "—", &cell),
                }
                .map_err(w)?;
            }
            row += 1;
        }
        row += 1;
    }
    row += 1;
    sheet
        .merge_range(row, 3, row, 5, &h.on_behalf, &center_bold)
        .map_err(w)?;
    sheet
        .merge_range(row + 1, 3, row + 1, 5, &h.signer_title, &center_bold)
        .map_err(w)?;
    sheet
        .merge_range(row + 5, 3, row + 5, 5, &h.signer, &center_bold)
        .map_err(w)?;
    save(&mut book, out)
}

/// The report as an A4 PDF in Liberation Serif (Times New Roman's metrics, every mark).
pub fn write_period_pdf(r: &PeriodReport, h: &ReportHeading, out: &Path) -> Result<()> {
    let (t1, t2) = title(r);
    let mut pdf = PdfWriter::with_faces(&format!("{t1} {}", r.period_label.vi), SERIF)?;
    let full = PdfWriter::text_width();
    let half = full * 0.45;
    let right = full - half;
    let pair = |pdf: &mut PdfWriter, left: &str, lb: bool, rt: &str, rb: bool| {
        pdf.cells(
            &[
                Cell {
                    x: 0.0,
                    width: half,
                    text: left,
                    bold: lb,
                    align: Align::Center,
                },
                Cell {
                    x: full - right,
                    width: right,
                    text: rt,
                    bold: rb,
                    align: Align::Center,
                },
            ],
            12.0,
        );
    };
    pair(&mut pdf, &h.superior, false, "ĐOÀN TNCS HỒ CHÍ MINH", true);
    pdf.rule(full - right + right * 0.2, right * 0.6);
    pair(&mut pdf, &h.issuer, true, "", false);
    pair(&mut pdf, "***", false, &h.place_and_date(), false);
    pair(&mut pdf, &h.number, false, "", false);
    pdf.space(6.0);
    pdf.cells(
        &[Cell {
            x: 0.0,
            width: full,
            text: &t1,
            bold: true,
            align: Align::Center,
        }],
        14.0,
    );
    pdf.text(&t2, 12.0, true, 0.0);
    pdf.space(4.0);
    for s in sections(r) {
        pdf.space(3.0);
        pdf.text(&s.title, 12.0, true, 0.0);
        let xs: Vec<f32> = s
            .widths
            .iter()
            .scan(0.0, |x, w| {
                let at = *x;
                *x += w * full;
                Some(at)
            })
            .collect();
        let line = |pdf: &mut PdfWriter, texts: &[String], bold: bool| {
            let cells: Vec<Cell> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| Cell {
                    x: xs[i],
                    width: s.widths[i] * full - 2.0,
                    text: t,
                    bold,
                    align: if i == 0 { Align::Left } else { Align::Right },
                })
                .collect();
            pdf.cells(&cells, 11.0);
            pdf.rule(0.0, full);
        };
        let headers: Vec<String> = s.headers.iter().map(|h| (*h).to_owned()).collect();
        line(&mut pdf, &headers, true);
        for figs in &s.rows {
            let texts: Vec<String> = figs.iter().map(Fig::printed).collect();
            line(&mut pdf, &texts, false);
        }
        if s.rows.is_empty() {
            pdf.text("(không có số liệu)", 11.0, false, 2.0);
        }
    }
    pdf.space(8.0);
    let sign = |pdf: &mut PdfWriter, text: &str| {
        pdf.cells(
            &[Cell {
                x: full - right,
                width: right,
                text,
                bold: true,
                align: Align::Center,
            }],
            12.0,
        );
    };
    sign(&mut pdf, &h.on_behalf);
    sign(&mut pdf, &h.signer_title);
    pdf.space(20.0);
    sign(&mut pdf, &h.signer);
    pdf.save(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_with_dots_for_thousands() {
        assert_eq!(Fig::Money(150_000_000).printed(), "150.000.000 đ");
        assert_eq!(Fig::Int(999).printed(), "999");
        assert_eq!(Fig::Int(-1234).printed(), "-1.234");
        assert_eq!(Fig::Percent(Some(0.456)).printed(), "46 %");
    }

    #[test]
    fn the_place_and_date_read_as_in_an_official_letter() {
        let h = ReportHeading::for_unit(
            "Phường Hoàn Kiếm",
            Some("Thành phố Hà Nội"),
            NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        );
        assert_eq!(h.place_and_date(), "Hà Nội, ngày 04 tháng 12 năm 2026");
        assert_eq!(h.issuer, "BCH ĐOÀN PHƯỜNG HOÀN KIẾM");
    }
}
