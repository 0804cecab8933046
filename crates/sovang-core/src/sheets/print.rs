//! A list's print view: the rows a list shows (its filter and order) as an A4 PDF in the serif
//! of office documents, the header repeated at the top of every page and "Trang n" at the
//! bottom. The same rows and columns as the list's workbook (`export::each_page`).

use std::path::Path;

use super::export::each_page;
use crate::error::Result;
use crate::records::Kind;
use crate::reports::pdf::{Align, Cell, PdfWriter, SERIF};
use crate::store::{ListFilter, Store};

const SIZE: f32 = 8.0;

/// Writes the list to `out` as a PDF; returns how many rows it holds.
pub fn write_list_pdf(store: &Store, kind: Kind, filter: &ListFilter, out: &Path) -> Result<u64> {
    let (title, _) = crate::messages::kind_label(kind);
    let mut pdf = PdfWriter::with_faces(&format!("Danh sách {title}"), SERIF)?;
    let full = PdfWriter::text_width();
    let mut page = 1u32;
    let mut rows = 0u64;
    let mut widths: Vec<f32> = Vec::new();
    let mut headers: Vec<String> = Vec::new();
    let mut columns: Vec<usize> = Vec::new();
    pdf.text(
        &format!("DANH SÁCH: {}", title.to_uppercase()),
        13.0,
        true,
        0.0,
    );
    pdf.space(2.0);
    each_page(store, kind, filter, &mut |head, batch| {
        if widths.is_empty() {
            // Columns empty on the first page are left out (a printed page has no room to
            // spare); the others share the width by their longest text (header included).
            let kept: Vec<usize> = (0..head.len())
                .filter(|i| batch.iter().any(|r| !r[*i].printed().is_empty()))
                .collect();
            let longest: Vec<f32> = kept
                .iter()
                .map(|i| {
                    let widest = batch
                        .iter()
                        .map(|r| r[*i].printed().chars().count())
                        .max()
                        .unwrap_or(0);
                    (widest.max(head[*i].chars().count()) + 2).clamp(8, 32) as f32
                })
                .collect();
            let sum: f32 = longest.iter().sum();
            widths = longest.iter().map(|w| w / sum * full).collect();
            headers = kept.iter().map(|i| head[*i].to_owned()).collect();
            columns = kept;
            line(&mut pdf, &widths, &headers, true);
        }
        for r in batch {
            if !pdf.has_room(SIZE * 0.352_778 * 1.6 + 8.0) {
                pdf.footer(&format!("Trang {page}"), SIZE);
                pdf.new_page();
                page += 1;
                line(&mut pdf, &widths, &headers, true);
            }
            let texts: Vec<String> = columns.iter().map(|i| r[*i].printed()).collect();
            line(&mut pdf, &widths, &texts, false);
            rows += 1;
        }
        Ok(())
    })?;
    pdf.footer(&format!("Trang {page}"), SIZE);
    pdf.save(out)?;
    Ok(rows)
}

fn line(pdf: &mut PdfWriter, widths: &[f32], texts: &[String], bold: bool) {
    let mut x = 0.0;
    let cells: Vec<Cell> = texts
        .iter()
        .zip(widths)
        .map(|(t, w)| {
            let c = Cell {
                x,
                width: w - 1.5,
                text: t,
                bold,
                align: Align::Left,
            };
            x += w;
            c
        })
        .collect();
    pdf.cells(&cells, SIZE);
    pdf.rule(0.0, PdfWriter::text_width());
}
