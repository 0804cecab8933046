//! The desktop shell's security settings, checked from its files (no build of the shell
//! needed): the window may call the app's own commands and nothing else, the CSP forbids
//! eval and inline scripts, nothing is remote, no shell plugin.

use std::path::PathBuf;

fn read(rel: &str) -> String {
    let p: PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", rel].iter().collect();
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn json(rel: &str) -> serde_json::Value {
    serde_json::from_str(&read(rel)).unwrap()
}

/// The quoted names in `command_names.rs`, which `build.rs` turns into permissions.
fn declared() -> Vec<String> {
    read("src-tauri/src/command_names.rs")
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('"'))
        .map(|l| l.trim_matches(|c| c == '"' || c == ',').to_owned())
        .collect()
}

#[test]
fn capability_grants_exactly_the_registered_commands() {
    let names = declared();
    assert!(names.len() >= 10, "the command list was read: {names:?}");
    let cap = json("src-tauri/capabilities/default.json");
    let granted: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    let wanted: Vec<String> = names
        .iter()
        .map(|n| format!("allow-{}", n.replace('_', "-")))
        .collect();
    assert_eq!(
        granted, wanted,
        "the capability grants the app's commands and no plugin's"
    );

    let commands = read("src-tauri/src/commands.rs");
    let handler = &commands[commands.find("generate_handler![").expect("a handler list")..];
    let handler = &handler[..handler.find(']').unwrap()];
    let registered: Vec<&str> = handler["generate_handler![".len()..]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(
        registered, names,
        "every registered command is declared, in the same order"
    );
}

#[test]
fn content_security_policy_is_strict() {
    let conf = json("src-tauri/tauri.conf.json");
    let csp = &conf["app"]["security"]["csp"];
    let text = csp.to_string();
    for banned in ["unsafe-eval", "unsafe-inline", "http:", "https:", "*"] {
        let bad = text.replace("http://ipc.localhost", "");
        assert!(!bad.contains(banned), "CSP must not allow {banned}: {text}");
    }
    assert_eq!(
        csp["script-src"], "'self'",
        "scripts only from the app itself"
    );
    assert_eq!(
        conf["app"]["withGlobalTauri"], false,
        "no global Tauri object"
    );
    assert!(
        conf["build"].get("devUrl").is_none(),
        "no dev server: the UI is embedded"
    );
}

#[test]
fn no_shell_plugin_and_no_file_system_scope() {
    let cargo = read("src-tauri/Cargo.toml");
    for plugin in ["tauri-plugin-shell", "tauri-plugin-fs", "tauri-plugin-http"] {
        assert!(!cargo.contains(plugin), "{plugin} must not be a dependency");
    }
    let ui = read("ui/package.json");
    assert!(
        !ui.contains("plugin-shell") && !ui.contains("plugin-fs"),
        "nor in the UI"
    );
}
