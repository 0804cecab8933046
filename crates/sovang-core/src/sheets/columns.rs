//! The columns a spreadsheet of each kind may have: the field a column fills, the headers
//! people write for it (Vietnamese office lists, with or without marks), and how its cells
//! read. One catalog serves the import, the template and the mapping the user confirms.

use serde::Serialize;

use crate::records::Kind;
use crate::text::fold;

/// How a column's cells read.
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cells {
    Text,
    /// dd/mm/yyyy text, `yyyy-mm-dd`, or an Excel date (a serial number).
    Date,
    /// A whole number, not negative.
    Count,
    /// Whole đồng; "1.500.000", "1,500,000 đ" and 1500000 all read.
    Money,
    /// One of a list of codes, written as the code or its Vietnamese label.
    Code,
    /// The campaign's values, separated by commas or semicolons (labels or codes).
    Values,
    /// A unit of this installation's scope, by code or by name.
    Unit,
}

/// One column of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The record field it fills, or a field of the sheet alone (`family_name`, `given_name`,
    /// `person_name`, `person_birth_date`).
    pub field: &'static str,
    /// The header of the template (Vietnamese) and its English name.
    pub label: &'static str,
    pub label_en: &'static str,
    /// Other headers meaning the same, folded (no marks, lower case).
    pub aliases: &'static [&'static str],
    pub cells: Cells,
    /// For `Cells::Code`: each code with its Vietnamese label.
    pub codes: &'static [(&'static str, &'static str)],
    pub required: bool,
    /// What the template's example row holds.
    pub example: &'static str,
}

const fn col(
    field: &'static str,
    label: &'static str,
    label_en: &'static str,
    aliases: &'static [&'static str],
    cells: Cells,
    example: &'static str,
) -> Column {
    Column {
        field,
        label,
        label_en,
        aliases,
        cells,
        codes: &[],
        required: false,
        example,
    }
}

const fn required(c: Column) -> Column {
    Column {
        required: true,
        ..c
    }
}

const fn coded(c: Column, codes: &'static [(&'static str, &'static str)]) -> Column {
    Column { codes, ..c }
}

pub const GENDER_LABELS: &[(&str, &str)] = &[("male", "Nam"), ("female", "Nữ"), ("other", "Khác")];
pub const MEMBERSHIP_LABELS: &[(&str, &str)] = &[("member", "Đoàn viên"), ("youth", "Thanh niên")];
pub const PROJECT_FIELD_LABELS: &[(&str, &str)] = &[
    ("infrastructure", "Hạ tầng, giao thông"),
    ("environment", "Môi trường"),
    ("digital", "Chuyển đổi số"),
    ("education", "Giáo dục"),
    ("social", "An sinh xã hội"),
    ("health", "Y tế, sức khỏe"),
    ("culture", "Văn hóa, thể thao"),
    ("other", "Khác"),
];
pub const PROJECT_STATUS_LABELS: &[(&str, &str)] = &[
    ("planned", "Dự kiến"),
    ("in_progress", "Đang thực hiện"),
    ("completed", "Đã hoàn thành"),
    ("handed_over", "Đã bàn giao"),
];

const UNIT: Column = col(
    "unit",
    "Chi đoàn / Đơn vị",
    "Branch / unit",
    &[
        "chi doan",
        "don vi",
        "ma don vi",
        "ma chi doan",
        "unit",
        "branch",
        "co so doan",
    ],
    Cells::Unit,
    "",
);

const PERSON: &[Column] = &[
    required(col(
        "full_name",
        "Họ và tên",
        "Full name",
        &[
            "ho va ten",
            "ho ten",
            "ten doan vien",
            "ho va ten doan vien",
            "full name",
            "name",
        ],
        Cells::Text,
        "Nguyễn Thị Minh Anh",
    )),
    col(
        "family_name",
        "Họ và tên đệm",
        "Family and middle name",
        &["ho", "ho dem", "ho va ten dem", "ho va dem", "family name"],
        Cells::Text,
        "",
    ),
    col(
        "given_name",
        "Tên",
        "Given name",
        &["ten", "given name"],
        Cells::Text,
        "",
    ),
    col(
        "member_no",
        "Số thẻ đoàn viên",
        "Membership number",
        &[
            "so the doan vien",
            "so the",
            "so the doan",
            "ma doan vien",
            "ma so doan vien",
            "membership number",
        ],
        Cells::Text,
        "",
    ),
    col(
        "birth_date",
        "Ngày sinh",
        "Birth date",
        &[
            "ngay sinh",
            "ngay thang nam sinh",
            "ngay, thang, nam sinh",
            "sinh ngay",
            "birth date",
            "date of birth",
        ],
        Cells::Date,
        "12/03/2001",
    ),
    coded(
        col(
            "gender",
            "Giới tính",
            "Gender",
            &["gioi tinh", "gioi", "nam/nu", "gender"],
            Cells::Code,
            "Nữ",
        ),
        GENDER_LABELS,
    ),
    coded(
        col(
            "membership",
            "Đối tượng",
            "Membership",
            &["doi tuong", "doan vien/thanh nien", "membership"],
            Cells::Code,
            "Đoàn viên",
        ),
        MEMBERSHIP_LABELS,
    ),
    UNIT,
    col(
        "position",
        "Chức vụ",
        "Position",
        &["chuc vu", "chuc danh", "position"],
        Cells::Text,
        "Bí thư chi đoàn",
    ),
    col(
        "phone",
        "Số điện thoại",
        "Phone",
        &[
            "so dien thoai",
            "dien thoai",
            "sdt",
            "so dt",
            "dt",
            "phone",
            "mobile",
        ],
        Cells::Text,
        "0912 345 678",
    ),
    col(
        "note",
        "Ghi chú",
        "Note",
        &["ghi chu", "note", "notes"],
        Cells::Text,
        "",
    ),
];

const ENTRY: &[Column] = &[
    required(col(
        "title",
        "Việc tốt",
        "Deed",
        &[
            "viec tot",
            "viec lam",
            "ten viec tot",
            "noi dung viec tot",
            "noi dung",
            "viec lam theo loi bac",
            "deed",
            "title",
        ],
        Cells::Text,
        "Đưa cụ già lạc đường về nhà",
    )),
    required(col(
        "deed_date",
        "Ngày thực hiện",
        "Date",
        &["ngay thuc hien", "ngay", "thoi gian", "ngay lam", "date"],
        Cells::Date,
        "02/09/2025",
    )),
    col(
        "person_name",
        "Người thực hiện",
        "Done by",
        &[
            "nguoi thuc hien",
            "ho va ten",
            "ho ten",
            "ca nhan",
            "nguoi lam",
            "done by",
        ],
        Cells::Text,
        "Nguyễn Thị Minh Anh",
    ),
    col(
        "person_birth_date",
        "Ngày sinh",
        "Birth date",
        &["ngay sinh", "ngay thang nam sinh", "birth date"],
        Cells::Date,
        "12/03/2001",
    ),
    col(
        "collective_name",
        "Tập thể",
        "Collective",
        &["tap the", "ten tap the", "collective"],
        Cells::Text,
        "",
    ),
    col(
        "place",
        "Địa điểm",
        "Place",
        &["dia diem", "noi thuc hien", "place"],
        Cells::Text,
        "Phố Hàng Bạc",
    ),
    col(
        "description",
        "Mô tả",
        "Description",
        &["mo ta", "chi tiet", "description"],
        Cells::Text,
        "",
    ),
    col(
        "values",
        "Giá trị hình mẫu",
        "Values",
        &["gia tri hinh mau", "gia tri", "values"],
        Cells::Values,
        "",
    ),
    UNIT,
    required(col(
        "recorded_by",
        "Người ghi",
        "Recorded by",
        &["nguoi ghi", "nguoi ghi so", "nguoi lap", "recorded by"],
        Cells::Text,
        "Trần Văn Ghi",
    )),
];

const PROJECT: &[Column] = &[
    required(col(
        "name",
        "Tên công trình",
        "Project",
        &[
            "ten cong trinh",
            "cong trinh",
            "ten cong trinh, phan viec",
            "ten du an",
            "project",
            "name",
        ],
        Cells::Text,
        "Thắp sáng đường quê",
    )),
    required(coded(
        col(
            "field",
            "Lĩnh vực",
            "Field",
            &["linh vuc", "field"],
            Cells::Code,
            "Hạ tầng, giao thông",
        ),
        PROJECT_FIELD_LABELS,
    )),
    required(col(
        "start_date",
        "Ngày bắt đầu",
        "Start date",
        &["ngay bat dau", "ngay khoi cong", "bat dau", "start date"],
        Cells::Date,
        "01/03/2026",
    )),
    col(
        "end_date",
        "Ngày hoàn thành",
        "End date",
        &["ngay hoan thanh", "ngay ket thuc", "ket thuc", "end date"],
        Cells::Date,
        "26/03/2026",
    ),
    col(
        "budget_vnd",
        "Giá trị làm lợi (đồng)",
        "Value (VND)",
        &[
            "gia tri lam loi (dong)",
            "gia tri lam loi",
            "gia tri (dong)",
            "gia tri",
            "kinh phi",
            "tong kinh phi",
            "kinh phi (dong)",
            "value (vnd)",
            "budget",
        ],
        Cells::Money,
        "150000000",
    ),
    col(
        "volunteers",
        "Số người tham gia",
        "Volunteers",
        &[
            "so nguoi tham gia",
            "so doan vien tham gia",
            "so dvtn tham gia",
            "nguoi tham gia",
            "volunteers",
        ],
        Cells::Count,
        "40",
    ),
    col(
        "volunteer_days",
        "Số ngày công",
        "Volunteer days",
        &["so ngay cong", "ngay cong", "volunteer days"],
        Cells::Count,
        "120",
    ),
    col(
        "beneficiaries",
        "Số người hưởng lợi",
        "Beneficiaries",
        &[
            "so nguoi huong loi",
            "nguoi huong loi",
            "so ho huong loi",
            "beneficiaries",
        ],
        Cells::Count,
        "300",
    ),
    col(
        "location",
        "Địa điểm",
        "Location",
        &["dia diem", "dia ban", "location"],
        Cells::Text,
        "Tổ dân phố 5",
    ),
    coded(
        col(
            "status",
            "Tình trạng",
            "Status",
            &["tinh trang", "trang thai", "tien do", "status"],
            Cells::Code,
            "Đã hoàn thành",
        ),
        PROJECT_STATUS_LABELS,
    ),
    col(
        "description",
        "Mô tả",
        "Description",
        &["mo ta", "noi dung", "description"],
        Cells::Text,
        "",
    ),
    UNIT,
];

/// The kinds a spreadsheet can bring in.
pub const SHEET_KINDS: [Kind; 3] = [Kind::Person, Kind::Entry, Kind::Project];

/// The catalog of `kind`'s columns (empty for a kind no sheet brings).
pub fn columns(kind: Kind) -> &'static [Column] {
    match kind {
        Kind::Person => PERSON,
        Kind::Entry => ENTRY,
        Kind::Project => PROJECT,
        _ => &[],
    }
}

pub fn column(kind: Kind, field: &str) -> Option<&'static Column> {
    columns(kind).iter().find(|c| c.field == field)
}

/// A header as compared: folded, its spacing and trailing marks (`*`, `:`) tidied.
pub fn header_key(s: &str) -> String {
    let folded = fold(s);
    let words: Vec<&str> = folded
        .split(|c: char| c.is_whitespace() || c == '*' || c == ':' || c == '_' || c == '.')
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ")
}

/// The field a header names for `kind`, if the catalog knows it: its template label or one
/// of its aliases, diacritics and case aside.
pub fn field_for_header(kind: Kind, header: &str) -> Option<&'static str> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    columns(kind)
        .iter()
        .find(|c| header_key(c.label) == key || c.field == key || c.aliases.contains(&key.as_str()))
        .map(|c| c.field)
}

/// The code a cell names: the code itself or its label, diacritics and case aside.
pub fn code_for(codes: &[(&'static str, &'static str)], cell: &str) -> Option<&'static str> {
    let key = header_key(cell);
    codes
        .iter()
        .find(|(code, label)| header_key(code) == key || header_key(label) == key)
        .map(|(code, _)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_vietnamese_headers_are_recognised_with_or_without_marks() {
        let cases = [
            (Kind::Person, "Họ và tên", "full_name"),
            (Kind::Person, "HO VA TEN", "full_name"),
            (Kind::Person, "Ngày sinh *", "birth_date"),
            (Kind::Person, "Chi đoàn", "unit"),
            (Kind::Person, "Số điện thoại", "phone"),
            (Kind::Person, "SĐT", "phone"),
            (Kind::Person, "Số thẻ đoàn viên", "member_no"),
            (Kind::Entry, "Ngày thực hiện", "deed_date"),
            (Kind::Project, "Giá trị làm lợi (đồng)", "budget_vnd"),
            (Kind::Project, "Lĩnh vực", "field"),
        ];
        for (kind, header, field) in cases {
            assert_eq!(field_for_header(kind, header), Some(field), "{header}");
        }
        assert_eq!(
            field_for_header(Kind::Person, "STT"),
            None,
            "a row number is no field"
        );
    }

    #[test]
    fn codes_read_as_code_or_label() {
        assert_eq!(code_for(GENDER_LABELS, "Nữ"), Some("female"));
        assert_eq!(code_for(GENDER_LABELS, "nu"), Some("female"));
        assert_eq!(
            code_for(PROJECT_STATUS_LABELS, "in_progress"),
            Some("in_progress")
        );
        assert_eq!(code_for(PROJECT_STATUS_LABELS, "Đang làm"), None);
    }

    #[test]
    fn every_template_label_reads_back_as_its_own_field() {
        for kind in SHEET_KINDS {
            for c in columns(kind) {
                assert_eq!(
                    field_for_header(kind, c.label),
                    Some(c.field),
                    "{}",
                    c.label
                );
            }
        }
    }
}
