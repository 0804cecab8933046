//! The words demo data is made of: names by frequency, deeds, projects, places, evidence.

pub(super) const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Hoàng", 50),
    ("Phan", 45),
    ("Vũ", 39),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Đinh", 6),
    ("Trịnh", 5),
    ("Đào", 5),
    ("Mai", 4),
    ("Cao", 4),
    ("Lương", 3),
    ("Tạ", 3),
    ("Chu", 3),
    ("Kiều", 2),
];
pub(super) const MIDDLE_M: &[&str] = &[
    "Văn", "Đức", "Minh", "Quang", "Hữu", "Thành", "Tuấn", "Ngọc", "Xuân", "Công", "Gia", "Trung",
    "Mạnh", "Hoàng",
];
pub(super) const MIDDLE_F: &[&str] = &[
    "Thị", "Thu", "Ngọc", "Minh", "Thanh", "Phương", "Khánh", "Hải", "Bảo", "Diệu", "Hồng", "Thùy",
    "Mai",
];
pub(super) const GIVEN_M: &[&str] = &[
    "Anh", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy", "Khang", "Khoa",
    "Kiên", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Thắng",
    "Thành", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Đạt", "Lộc",
];
pub(super) const GIVEN_F: &[&str] = &[
    "Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Huyền", "Hương", "Lan",
    "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh", "Phương", "Quỳnh", "Tâm",
    "Thảo", "Thủy", "Trang", "Uyên", "Vân", "Yến", "Ánh", "Ly",
];
pub(super) const POSITIONS: &[&str] = &[
    "Đoàn viên",
    "Bí thư chi đoàn",
    "Phó Bí thư chi đoàn",
    "Ủy viên Ban Chấp hành",
    "Thanh niên tình nguyện",
];
pub(super) const PLACES: &[&str] = &[
    "Hồ Hoàn Kiếm",
    "chợ Đồng Xuân",
    "sông Tô Lịch",
    "công viên Thống Nhất",
    "khu tập thể Kim Liên",
    "phố Hàng Bạc",
    "Văn Miếu – Quốc Tử Giám",
    "ga Hà Nội",
    "bến xe Mỹ Đình",
    "Bệnh viện Bạch Mai",
    "sông Hồng",
    "hồ Tây",
    "nhà văn hóa tổ dân phố",
    "trường tiểu học trên địa bàn",
    "chợ dân sinh",
    "trạm y tế phường",
];
pub(super) const DEEDS: &[(&str, &[&str])] = &[
    (
        "Nhặt được ví tiền trả lại người đánh rơi tại {p}",
        &["guong_mau", "trach_nhiem"],
    ),
    (
        "Hiến máu tình nguyện lần thứ {n}",
        &["guong_mau", "trach_nhiem"],
    ),
    (
        "Cứu người đuối nước tại {p}",
        &["tien_phong", "trach_nhiem"],
    ),
    (
        "Giúp đỡ cụ bà neo đơn gần {p}",
        &["doan_ket", "trach_nhiem"],
    ),
    (
        "Tham gia tổng vệ sinh môi trường khu vực {p}",
        &["doan_ket", "trach_nhiem"],
    ),
    (
        "Hướng dẫn người cao tuổi dùng dịch vụ công trực tuyến",
        &["tien_phong", "sang_tao"],
    ),
    (
        "Dạy học miễn phí cho trẻ em có hoàn cảnh khó khăn",
        &["guong_mau", "doan_ket"],
    ),
    (
        "Quyên góp {n}00 cuốn sách cho học sinh vùng cao",
        &["doan_ket", "trach_nhiem"],
    ),
    (
        "Hỗ trợ người dân khắc phục hậu quả bão Yagi",
        &["tien_phong", "doan_ket"],
    ),
    (
        "Tham gia chữa cháy tại khu dân cư gần {p}",
        &["tien_phong", "trach_nhiem"],
    ),
    (
        "Sáng kiến rút ngắn thời gian giải quyết thủ tục hành chính",
        &["sang_tao", "trach_nhiem"],
    ),
    (
        "Tình nguyện hướng dẫn du khách quốc tế tại {p}",
        &["hoi_nhap", "guong_mau"],
    ),
    ("Trồng {n}0 cây xanh tại {p}", &["trach_nhiem", "doan_ket"]),
    (
        "Đạt giải Nhất cuộc thi ý tưởng khởi nghiệp sáng tạo",
        &["sang_tao", "hoi_nhap"],
    ),
    (
        "Giúp công an bắt giữ đối tượng trộm cắp tại {p}",
        &["tien_phong", "guong_mau"],
    ),
    (
        "Mở lớp kỹ năng số miễn phí cho thanh niên công nhân",
        &["sang_tao", "tien_phong"],
    ),
    (
        "Vận động đoàn viên ủng hộ Quỹ Vì người nghèo",
        &["doan_ket", "trach_nhiem"],
    ),
];
pub(super) const DEED_DETAILS: &[&str] = &[
    "Việc làm được người dân trong khu phố ghi nhận và cảm ơn.",
    "Đoàn phường đã xác minh với tổ dân phố và người được giúp đỡ.",
    "Hành động kịp thời, không ngại khó khăn, nguy hiểm.",
    "Là tấm gương sáng để đoàn viên, thanh niên học tập và làm theo.",
    "Được Ủy ban nhân dân phường tặng giấy khen.",
];
pub(super) const PROJECTS: &[(&str, &str)] = &[
    ("Thắp sáng đường quê", "infrastructure"),
    ("Tuyến phố văn minh, sạch đẹp", "environment"),
    ("Sân chơi cho thiếu nhi", "social"),
    ("Phổ cập kỹ năng số cho người cao tuổi", "digital"),
    ("Làm sạch mương thoát nước", "environment"),
    ("Vườn hoa thanh niên", "environment"),
    ("Tủ sách thanh niên", "education"),
    ("Bức tranh bích họa trên tường khu dân cư", "culture"),
    ("Điểm tiếp sức mùa thi", "education"),
    ("Camera an ninh khu phố", "infrastructure"),
    ("Khám sức khỏe miễn phí cho người cao tuổi", "health"),
    ("Bản đồ số các điểm dịch vụ công", "digital"),
];
pub(super) const UPDATES: &[&str] = &[
    "Khởi công, huy động đoàn viên các chi đoàn tham gia",
    "Hoàn thành khảo sát và lên phương án thi công",
    "Lắp đặt xong phần lớn hạng mục chính",
    "Tiếp nhận thêm kinh phí xã hội hóa từ doanh nghiệp trên địa bàn",
    "Nghiệm thu từng phần cùng tổ dân phố",
    "Bàn giao cho địa phương quản lý, sử dụng",
];
pub(super) const EVIDENCE: &[(&str, &str)] = &[
    ("ban_linh", "Kiên định, vững vàng trước khó khăn; tích cực đấu tranh với thông tin sai lệch trên mạng xã hội."),
    ("tri_thuc", "Tốt nghiệp loại giỏi, thường xuyên tự học ngoại ngữ và công nghệ số."),
    ("ung_xu", "Lễ phép, hòa nhã với nhân dân; được khu dân cư tín nhiệm."),
    ("tuan_thu", "Chấp hành nghiêm pháp luật, quy định của địa phương và Điều lệ Đoàn."),
    ("suc_khoe", "Tham gia giải chạy và các hoạt động thể thao phong trào của phường."),
    ("ky_nang", "Thành thạo kỹ năng tổ chức hoạt động tình nguyện và sơ cấp cứu."),
];
pub(super) const CATEGORIES: &[&str] = &[
    "hoc_sinh_sinh_vien",
    "thanh_nien_cong_nhan",
    "can_bo_tre",
    "luc_luong_vu_trang",
    "khoi_nghiep",
    "cong_dong",
];
