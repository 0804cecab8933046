//! The message catalog of the core: every user-facing error text, Vietnamese first.
//! `{}` in a text is replaced by the error's argument (a value, a code, a limit).

use crate::error::Code;

/// (stable name, Vietnamese, English) of a code: an exhaustive match, so that a new code
/// without its texts does not compile.
const fn entry(code: Code) -> (&'static str, &'static str, &'static str) {
    match code {
        Code::Required => ("required",
            "Trường này là bắt buộc: hãy điền vào.",
            "This field is required: please fill it in."),
        Code::TooLong => ("too_long",
            "Nội dung quá dài (tối đa {} ký tự): hãy rút gọn.",
            "Too long (at most {} characters): please shorten it."),
        Code::InvalidDate => ("invalid_date",
            "Ngày không hợp lệ: \"{}\". Hãy nhập theo dạng dd/mm/yyyy, ví dụ 02/09/2025.",
            "Invalid date: \"{}\". Enter it as dd/mm/yyyy, for example 02/09/2025."),
        Code::EndBeforeStart => ("end_before_start",
            "Ngày kết thúc không được trước ngày bắt đầu: hãy kiểm tra lại hai ngày.",
            "The end date cannot be before the start date: please check both dates."),
        Code::NegativeAmount => ("negative_amount",
            "Số này không được âm: hãy nhập 0 hoặc một số dương.",
            "This number cannot be negative: enter 0 or a positive number."),
        Code::FutureDate => ("future_date",
            "Ngày này ở tương lai ({}): hãy kiểm tra lại.",
            "This date is in the future ({}): please check it."),
        Code::InvalidValue => ("invalid_value",
            "Giá trị không hợp lệ: \"{}\". Hãy chọn một giá trị trong danh sách.",
            "Invalid value: \"{}\". Choose one from the list."),
        Code::UnknownUnit => ("unknown_unit",
            "Không tìm thấy đơn vị có mã \"{}\": hãy chọn đơn vị trong danh sách.",
            "No unit has the code \"{}\": choose a unit from the list."),
        Code::UnitOutOfScope => ("unit_out_of_scope",
            "Đơn vị \"{}\" không thuộc phạm vi của máy này: chỉ được ghi cho đơn vị mình và các đơn vị trực thuộc.",
            "Unit \"{}\" is outside this installation's scope: record only for your unit and the units under it."),
        Code::UnitCycle => ("unit_cycle",
            "Đơn vị \"{}\" không thể trực thuộc chính nó hoặc đơn vị cấp dưới của nó.",
            "Unit \"{}\" cannot be placed under itself or one of its own sub-units."),
        Code::DuplicateCode => ("duplicate_code",
            "Mã \"{}\" đã được dùng cho đơn vị khác: hãy chọn mã khác.",
            "The code \"{}\" is already used by another unit: choose another code."),
        Code::NotFound => ("not_found",
            "Không tìm thấy bản ghi \"{}\": có thể nó đã bị xóa hẳn hoặc mã chưa đúng.",
            "Record \"{}\" was not found: it may have been removed, or the id is wrong."),
        Code::InUse => ("in_use",
            "Không thể xóa \"{}\" vì còn bản ghi hoặc đơn vị khác đang dùng: hãy chuyển hoặc xóa chúng trước.",
            "\"{}\" cannot be deleted while other records or units still use it: move or delete them first."),
        Code::UnknownReference => ("unknown_reference",
            "Bản ghi được liên kết \"{}\" không tồn tại hoặc đang ở thùng rác: hãy chọn lại.",
            "The linked record \"{}\" does not exist or is in the trash: choose it again."),
        Code::YearOutsideCampaign => ("year_outside_campaign",
            "Năm {} nằm ngoài thời gian của cuộc vận động: hãy chọn một năm trong giai đoạn.",
            "The year {} is outside the campaign's period: choose a year within it."),
        Code::InvalidJson => ("invalid_json",
            "Dữ liệu không đọc được: {}. Hãy kiểm tra lại tệp JSON.",
            "The data cannot be read: {}. Please check the JSON."),
        Code::NotAnObject => ("not_an_object",
            "Dữ liệu phải là một đối tượng JSON dạng {\"trường\": giá trị}: hãy kiểm tra lại.",
            "The data must be a JSON object like {\"field\": value}: please check it."),
        Code::WrongType => ("wrong_type",
            "Giá trị của trường này không đúng kiểu (chữ, số, danh sách…): hãy sửa lại.",
            "This field's value has the wrong type (text, number, list…): please correct it."),
        Code::CodeFixed => ("code_fixed",
            "Không thể đổi mã của một đơn vị đã có (\"{}\"): hãy tạo đơn vị mới với mã mới.",
            "An existing unit's code (\"{}\") cannot change: create a new unit with the new code."),
        Code::UnknownField => ("unknown_field",
            "Trường \"{}\" không có trong loại bản ghi này: hãy kiểm tra chính tả.",
            "There is no field \"{}\" in this kind of record: check the spelling."),
        Code::StaleVersion => ("stale_version",
            "Bản ghi đã được sửa ở nơi khác sau khi bạn mở nó: hãy mở lại và sửa tiếp.",
            "The record was changed elsewhere after you opened it: reopen it and edit again."),
        Code::AlreadyDeleted => ("already_deleted",
            "Bản ghi \"{}\" đang ở thùng rác: hãy khôi phục trước khi sửa.",
            "Record \"{}\" is in the trash: restore it before editing."),
        Code::NotDeleted => ("not_deleted",
            "Bản ghi \"{}\" không ở thùng rác nên không cần khôi phục.",
            "Record \"{}\" is not in the trash, so there is nothing to restore."),
        Code::AttachmentTooLarge => ("attachment_too_large",
            "Tệp quá lớn ({}): hãy thu nhỏ ảnh hoặc tách tệp PDF rồi đính kèm lại.",
            "The file is too large ({}): shrink the photo or split the PDF, then attach it again."),
        Code::AttachmentType => ("attachment_type",
            "Chỉ đính kèm được ảnh (JPEG, PNG, WebP, GIF) hoặc PDF; tệp \"{}\" không phải loại đó.",
            "Only photos (JPEG, PNG, WebP, GIF) and PDFs can be attached; \"{}\" is neither."),
        Code::SchemaTooNew => ("schema_too_new",
            "Dữ liệu này do phiên bản Sổ Vàng mới hơn tạo ra (lược đồ {}): hãy cập nhật ứng dụng.",
            "This data was made by a newer Sổ Vàng (schema {}): please update the app."),
        Code::MigrationEdited => ("migration_edited",
            "Bước nâng cấp dữ liệu số {} đã bị thay đổi sau khi áp dụng: hãy dùng bản phát hành chính thức.",
            "Data migration {} was changed after it was applied: use an official release."),
        Code::NotInitialized => ("not_initialized",
            "Chưa có dữ liệu ở \"{}\": hãy chạy \"sovang init --unit MÃ\" trước.",
            "No database in \"{}\": run \"sovang init --unit CODE\" first."),
        Code::InitializedForOtherUnit => ("initialized_for_other_unit",
            "Dữ liệu này đã thuộc về đơn vị \"{}\": dùng thư mục dữ liệu khác cho đơn vị mới.",
            "This data already belongs to unit \"{}\": use another data folder for a new unit."),
        Code::InvalidCursor => ("invalid_cursor",
            "Con trỏ trang \"{}\" không hợp lệ: hãy dùng giá trị \"next\" của trang trước.",
            "Page cursor \"{}\" is invalid: use the \"next\" value of the previous page."),
        Code::DemoSeedUsed => ("demo_seed_used",
            "Dữ liệu mẫu với hạt giống {} đã có ở đây: hãy dùng --seed khác.",
            "Demo data with seed {} is already here: use another --seed."),
        Code::InvalidArgument => ("invalid_argument",
            "Tham số không hợp lệ: {}",
            "Invalid argument: {}"),
        Code::BundleNotZip => ("bundle_not_zip",
            "Tệp \"{}\" không phải là gói đồng bộ Sổ Vàng (.sovang): hãy chọn đúng tệp được gửi đến.",
            "\"{}\" is not a Sổ Vàng sync bundle (.sovang): choose the file you were sent."),
        Code::BundleTruncated => ("bundle_truncated",
            "Gói \"{}\" bị thiếu hoặc hỏng (có thể chép chưa xong): hãy xin đơn vị gửi lại tệp.",
            "The bundle \"{}\" is incomplete or damaged (perhaps not fully copied): ask the sender for the file again."),
        Code::BundleTooManyEntries => ("bundle_too_many_entries",
            "Gói có quá nhiều mục ({}): đây không phải gói do Sổ Vàng tạo. Không nhập gì cả.",
            "The bundle has too many entries ({}): it was not made by Sổ Vàng. Nothing was imported."),
        Code::BundleTooLarge => ("bundle_too_large",
            "Gói giải nén ra quá lớn (vượt {}): có thể là tệp độc hại. Không nhập gì cả.",
            "The bundle unpacks to too much data (over {}): it may be malicious. Nothing was imported."),
        Code::BundleRatio => ("bundle_ratio",
            "Mục \"{}\" trong gói nén bất thường (hơn 100 lần): có thể là tệp độc hại. Không nhập gì cả.",
            "Entry \"{}\" is compressed abnormally (over 100:1): the file may be malicious. Nothing was imported."),
        Code::BundleEntryName => ("bundle_entry_name",
            "Gói chứa mục không hợp lệ \"{}\" (đường dẫn lạ, liên kết hoặc tên không được phép): không nhập gì cả; hãy xin đơn vị gửi lại.",
            "The bundle holds an invalid entry \"{}\" (odd path, link or unexpected name): nothing was imported; ask the sender again."),
        Code::BundleDuplicateEntry => ("bundle_duplicate_entry",
            "Gói chứa hai mục trùng tên \"{}\": tệp đã bị sửa. Không nhập gì cả.",
            "The bundle holds two entries named \"{}\": the file was altered. Nothing was imported."),
        Code::BundleMissingEntry => ("bundle_missing_entry",
            "Gói thiếu mục \"{}\": tệp không đầy đủ. Hãy xin đơn vị gửi lại.",
            "The bundle lacks the entry \"{}\": the file is incomplete. Ask the sender again."),
        Code::BundleTooNew => ("bundle_too_new",
            "Gói được tạo bởi phiên bản Sổ Vàng mới hơn (định dạng {}): hãy cập nhật ứng dụng rồi nhập lại.",
            "The bundle was made by a newer Sổ Vàng (format {}): update the app, then import it again."),
        Code::BundleManifest => ("bundle_manifest",
            "Phần mô tả của gói không đọc được ({}): tệp bị hỏng. Hãy xin đơn vị gửi lại.",
            "The bundle's manifest cannot be read ({}): the file is damaged. Ask the sender again."),
        Code::BundleUntrusted => ("bundle_untrusted",
            "Gói được ký bằng khóa chưa được tin cậy ({}): hãy thêm thẻ đơn vị của bên gửi (sau khi đối chiếu dấu vân tay qua điện thoại) rồi nhập lại.",
            "The bundle is signed by a key not trusted here ({}): add the sender's unit card (after comparing fingerprints by phone), then import again."),
        Code::BundleRevoked => ("bundle_revoked",
            "Khóa ký gói này đã bị thu hồi ({}): không nhận gói từ khóa này. Hãy liên hệ đơn vị gửi để nhận gói ký bằng khóa mới.",
            "The key that signed this bundle was revoked ({}): its bundles are refused. Ask the sender for a bundle signed with their new key."),
        Code::BundleSignature => ("bundle_signature",
            "Chữ ký của gói không khớp ({}): tệp đã bị thay đổi sau khi ký. Không nhập gì cả; hãy xin đơn vị gửi lại.",
            "The bundle's signature does not match ({}): the file changed after it was signed. Nothing was imported; ask the sender again."),
        Code::BundleHash => ("bundle_hash",
            "Nội dung mục \"{}\" không khớp với mô tả đã ký: tệp bị hỏng hoặc bị sửa. Không nhập gì cả; hãy xin đơn vị gửi lại.",
            "The content of \"{}\" does not match the signed manifest: the file is damaged or altered. Nothing was imported; ask the sender again."),
        Code::BundleRecord => ("bundle_record",
            "Bản ghi trong gói không đọc được ({}): không nhập gì cả; hãy xin đơn vị gửi lại.",
            "A record in the bundle cannot be read ({}): nothing was imported; ask the sender again."),
        Code::RecordUnreadable => ("record_unreadable",
            "Một dòng trong gói không phải bản ghi hợp lệ ({}): dòng này bị bỏ qua, các bản ghi khác vẫn được nhập. Hãy báo đơn vị gửi kiểm tra phần mềm của họ.",
            "A line of the bundle is not a valid record ({}): that line was skipped; the other records were imported. Ask the sending unit to check its software."),
        Code::OutOfAuthority => ("out_of_authority",
            "Đơn vị gửi không có quyền tạo hoặc sửa bản ghi của đơn vị \"{}\": bản ghi này bị từ chối, các bản ghi khác vẫn được nhập.",
            "The sending unit may not create or change records of unit \"{}\": this record was refused; the others were imported."),
        Code::CardInvalid => ("card_invalid",
            "Thẻ đơn vị không hợp lệ ({}): hãy xin đơn vị kia xuất lại thẻ.",
            "The unit card is invalid ({}): ask the other unit to export its card again."),
        Code::OwnKey => ("own_key",
            "Đây là khóa của chính máy này ({}): không cần thêm hoặc thu hồi.",
            "This is this installation's own key ({}): there is nothing to add or revoke."),
        Code::CardOtherUnit => ("card_other_unit",
            "Khóa trên thẻ này đã được tin cậy cho đơn vị \"{}\", còn thẻ ghi một đơn vị khác: thẻ bị từ chối. Một khóa chỉ thuộc một đơn vị; hãy gọi điện hỏi lại đơn vị kia.",
            "The key on this card is already trusted for unit \"{}\", but the card names another unit: it was refused. A key belongs to one unit; phone the other unit to check."),
        Code::FingerprintMismatch => ("fingerprint_mismatch",
            "Dấu vân tay của thẻ là {}, khác với dấu vân tay đọc qua điện thoại: thẻ không được tin cậy. Thẻ có thể đã bị sửa; hãy xin đơn vị kia xuất lại thẻ.",
            "The card's fingerprint is {}, not the one read over the phone: it was not trusted. The card may have been altered; ask the other unit to export its card again."),
        Code::ConflictClosed => ("conflict_closed",
            "Xung đột \"{}\" đã được giải quyết: hãy tải lại danh sách.",
            "Conflict \"{}\" is already settled: reload the list."),
        Code::ConflictValue => ("conflict_value",
            "Giá trị \"{}\" không phải một trong hai giá trị của xung đột: hãy chọn \"a\" hoặc \"b\".",
            "\"{}\" is not one of the conflict's two values: choose \"a\" or \"b\"."),
        Code::CommitteeChair => ("committee_chair",
            "Hội đồng phải có đúng một chủ tịch: hãy chọn một thành viên làm chủ tịch.",
            "A committee needs exactly one chair: make one member the chair."),
        Code::DecisionVotes => ("decision_votes",
            "Quyết định chấp thuận cần số phiếu đồng ý nhiều hơn số phiếu không đồng ý: hãy kiểm tra lại số phiếu.",
            "An approval needs more votes for than against: check the votes."),
        Code::DecisionQuorum => ("decision_quorum",
            "Chưa đủ số thành viên biểu quyết tối thiểu ({}): hãy họp đủ rồi ghi quyết định.",
            "Not enough members voted (the quorum is {}): record the decision once enough have voted."),
        Code::TransitionRefused => ("transition_refused",
            "Không thể chuyển đề cử {}: bước này không đúng quy trình xét chọn.",
            "The nomination cannot move {}: that step is not part of the review's path."),
        Code::NominationLocked => ("nomination_locked",
            "Đề cử đang ở trạng thái \"{}\" nên không sửa được: chỉ sửa khi còn là bản nháp hoặc khi hội đồng trả lại để bổ sung.",
            "The nomination is \"{}\" and cannot be changed: it can be edited only as a draft or when the committee returns it for changes."),
        Code::NotAMember => ("not_a_member",
            "Máy này không phải máy của thành viên hội đồng \"{}\": chỉ thành viên chấm điểm trên máy của mình.",
            "This installation does not belong to a member of committee \"{}\": members score on their own installation."),
        Code::ScoreOutOfScale => ("score_out_of_scale",
            "Điểm phải trong thang {}: hãy chấm lại tiêu chí này.",
            "The score must be on the scale {}: score this criterion again."),
        Code::ScoresIncomplete => ("scores_incomplete",
            "Chưa chấm đủ các tiêu chí ({}): hãy chấm hết rồi gửi, hoặc lưu nháp.",
            "Not every criterion is scored ({}): score them all before submitting, or save a draft."),
        Code::NotReviewing => ("not_reviewing",
            "Đề cử chưa ở bước xét chọn hoặc đã có quyết định ({}): không chấm điểm hay quyết định được lúc này.",
            "The nomination is not under review or already decided ({}): it cannot be scored or decided now."),
        Code::InvalidVersion => ("invalid_version",
            "Phiên bản \"{}\" của bản ghi không đúng dạng quy định: bản ghi này bị từ chối, các bản ghi khác vẫn được nhập. Hãy báo đơn vị gửi cập nhật phần mềm.",
            "The record's version \"{}\" is not in the documented form: this record was refused; the others were imported. Ask the sender to update the app."),
        Code::ClockAhead => ("clock_ahead",
            "Đồng hồ của máy gửi đang chạy nhanh (bản ghi ghi thời điểm {}): bản ghi được giữ lại, chưa áp dụng. Nó sẽ được áp dụng khi đến thời điểm đó, hoặc khi máy gửi chỉnh lại đồng hồ và gửi lại.",
            "The sending PC's clock is ahead (the record is stamped {}): the record is held, not applied. It is applied once that time comes, or when the sender corrects its clock and sends it again."),
        Code::SignerRevoked => ("signer_revoked",
            "Khóa đã ký bản ghi đang chờ này đã bị thu hồi ({}): bản ghi bị bỏ, không được áp dụng.",
            "The key that signed this held record was revoked ({}): the record was dropped, not applied."),
        Code::UnitCodeChanged => ("unit_code_changed",
            "Mã của một đơn vị không được thay đổi (\"{}\"): bản ghi này bị từ chối, các bản ghi khác vẫn được nhập.",
            "A unit's code cannot change (\"{}\"): this record was refused; the others were imported."),
        Code::UnknownDestination => ("unknown_destination",
            "Không biết gửi gói cho \"{}\": hãy nhập mã đơn vị, hoặc dấu vân tay của một máy đã được tin cậy (xem danh sách đơn vị tin cậy).",
            "No destination \"{}\": give a unit code, or the fingerprint of a trusted installation (see the trusted units)."),
        Code::SheetFinal => ("sheet_final",
            "Phiếu chấm đã nộp thì không sửa được nữa ({}): muốn sửa, hãy đề nghị chủ tịch hội đồng mở lại phiếu, có ghi lý do.",
            "A submitted score sheet is final ({}): to change it, ask the committee's chair to reopen it, with a reason."),
        Code::SheetOpen => ("sheet_open",
            "Phiếu chấm này chưa nộp hoặc đã được mở lại ({}): không cần mở lại.",
            "This score sheet is not submitted, or was reopened already ({}): there is nothing to reopen."),
        Code::BundleNotForHere => ("bundle_not_for_here",
            "Gói này được làm cho một máy khác, không phải máy này (dấu vân tay của máy này: {}): không nhập gì cả. Hãy đề nghị nơi gửi làm một gói cho máy này.",
            "This bundle was made for another installation, not this one (this installation's fingerprint: {}): nothing was imported. Ask the sender to make a bundle for this installation."),
        Code::SheetUnreadable => ("sheet_unreadable",
            "Không đọc được bảng tính ({}): hãy mở tệp bằng Excel, lưu lại dạng .xlsx rồi thử lại.",
            "The spreadsheet cannot be read ({}): open it in Excel, save it as .xlsx and try again."),
        Code::SheetNoHeader => ("sheet_no_header",
            "Không tìm thấy dòng tiêu đề cột (như \"Họ và tên\", \"Ngày sinh\") trong 30 dòng đầu của bảng tính: hãy dùng tệp mẫu hoặc đặt lại tên cột.",
            "No header row (such as \"Họ và tên\", \"Ngày sinh\") was found in the sheet's first 30 rows: use the template or rename the columns."),
        Code::UnknownColumn => ("unknown_column",
            "Bảng tính không có cột \"{}\": hãy ghi cột theo chữ cái (A, B, …) hoặc đúng tiêu đề cột.",
            "The sheet has no column \"{}\": name it by its letter (A, B, …) or its exact header."),
        Code::LegacyEncoding => ("legacy_encoding",
            "Chữ \"{}\" có vẻ được gõ bằng bảng mã cũ (TCVN3 hoặc VNI), không phải Unicode: dòng này không được nhập. Hãy chuyển mã sang Unicode (ví dụ bằng công cụ chuyển mã của Unikey) rồi nhập lại.",
            "The text \"{}\" looks typed in an old encoding (TCVN3 or VNI), not Unicode: this row was not imported. Convert it to Unicode (for example with Unikey's converter) and import it again."),
        Code::PersonAmbiguous => ("person_ambiguous",
            "Có nhiều người tên \"{}\" trong đơn vị: hãy ghi thêm ngày sinh để biết là ai.",
            "Several people are called \"{}\" in the unit: add the birth date to tell which."),
        Code::MemberNoOther => ("member_no_other",
            "Số thẻ đoàn viên {} — đã là của người khác: dòng này không được nhập. Hãy kiểm tra lại số thẻ hoặc họ tên.",
            "Membership number {} — it is someone else's: this row was not imported. Check the number or the name."),
        Code::PurgeNotInTrash => ("purge_not_in_trash",
            "Chỉ xoá vĩnh viễn được những gì đã ở trong thùng rác ({}): hãy xoá vào thùng rác trước.",
            "Only what is in the trash can be erased for good ({}): move it to the trash first."),
        Code::RecordErased => ("record_erased",
            "Hồ sơ {} đã bị xoá vĩnh viễn theo yêu cầu: không ghi lại được.",
            "Record {} was erased for good on request: it cannot be written again."),
        Code::ErasureRefused => ("erasure_refused",
            "Không xoá vĩnh viễn được {}: có hồ sơ liên quan thuộc đơn vị mà người xoá không có quyền. Đơn vị đó phải tự xoá.",
            "{} cannot be erased for good: a record about it belongs to a unit the eraser has no authority over. That unit must erase it."),
        Code::BackupNotFound => ("backup_not_found",
            "Không tìm thấy bản sao lưu \"{}\".",
            "No backup \"{}\" was found."),
        Code::BackupDamaged => ("backup_damaged",
            "Bản sao lưu bị hỏng ({}): không dùng được để khôi phục. Dữ liệu hiện tại không bị thay đổi; hãy chọn bản khác.",
            "The backup is damaged ({}): it cannot be restored. The current data was not changed; choose another backup."),
        Code::DatabaseInUse => ("database_in_use",
            "Dữ liệu đang được mở ở nơi khác ({}): hãy đóng ứng dụng Sổ Vàng rồi thử lại.",
            "The data is open elsewhere ({}): close the Sổ Vàng app and try again."),
        Code::Io => ("io",
            "Không đọc/ghi được tệp {}",
            "Cannot read or write the file {}"),
        Code::Storage => ("storage",
            "Lỗi cơ sở dữ liệu: {}. Dữ liệu không bị thay đổi; hãy thử lại hoặc chạy \"sovang check\".",
            "Database error: {}. Nothing was changed; try again or run \"sovang check\"."),
    }
}

/// Every code, for the catalog's tests.
#[cfg(test)]
const ALL: &[Code] = &[
    Code::Required,
    Code::TooLong,
    Code::InvalidDate,
    Code::EndBeforeStart,
    Code::NegativeAmount,
    Code::FutureDate,
    Code::InvalidValue,
    Code::UnknownUnit,
    Code::UnitOutOfScope,
    Code::UnitCycle,
    Code::DuplicateCode,
    Code::NotFound,
    Code::InUse,
    Code::UnknownReference,
    Code::YearOutsideCampaign,
    Code::InvalidJson,
    Code::NotAnObject,
    Code::WrongType,
    Code::CodeFixed,
    Code::UnknownField,
    Code::StaleVersion,
    Code::AlreadyDeleted,
    Code::NotDeleted,
    Code::AttachmentTooLarge,
    Code::AttachmentType,
    Code::SchemaTooNew,
    Code::MigrationEdited,
    Code::NotInitialized,
    Code::InitializedForOtherUnit,
    Code::InvalidCursor,
    Code::DemoSeedUsed,
    Code::InvalidArgument,
    Code::BundleNotZip,
    Code::BundleTruncated,
    Code::BundleTooManyEntries,
    Code::BundleTooLarge,
    Code::BundleRatio,
    Code::BundleEntryName,
    Code::BundleDuplicateEntry,
    Code::BundleMissingEntry,
    Code::BundleTooNew,
    Code::BundleManifest,
    Code::BundleUntrusted,
    Code::BundleRevoked,
    Code::BundleSignature,
    Code::BundleHash,
    Code::BundleRecord,
    Code::RecordUnreadable,
    Code::OutOfAuthority,
    Code::CardInvalid,
    Code::OwnKey,
    Code::CardOtherUnit,
    Code::FingerprintMismatch,
    Code::ConflictClosed,
    Code::ConflictValue,
    Code::CommitteeChair,
    Code::DecisionVotes,
    Code::DecisionQuorum,
    Code::TransitionRefused,
    Code::NominationLocked,
    Code::NotAMember,
    Code::ScoreOutOfScale,
    Code::ScoresIncomplete,
    Code::NotReviewing,
    Code::InvalidVersion,
    Code::ClockAhead,
    Code::SignerRevoked,
    Code::UnitCodeChanged,
    Code::UnknownDestination,
    Code::SheetFinal,
    Code::SheetOpen,
    Code::BundleNotForHere,
    Code::SheetUnreadable,
    Code::SheetNoHeader,
    Code::UnknownColumn,
    Code::LegacyEncoding,
    Code::PersonAmbiguous,
    Code::MemberNoOther,
    Code::PurgeNotInTrash,
    Code::RecordErased,
    Code::ErasureRefused,
    Code::BackupNotFound,
    Code::BackupDamaged,
    Code::DatabaseInUse,
    Code::Io,
    Code::Storage,
];

/// The banner shown when the last good backup is older than `days` days (or there is none).
pub fn backup_stale(last: Option<&str>, days: i64) -> (String, String) {
    match last.and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()) {
        Some(at) => {
            let day = (at + chrono::Duration::hours(7)).format("%d/%m/%Y");
            (
                format!("Bản sao lưu tốt gần nhất là ngày {day}, đã quá {days} ngày: hãy sao lưu ngay (Cài đặt → Sao lưu)."),
                format!("The last good backup is from {day}, more than {days} days ago: back up now (Settings → Backups)."),
            )
        }
        None => (
            "Chưa có bản sao lưu nào: hãy sao lưu ngay (Cài đặt → Sao lưu).".into(),
            "There is no backup yet: back up now (Settings → Backups).".into(),
        ),
    }
}

/// A kind's name as users call it, (Vietnamese, English).
pub fn kind_label(kind: crate::records::Kind) -> (&'static str, &'static str) {
    use crate::records::Kind as K;
    match kind {
        K::Unit => ("Đơn vị", "Unit"),
        K::Person => ("Đoàn viên", "Person"),
        K::Entry => ("Sổ vàng", "Golden Book entry"),
        K::Project => ("Công trình", "Youth project"),
        K::Update => ("Tiến độ", "Progress update"),
        K::Campaign => ("Cuộc vận động", "Campaign"),
        K::Target => ("Chỉ tiêu", "Target"),
        K::Nomination => ("Đề cử", "Nomination"),
        K::Committee => ("Hội đồng xét chọn", "Review committee"),
        K::Score => ("Phiếu chấm điểm", "Score sheet"),
        K::Decision => ("Quyết định", "Decision"),
        K::Transition => ("Chuyển trạng thái", "Status change"),
    }
}

/// A nomination's review status as users call it, (Vietnamese, English).
pub fn review_status_label(status: crate::records::ReviewStatus) -> (&'static str, &'static str) {
    use crate::records::ReviewStatus as S;
    match status {
        S::Draft => ("Nháp", "Draft"),
        S::Submitted => ("Đã nộp", "Submitted"),
        S::InReview => ("Đang xét chọn", "In review"),
        S::Returned => ("Trả lại để bổ sung", "Returned for changes"),
        S::Approved => ("Được chọn", "Approved"),
        S::Rejected => ("Không được chọn", "Rejected"),
        S::Forwarded => ("Đã chuyển lên cấp trên", "Forwarded"),
    }
}

/// A bundle that did not arrive, (Vietnamese, English).
pub fn gap(from: i64, to: i64, unit: &str) -> (String, String) {
    (
        format!("Các thay đổi số {from}–{to} từ {unit} chưa đến (có thể một gói đã bị thất lạc): hãy đề nghị đơn vị đó gửi lại. Gói tiếp theo của máy này sẽ báo cho họ biết."),
        format!("Changes {from}–{to} from {unit} have not arrived (a bundle may have been lost): ask them to send them again. The next bundle from this installation tells them too."),
    )
}

/// What a held record waits for, as `held_reason` words it.
pub enum HeldFor<'a> {
    Record(crate::records::Kind),
    Unit(&'a str),
    Bytes,
    /// The sender's clock: the record's time, in milliseconds since 1970.
    Clock(i64),
    /// The status change before it, ending at this status.
    Step(crate::records::ReviewStatus),
}

/// Why a record from another installation is held, (Vietnamese, English).
pub fn held_reason(why: HeldFor) -> (String, String) {
    match why {
        HeldFor::Record(kind) => {
            let (vi, en) = kind_label(kind);
            (
                format!("Chờ bản ghi liên quan ({}) đến trong một gói sau.", vi.to_lowercase()),
                format!("Waiting for the record it links to ({}) to arrive in a later bundle.", en.to_lowercase()),
            )
        }
        HeldFor::Unit(code) => (
            format!("Chờ đơn vị có mã \"{code}\" đến trong một gói sau."),
            format!("Waiting for the unit with code \"{code}\" to arrive in a later bundle."),
        ),
        HeldFor::Bytes => (
            "Chờ tệp đính kèm: gói đã nhận không có nội dung tệp. Hãy xin đơn vị gửi lại gói đầy đủ.".into(),
            "Waiting for the attachment's file: the bundles received did not carry it. Ask the sender for a full bundle.".into(),
        ),
        HeldFor::Step(status) => {
            let (vi, en) = review_status_label(status);
            (
                format!("Chờ bước xét chọn trước đó (chuyển sang \"{vi}\") đến trong một gói sau."),
                format!("Waiting for the review step before it (to \"{en}\") to arrive in a later bundle."),
            )
        }
        HeldFor::Clock(ms) => {
            let at = chrono::DateTime::from_timestamp_millis(ms)
                .map(|t| (t + chrono::Duration::hours(7)).format("%d/%m/%Y %H:%M").to_string())
                .unwrap_or_default();
            (
                format!("Đồng hồ của máy gửi chạy nhanh: bản ghi ghi thời điểm {at}. Bản ghi sẽ được áp dụng khi đến lúc đó, hoặc khi máy gửi chỉnh lại đồng hồ và gửi lại."),
                format!("The sending PC's clock is ahead: the record is stamped {at}. It is applied once that time comes, or when the sender corrects its clock and sends it again."),
            )
        }
    }
}

/// Why this PC's clock looks wrong and how to set it, (Vietnamese, English); days in
/// Vietnam's time.
pub fn clock_warning(
    problem: crate::clock_check::ClockProblem,
    now: chrono::DateTime<chrono::Utc>,
    at_least: chrono::DateTime<chrono::Utc>,
) -> (String, String) {
    use crate::clock_check::ClockProblem as P;
    let day = |t: chrono::DateTime<chrono::Utc>| {
        (t + chrono::Duration::hours(7))
            .format("%d/%m/%Y")
            .to_string()
    };
    let (now, at) = (day(now), day(at_least));
    let (vi, en) = match problem {
        P::BeforeLastChange => (
            format!("sớm hơn lần lưu dữ liệu gần nhất trên máy này ({at})"),
            format!("earlier than the last change saved on this PC ({at})"),
        ),
        P::BeforeBuild => (
            format!("sớm hơn ngày phát hành phiên bản Sổ Vàng này ({at})"),
            format!("earlier than the release of this version of Sổ Vàng ({at})"),
        ),
    };
    (
        format!("Đồng hồ của máy tính này có vẻ sai: máy đang chỉ ngày {now}, {vi}. Hãy chỉnh lại ngày giờ cho đúng (trên Windows: Cài đặt → Thời gian & ngôn ngữ → Ngày & giờ, bật \"Đặt thời gian tự động\" hoặc chỉnh tay theo giờ Việt Nam, UTC+7), rồi mở lại Sổ Vàng. Nếu không, các bản ghi mới sẽ mang ngày sai."),
        format!("This PC's clock looks wrong: it says {now}, {en}. Set the correct date and time (on Windows: Settings → Time & language → Date & time, turn on \"Set time automatically\" or set it by hand to Vietnam time, UTC+7), then open Sổ Vàng again. Otherwise new records get wrong dates."),
    )
}

/// Why a file could not be read or written, in both languages.
pub fn io_reason(e: &std::io::Error) -> (String, String) {
    use std::io::ErrorKind as K;
    let (vi, en) = match e.kind() {
        K::NotFound => ("không có tệp hoặc thư mục này", "no such file or folder"),
        K::PermissionDenied => ("không có quyền truy cập", "permission denied"),
        K::AlreadyExists => ("tệp đã tồn tại", "the file already exists"),
        K::StorageFull => ("ổ đĩa đã đầy", "the disk is full"),
        K::IsADirectory => (
            "đây là thư mục, không phải tệp",
            "this is a folder, not a file",
        ),
        _ => return (format!("lỗi hệ thống: {e}"), format!("system error: {e}")),
    };
    (vi.to_owned(), en.to_owned())
}

pub fn code_name(code: Code) -> &'static str {
    entry(code).0
}

pub fn text(code: Code, arg: &str) -> (String, String) {
    let (_, vi, en) = entry(code);
    (vi.replace("{}", arg), en.replace("{}", arg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_entry_with_both_languages() {
        let names: Vec<&str> = ALL.iter().map(|c| code_name(*c)).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "stable names must be unique");
        for &code in ALL {
            let (name, vi, en) = entry(code);
            assert!(!vi.is_empty() && !en.is_empty(), "{name} needs vi and en");
            assert_ne!(
                vi, en,
                "{name}: the Vietnamese text must not be the English one"
            );
            assert!(
                !vi.is_ascii(),
                "{name}: Vietnamese text must carry diacritics"
            );
        }
    }

    #[test]
    fn every_kind_has_a_name_in_both_languages() {
        for kind in crate::records::Kind::ALL {
            let (vi, en) = kind_label(kind);
            assert!(
                !vi.is_empty() && !en.is_empty() && vi != en,
                "{kind:?} needs two names"
            );
        }
    }

    #[test]
    fn serde_name_matches_catalog_name() {
        for &code in ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(
                json,
                format!("\"{}\"", code_name(code)),
                "JSON code and catalog name must agree"
            );
        }
    }
}
