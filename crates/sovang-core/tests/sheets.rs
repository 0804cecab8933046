//! Spreadsheets in: a ward's real lists (title rows above the header, blank rows, Excel and
//! text dates, a Windows-1258 CSV, bad rows) previewed, imported once, and again with no
//! change. Fixtures: tests/fixtures/sheets (made by make_fixtures.py).

mod common;

use std::path::PathBuf;

use common::fixture;
use sovang_core::sheets::{read_table, template};
use sovang_core::store::{RowOutcome, SheetOptions, SheetReport};
use sovang_core::{Code, Kind, Store};

fn sheet(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/sheets")
        .join(name)
}

fn preview(s: &mut Store, kind: Kind, file: &std::path::Path) -> SheetReport {
    let opts = SheetOptions {
        dry_run: true,
        ..Default::default()
    };
    s.import_sheet(kind, file, &opts)
        .expect("the sheet reads")
        .0
}

fn import(s: &mut Store, kind: Kind, file: &std::path::Path) -> SheetReport {
    s.import_sheet(kind, file, &SheetOptions::default())
        .expect("the sheet reads")
        .0
}

fn count(s: &Store, kind: Kind) -> i64 {
    let sql = format!(
        "SELECT count(*) FROM {} WHERE deleted_at IS NULL",
        kind.table()
    );
    s.connection().query_row(&sql, [], |r| r.get(0)).unwrap()
}

/// A row's number, outcome and (for errors) the first error's column and code.
type Outcome = (usize, RowOutcome, Option<(String, Code)>);

fn outcomes(r: &SheetReport) -> Vec<Outcome> {
    r.rows
        .iter()
        .map(|x| {
            let e = x
                .errors
                .first()
                .map(|e| (e.column.clone().unwrap_or_default(), e.code));
            (x.row, x.outcome, e)
        })
        .collect()
}

#[test]
fn a_member_list_from_excel_previews_row_by_row_and_writes_nothing() {
    let mut f = fixture("00070");
    let r = preview(&mut f.store, Kind::Person, &sheet("doan-vien.xlsx"));
    assert_eq!(
        r.layout.header_row, 4,
        "the header is found under the merged title rows"
    );
    use RowOutcome::*;
    assert_eq!(
        outcomes(&r),
        [
            (5, New, None),
            (6, New, None),
            (8, New, None),
            (9, Error, Some(("C".into(), Code::FutureDate))),
            (10, Error, Some(("D".into(), Code::InvalidValue))),
            (11, Error, Some(("B".into(), Code::Required))),
            (12, Error, Some(("B".into(), Code::LegacyEncoding))),
        ],
        "the blank row 7 is skipped; each bad row names its column and why"
    );
    let e = &r.rows[3].errors[0];
    assert_eq!(e.header.as_deref(), Some("Ngày sinh"));
    assert!(e.message.vi.contains("01/01/2090"), "{}", e.message.vi);
    assert!(!e.message.en.is_empty());
    assert_eq!(count(&f.store, Kind::Person), 0, "a preview writes nothing");
}

#[test]
fn importing_the_same_list_twice_changes_nothing_the_second_time() {
    let mut f = fixture("00070");
    let file = sheet("doan-vien.xlsx");
    let first = import(&mut f.store, Kind::Person, &file);
    assert_eq!((first.new, first.errors), (3, 4), "{:?}", outcomes(&first));
    assert_eq!(
        count(&f.store, Kind::Person),
        3,
        "only the valid rows are written"
    );
    let anh = f
        .store
        .get(Kind::Person, first.rows[0].id.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        anh["data"]["birth_date"], "2001-03-12",
        "an Excel date cell reads as its date"
    );
    assert_eq!(anh["data"]["gender"], "female", "a label reads as its code");
    assert_eq!(anh["data"]["member_no"], "HN-0001");
    let binh = f
        .store
        .get(Kind::Person, first.rows[1].id.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        binh["data"]["phone"], "0987654321",
        "Excel's lost leading 0 comes back"
    );
    assert_eq!(binh["data"]["birth_date"], "1999-11-05");

    let again = import(&mut f.store, Kind::Person, &file);
    assert_eq!(
        (again.new, again.updated, again.unchanged),
        (0, 0, 3),
        "{:?}",
        outcomes(&again)
    );
    assert_eq!(count(&f.store, Kind::Person), 3);
}

#[test]
fn a_person_is_matched_by_membership_number_before_name() {
    let mut f = fixture("00070");
    import(&mut f.store, Kind::Person, &sheet("doan-vien.xlsx"));
    let tmp = tempfile::tempdir().unwrap();
    // The same card number and name, the birth date corrected; and a card number mistyped
    // onto another person's row.
    let csv = tmp.path().join("sua.csv");
    std::fs::write(
        &csv,
        "Họ và tên,Ngày sinh,Số thẻ đoàn viên,Chi đoàn\n\
         LÊ HOÀNG YẾN,21/01/2003,HN-0003,\n\
         Trần Văn Khác,01/01/2001,HN-0003,\n",
    )
    .unwrap();
    let r = import(&mut f.store, Kind::Person, &csv);
    use RowOutcome::*;
    assert_eq!(
        outcomes(&r),
        [
            (2, Updated, None),
            (3, Error, Some(("C".into(), Code::MemberNoOther)))
        ],
        "the card finds the person; a card that is someone else's renames nobody"
    );
    assert_eq!(count(&f.store, Kind::Person), 3, "no second Yến");
    let yen = f
        .store
        .get(Kind::Person, r.rows[0].id.as_deref().unwrap())
        .unwrap();
    assert_eq!(yen["data"]["birth_date"], "2003-01-21");
    assert_eq!(
        yen["data"]["full_name"], "Lê Hoàng Yến",
        "the name as stored, the same folded"
    );
    assert_eq!(
        yen["data"]["gender"], "female",
        "what the sheet leaves out stays"
    );
    assert_eq!(
        yen["data"]["unit"], "00070",
        "an empty unit cell moves no one"
    );
}

#[test]
fn a_windows_1258_csv_reads_with_every_mark() {
    let mut f = fixture("00070");
    let r = import(&mut f.store, Kind::Person, &sheet("doan-vien-1258.csv"));
    assert_eq!(r.source, "Windows-1258");
    assert_eq!(r.new, 2, "{:?}", outcomes(&r));
    let duc = f
        .store
        .get(Kind::Person, r.rows[1].id.as_deref().unwrap())
        .unwrap();
    assert_eq!(duc["data"]["full_name"], "Hoàng Văn Đức");
    assert_eq!(
        duc["data"]["unit"], "00070",
        "a row without a unit is this installation's"
    );
}

#[test]
fn projects_read_money_and_labels_and_refuse_an_unknown_field() {
    let mut f = fixture("00070");
    let r = import(&mut f.store, Kind::Project, &sheet("cong-trinh.xlsx"));
    use RowOutcome::*;
    assert_eq!(
        outcomes(&r),
        [
            (4, New, None),
            (5, New, None),
            (6, Error, Some(("C".into(), Code::InvalidValue)))
        ]
    );
    assert!(
        r.rows[2].errors[0]
            .message
            .vi
            .contains("Hạ tầng, giao thông"),
        "the error lists the allowed values: {}",
        r.rows[2].errors[0].message.vi
    );
    let tu_sach = f
        .store
        .get(Kind::Project, r.rows[1].id.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        tu_sach["data"]["budget_vnd"], 12_500_000,
        "\"12.500.000 đ\" is 12,500,000 đồng"
    );
    assert_eq!(tu_sach["data"]["status"], "in_progress");
    let again = import(&mut f.store, Kind::Project, &sheet("cong-trinh.xlsx"));
    assert_eq!((again.new, again.unchanged), (0, 2));
}

#[test]
fn golden_book_rows_find_or_add_their_person_once() {
    let mut f = fixture("00070");
    import(&mut f.store, Kind::Person, &sheet("doan-vien.xlsx"));
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("so-vang.csv");
    std::fs::write(
        &csv,
        "Việc tốt,Ngày thực hiện,Người thực hiện,Ngày sinh,Người ghi\n\
         Đưa cụ già lạc đường về nhà,02/09/2025,Nguyễn Thị Minh Anh,,Trần Văn Ghi\n\
         Nhặt được ví trả người mất,10/10/2025,Đặng Văn Mới,01/01/2000,Trần Văn Ghi\n\
         Hiến máu tình nguyện,11/11/2025,Đặng Văn Mới,01/01/2000,Trần Văn Ghi\n",
    )
    .unwrap();
    let r = import(&mut f.store, Kind::Entry, &csv);
    assert_eq!(
        (r.new, r.errors, r.people_created),
        (3, 0, 1),
        "{:?}",
        outcomes(&r)
    );
    assert_eq!(
        count(&f.store, Kind::Person),
        4,
        "Đặng Văn Mới is added once, for two deeds"
    );
    let again = import(&mut f.store, Kind::Entry, &csv);
    assert_eq!(
        (again.new, again.unchanged, again.people_created),
        (0, 3, 0)
    );
}

#[test]
fn rejected_rows_go_to_a_workbook_that_imports_once_fixed() {
    let mut f = fixture("00070");
    let (r, table) = f
        .store
        .import_sheet(
            Kind::Person,
            &sheet("doan-vien.xlsx"),
            &SheetOptions::default(),
        )
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("loi.xlsx");
    sovang_core::sheets::write_rejected_rows(&r, &table, &out).unwrap();
    let back = read_table(&out, None).unwrap();
    assert_eq!(back.rows.len(), 5, "the header and the four rejected rows");
    let last = back.rows[0].cells.last().unwrap().text();
    assert_eq!(last, "Lỗi / Errors");
    let first_error = back.rows[1].cells.last().unwrap().text();
    assert!(
        first_error.contains("Ngày sinh"),
        "the error names its column: {first_error}"
    );

    // The cadre fixes the birth date of the first rejected row and imports the file again:
    // that row is new, the others are still refused, and the error column is left out.
    let fixed = tmp.path().join("da-sua.csv");
    std::fs::write(
        &fixed,
        "Họ và tên,Ngày sinh,Lỗi / Errors\nPhạm Văn Tương Lai,01/01/1990,x\n",
    )
    .unwrap();
    let again = import(&mut f.store, Kind::Person, &fixed);
    assert_eq!(again.new, 1, "{:?}", outcomes(&again));
}

#[test]
fn each_template_reads_back_with_every_column_matched() {
    let tmp = tempfile::tempdir().unwrap();
    for kind in [Kind::Person, Kind::Entry, Kind::Project] {
        let out = tmp.path().join(format!("{}.xlsx", kind.name()));
        template::write_template(kind, &["Phường Hoàn Kiếm".into()], None, &out).unwrap();
        let t = read_table(&out, None).unwrap();
        let (layout, _) = sovang_core::sheets::layout(kind, &t).unwrap();
        assert!(
            layout.columns.iter().all(|c| c.field.is_some()),
            "{}: every header of the template is known: {:?}",
            kind.name(),
            layout.columns
        );
    }
}

#[test]
fn a_list_exported_and_imported_again_changes_nothing() {
    let mut f = fixture("00070");
    import(&mut f.store, Kind::Person, &sheet("doan-vien.xlsx"));
    import(&mut f.store, Kind::Project, &sheet("cong-trinh.xlsx"));
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("so-vang.csv");
    std::fs::write(
        &csv,
        "Việc tốt,Ngày thực hiện,Người thực hiện,Người ghi,Giá trị hình mẫu\n\
         Đưa cụ già lạc đường về nhà,02/09/2025,Nguyễn Thị Minh Anh,Trần Văn Ghi,\n",
    )
    .unwrap();
    assert_eq!(import(&mut f.store, Kind::Entry, &csv).new, 1);
    let filter = sovang_core::store::ListFilter::default();
    for (kind, rows) in [(Kind::Person, 3), (Kind::Project, 2), (Kind::Entry, 1)] {
        let out = tmp.path().join(format!("{}.xlsx", kind.name()));
        let n = sovang_core::sheets::write_list(&f.store, kind, &filter, &out).unwrap();
        assert_eq!(n, rows, "{}: every listed record is a row", kind.name());
        let back = import(&mut f.store, kind, &out);
        assert_eq!(
            (back.new, back.updated, back.unchanged, back.errors),
            (0, 0, rows, 0),
            "{}: the exported list reads back as what is stored: {:?}",
            kind.name(),
            outcomes(&back)
        );
    }
    // A filtered list writes only what it shows.
    let none = sovang_core::store::ListFilter {
        year: Some(1999),
        ..Default::default()
    };
    let out = tmp.path().join("none.xlsx");
    assert_eq!(
        sovang_core::sheets::write_list(&f.store, Kind::Entry, &none, &out).unwrap(),
        0
    );
}

#[test]
fn two_rows_of_one_record_import_as_one_and_rows_in_error_add_no_one() {
    let mut f = fixture("00070");
    let tmp = tempfile::tempdir().unwrap();
    // The same person twice (the second row adds the phone), before and after it is stored.
    let twice = tmp.path().join("hai-lan.csv");
    std::fs::write(
        &twice,
        "Họ và tên,Ngày sinh,Số điện thoại\nLê Văn An,01/01/2000,\nLê Văn An,01/01/2000,0912345678\n",
    )
    .unwrap();
    let r = import(&mut f.store, Kind::Person, &twice);
    assert_eq!(
        (r.new, r.updated, r.errors),
        (1, 1, 0),
        "{:?}",
        outcomes(&r)
    );
    assert_eq!(count(&f.store, Kind::Person), 1);
    let an = f
        .store
        .get(Kind::Person, r.rows[0].id.as_deref().unwrap())
        .unwrap();
    assert_eq!(
        an["data"]["phone"], "0912345678",
        "the later row's value is kept"
    );
    let changed = tmp.path().join("doi-so.csv");
    std::fs::write(
        &changed,
        "Họ và tên,Ngày sinh,Số điện thoại\nLê Văn An,01/01/2000,0911111111\nLê Văn An,01/01/2000,0922222222\n",
    )
    .unwrap();
    let r = import(&mut f.store, Kind::Person, &changed);
    assert_eq!(
        (r.updated, r.errors),
        (2, 0),
        "two rows change one stored record: {:?}",
        outcomes(&r)
    );

    // A deed row in error names someone new: no one is added for it.
    let deeds = tmp.path().join("loi.csv");
    std::fs::write(
        &deeds,
        "Việc tốt,Ngày thực hiện,Người thực hiện,Người ghi\n,02/09/2025,Đặng Văn Mới,Trần Văn Ghi\n",
    )
    .unwrap();
    let r = import(&mut f.store, Kind::Entry, &deeds);
    assert_eq!((r.errors, r.people_created), (1, 0), "{:?}", outcomes(&r));
    assert_eq!(
        count(&f.store, Kind::Person),
        1,
        "rows in error change nothing"
    );
}

#[test]
fn a_workbook_claiming_a_cell_at_its_far_corner_is_refused_not_built() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bom.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "Họ và tên").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    book.save(&out).unwrap();
    let started = std::time::Instant::now();
    let err = read_table(&out, None).unwrap_err();
    assert_eq!(
        err.code,
        Code::SheetUnreadable,
        "too large a sheet is said so"
    );
    assert!(
        started.elapsed().as_secs() < 5,
        "and found out without building it"
    );
}

#[test]
fn a_utf8_list_with_one_broken_byte_stays_utf8() {
    let mut bytes = "Họ và tên,Ngày sinh\nNgô Thị Hà,01/01/2000\nLê Văn Bình,02/02/2001\n"
        .as_bytes()
        .to_vec();
    bytes.push(0xFF);
    bytes.extend(b"\n");
    let t = sovang_core::sheets::read::read_csv(&bytes);
    assert_eq!(t.source, "UTF-8");
    assert_eq!(
        t.rows[1].cells[0],
        sovang_core::sheets::Cell::Text("Ngô Thị Hà".into())
    );
}
