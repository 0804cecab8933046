// The app manifest lists the app's own commands, so that each needs a permission and the
// capability in `capabilities/` grants exactly these and nothing else.
fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(sovang_desktop_commands::NAMES)),
    )
    .expect("tauri build step");
}

mod sovang_desktop_commands {
    include!("src/command_names.rs");
}
