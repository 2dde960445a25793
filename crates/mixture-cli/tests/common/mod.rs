//! Running the `mixture` binary as a user does, for the command's test files.

#![allow(dead_code)] // each test file uses some of these

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn mixture(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_mixture"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A fresh directory for one test.
pub fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mixture-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs and expects success.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = mixture(dir, args);
    assert_eq!(out.code, 0, "mixture {args:?} failed: {}", out.stderr);
    out.stdout
}

/// Runs and expects failure with `code` and one line on stderr containing `needle`.
pub fn fails(dir: &Path, args: &[&str], code: i32, needle: &str) {
    let out = mixture(dir, args);
    assert_eq!(out.code, code, "mixture {args:?}: stderr {}", out.stderr);
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "one line expected: {}",
        out.stderr
    );
    assert!(out.stderr.starts_with("mixture: "), "{}", out.stderr);
    assert!(
        out.stderr.contains(needle),
        "mixture {args:?}: {:?} lacks {needle:?}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}
