//! Helpers for black-box tests: run the built `sovang` binary in a throw-away data folder.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `sovang` binary built by `cargo build -p sovang-cli` (the Makefile builds it first).
pub fn binary() -> PathBuf {
    if let Some(p) = std::env::var_os("SOVANG_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("debug").join(if cfg!(windows) {
        "sovang.exe"
    } else {
        "sovang"
    });
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p sovang-cli` first (make test does)",
        bin.display()
    );
    bin
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout must be one JSON document ({e}): {}", self.stdout))
    }
}

/// A data folder of its own for each test; never the user's real one.
pub struct Sovang {
    pub dir: tempfile::TempDir,
}

impl Default for Sovang {
    fn default() -> Self {
        Self::new()
    }
}

impl Sovang {
    pub fn new() -> Self {
        Sovang {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn run_with_input(&self, args: &[&str], input: Option<&str>) -> Run {
        let mut cmd = Command::new(binary());
        cmd.arg("--data-dir").arg(self.dir.path()).args(args);
        cmd.env_remove("SOVANG_DATA_DIR")
            .env("HOME", self.dir.path());
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the sovang binary must start");
        if let Some(text) = input {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        let Output {
            status,
            stdout,
            stderr,
        } = child.wait_with_output().unwrap();
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_input(args, None)
    }

    /// Runs and requires success, returning the JSON output.
    pub fn ok(&self, args: &[&str]) -> serde_json::Value {
        let r = self.run(args);
        assert_eq!(
            r.code,
            0,
            "`sovang {}` must succeed; stderr: {}",
            args.join(" "),
            r.stderr
        );
        r.json()
    }

    pub fn put(&self, kind: &str, json: &str) -> Run {
        self.run_with_input(&["--json", "put", kind, "--file", "-"], Some(json))
    }
}
