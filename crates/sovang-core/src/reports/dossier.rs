//! A nomination's dossier for printing (PDF, in Vietnamese): the nominee, the evidence for every
//! criterion, the linked deeds, projects and attachments, every step of the review, the
//! committee's results where this installation has them, and the decision. Photos (JPEG, PNG,
//! GIF, WebP) are printed with the evidence; attached PDFs' pages follow the dossier's own.

use std::path::Path;

use serde_json::Value;

use super::pdf::PdfWriter;
use crate::error::Result;
use crate::messages::review_status_label;
use crate::records::{Kind, Nomination, PRESET_CAMPAIGN_ID};
use crate::store::Store;

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// An ISO date as dd/mm/yyyy.
fn day(iso: Option<&str>) -> String {
    iso.and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(crate::format::date_vn)
        .unwrap_or_default()
}

/// A stored time (RFC 3339, UTC) as this computer's local dd/mm/yyyy HH:MM.
fn moment(ts: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(ts)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%d/%m/%Y %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| ts.to_owned())
}

fn number(x: Option<f64>) -> String {
    x.map_or("—".into(), |x| format!("{x:.2}").replace('.', ","))
}

/// The nomination as the dossier prints it: once handed to the committee, the version its unit
/// submitted (a change made elsewhere before the submission may still arrive later; the
/// committee judges what was submitted), else the current one.
pub fn dossier_body(store: &Store, id: &str) -> Result<Value> {
    let state = store.review_state(id)?;
    if !state.status.editable() {
        if let Some(submitted) = store.submitted_version(id)? {
            return Ok(submitted);
        }
    }
    Ok(store.get(Kind::Nomination, id)?["data"].clone())
}

/// Writes the dossier of nomination `id` to `out`.
pub fn write_dossier(store: &Store, id: &str, out: &Path) -> Result<()> {
    let record = store.get(Kind::Nomination, id)?;
    let n: Nomination = serde_json::from_value(dossier_body(store, id)?)
        .map_err(|e| crate::Error::plain(crate::Code::Storage, &e.to_string()))?;
    let person = store.get(Kind::Person, &n.person_id)?;
    let campaign = store.campaigns().get(&n.campaign_id).cloned();
    let label = |list: &[crate::records::Labeled], code: &str| {
        list.iter()
            .find(|l| l.code == code)
            .map_or(code.to_owned(), |l| l.name_vi.clone())
    };
    let unit_name = |code: &str| {
        store
            .units()
            .get(code)
            .map_or(code.to_owned(), |u| format!("{} ({code})", u.name))
    };
    let state = store.review_state(id)?;
    let mut w = PdfWriter::new(&format!(
        "Hồ sơ đề cử — {}",
        s(&person["data"]["full_name"])
    ))?;

    w.text("HỒ SƠ ĐỀ CỬ", 18.0, true, 0.0);
    let campaign_name = campaign
        .as_ref()
        .map_or(PRESET_CAMPAIGN_ID.to_owned(), |c| {
            format!(
                "Cuộc vận động \"{}\" {}–{}",
                c.name, c.start_year, c.end_year
            )
        });
    w.text(&campaign_name, 10.0, false, 0.0);
    w.space(4.0);
    let p = &person["data"];
    let mut facts = vec![
        ("Người được đề cử", s(&p["full_name"]).to_owned()),
        ("Ngày sinh", day(p["birth_date"].as_str())),
        ("Đơn vị đề cử", unit_name(&n.unit)),
        ("Năm", n.year.to_string()),
        ("Trạng thái", review_status_label(state.status).0.to_owned()),
    ];
    if let Some(c) = &campaign {
        facts.insert(3, ("Đối tượng", label(&c.categories, &n.category)));
        let values: Vec<String> = n.values.iter().map(|v| label(&c.values, v)).collect();
        facts.push(("Giá trị hình mẫu", values.join(", ")));
    }
    for (k, v) in facts.into_iter().filter(|(_, v)| !v.is_empty()) {
        w.text(&format!("{k}: {v}"), 11.0, false, 0.0);
    }

    w.space(4.0);
    w.text("MINH CHỨNG THEO CÁC TIÊU CHÍ", 13.0, true, 0.0);
    let criteria = campaign
        .as_ref()
        .map(|c| c.criteria.clone())
        .unwrap_or_default();
    for c in &criteria {
        w.text(&c.name_vi, 11.0, true, 0.0);
        let text = n
            .evidence
            .get(&c.code)
            .map_or("(không có minh chứng)", String::as_str);
        w.text(text, 11.0, false, 4.0);
    }
    if let Some(summary) = &n.summary {
        w.space(2.0);
        w.text("Tóm tắt thành tích", 11.0, true, 0.0);
        w.text(summary, 11.0, false, 4.0);
    }
    let titles = |kind: Kind, ids: &[String]| -> Vec<String> {
        ids.iter()
            .map(|i| {
                store
                    .get(kind, i)
                    .map_or(i.clone(), |r| s(&r["title"]).to_owned())
            })
            .collect()
    };
    for (heading, list) in [
        (
            "Việc tốt liên quan (Sổ vàng)",
            titles(Kind::Entry, &n.entry_ids),
        ),
        (
            "Công trình liên quan",
            titles(Kind::Project, &n.project_ids),
        ),
    ] {
        if !list.is_empty() {
            w.text(heading, 11.0, true, 0.0);
            for t in list {
                w.text(&format!("• {t}"), 11.0, false, 4.0);
            }
        }
    }
    let files: Vec<&Value> = record["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    if !files.is_empty() {
        w.text("Tệp đính kèm", 11.0, true, 0.0);
        for a in files {
            let name = s(&a["file_name"]);
            let bytes = std::fs::read(store.attachment_path(s(&a["sha256"])));
            // Photos are printed here, PDFs' pages after the dossier; what cannot be read is
            // named with the reason, so a missing page never goes unnoticed.
            let line = match (s(&a["mime"]), bytes) {
                (_, Err(_)) => format!("• {name} (không tìm thấy tệp trên máy này)"),
                ("application/pdf", Ok(b)) => match w.append_pdf(&b) {
                    Some(pages) => format!("• {name} (in kèm ở cuối hồ sơ, {pages} trang)"),
                    None => format!("• {name} (tệp PDF hỏng hoặc có mật khẩu, không in kèm)"),
                },
                (_, Ok(b)) => {
                    if w.photo(&format!("• {name}"), &b, 120.0, 90.0) {
                        continue;
                    }
                    format!("• {name} (không đọc được ảnh này)")
                }
            };
            w.text(&line, 11.0, false, 4.0);
        }
    }

    w.space(4.0);
    w.text("QUÁ TRÌNH XÉT CHỌN", 13.0, true, 0.0);
    if state.history.is_empty() {
        w.text("Chưa nộp cho hội đồng.", 11.0, false, 0.0);
    }
    for step in &state.history {
        let at = moment(&step.at);
        let unit = store
            .units()
            .get(&step.unit)
            .map_or(step.unit.as_str(), |u| u.name.as_str());
        let line = format!(
            "{at} · {} ({unit}): {} → {}",
            step.by,
            review_status_label(step.from).0,
            review_status_label(step.to).0
        );
        w.text(&line, 10.0, false, 0.0);
        if let Some(r) = &step.reason {
            w.text(r, 10.0, false, 6.0);
        }
    }

    for (committee_id, committee) in store.committees()? {
        let Ok(results) = store.results(&committee_id) else {
            continue;
        };
        let Some(row) = results.rows.iter().find(|r| r.nomination_id == id) else {
            continue;
        };
        w.space(4.0);
        w.text(
            &format!("KẾT QUẢ CHẤM ĐIỂM — {}", committee.name),
            13.0,
            true,
            0.0,
        );
        if row.hidden {
            w.text(
                "Ẩn cho đến khi thành viên của máy này gửi phiếu chấm.",
                11.0,
                false,
                0.0,
            );
            continue;
        }
        let rank = row.rank.map_or("—".into(), |r| r.to_string());
        w.text(
            &format!(
                "Điểm trung bình {} · trung vị {} · hạng {rank} · {} phiếu được tính (tối đa {} điểm mỗi phiếu)",
                number(row.mean),
                number(row.median),
                row.counted,
                results.max_total
            ),
            11.0,
            false,
            0.0,
        );
        for m in &row.members {
            let v = match (m.total, m.recused) {
                (Some(t), _) => number(Some(t)),
                (None, true) => "không chấm (xung đột lợi ích)".into(),
                (None, false) => "chưa gửi".into(),
            };
            w.text(&format!("• {}: {v}", m.member_name), 10.0, false, 4.0);
        }
    }

    w.space(4.0);
    w.text("QUYẾT ĐỊNH CỦA HỘI ĐỒNG", 13.0, true, 0.0);
    match store.decision_in_force(id)? {
        None => w.text("Chưa có quyết định.", 11.0, false, 0.0),
        Some((_, d)) => {
            let outcome = review_status_label(d.outcome).0;
            let date = day(d.date.as_deref());
            w.text(
                &format!("Quyết định số {} ngày {date}: {outcome}", d.number),
                11.0,
                true,
                0.0,
            );
            w.text(
                &format!(
                    "Biểu quyết: {} đồng ý, {} không đồng ý, {} không biểu quyết.",
                    d.votes_for, d.votes_against, d.votes_abstaining
                ),
                11.0,
                false,
                0.0,
            );
            let chair = store
                .committee(&d.committee_id)
                .ok()
                .and_then(|c| c.member(&d.chair_id).map(|m| m.name.clone()))
                .unwrap_or(d.chair_id.clone());
            w.text(&format!("Chủ tịch hội đồng: {chair}"), 11.0, false, 0.0);
            if let Some(f) = &d.feedback {
                w.text(&format!("Ý kiến của hội đồng: {f}"), 11.0, false, 0.0);
            }
        }
    }
    w.space(6.0);
    let today = store.clock().today().format("%d/%m/%Y").to_string();
    w.text(&format!("In từ Sổ Vàng ngày {today}."), 9.0, false, 0.0);
    w.save(out)
}
