// The commands the UI may call; `build.rs` turns each into a permission, and
// `capabilities/default.json` grants them. Keep in step with `commands.rs`.
pub const NAMES: &[&str] = &[
    "status",
    "vocabulary",
    "find_units",
    "setup",
    "set_lang",
    "set_user",
    "choose_data_dir",
    "overview",
    "list",
    "search",
    "get",
    "put",
    "delete",
    "restore",
    "history",
    "unit_rows",
    "attach",
    "attachment_bytes",
];
