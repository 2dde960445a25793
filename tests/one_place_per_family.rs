//! The registry stays the one place that lists the families: outside the family crates and
//! `src/registry/`, only the files below name a family's crate or types in code (comments,
//! docstrings and strings aside). A new family, or a front end that starts matching on one,
//! shows up here.

use std::path::{Path, PathBuf};

/// The files that may name families, and why.
const ALLOWED: [&str; 6] = [
    // The facade re-exports every family crate.
    "src/lib.rs",
    // The lesson is a Gaussian mixture.
    "crates/mixture-cli/src/commands/demo.rs",
    // datagen's generators, one subcommand each.
    "crates/mixture-cli/src/generators.rs",
    // One scikit-learn estimator class per family.
    "python/mixture_em/_sklearn.py",
    // ngc-learn's own three classes.
    "python/mixture_em/ngclearn.py",
    // scikit-learn's BayesianGaussianMixture, an estimator class of the Gaussian family.
    "python/mixture_em/_bayesian.py",
];

const FAMILIES: [&str; 4] = ["gauss", "bern", "exp", "poisson"];
const NAMES: [&str; 4] = ["Gaussian", "Bernoulli", "Exponential", "Poisson"];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            if !path.ends_with("registry") && !path.ends_with("__pycache__") {
                files(&path, out);
            }
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("rs" | "py" | "pyi")
        ) {
            out.push(path);
        }
    }
}

/// The code of a Rust or Python file: comments and string literals blanked.
fn code(text: &str, python: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if !python && chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '#' if python => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' | '\'' if python || c == '"' => {
                // A string (Python's triple-quoted ones too), skipped to its closing quote.
                let triple = python && {
                    let rest: String = chars.clone().take(2).collect();
                    rest == format!("{c}{c}")
                };
                if triple {
                    chars.next();
                    chars.next();
                }
                let mut run = 0;
                let mut escaped = false;
                for d in chars.by_ref() {
                    if escaped {
                        escaped = false;
                        continue;
                    }
                    if d == '\\' {
                        escaped = true;
                        run = 0;
                        continue;
                    }
                    run = if d == c { run + 1 } else { 0 };
                    if run == if triple { 3 } else { 1 } {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether `code` names a family's crate or types.
fn names_a_family(code: &str) -> Option<String> {
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| !w.is_empty())
        .collect();
    for w in words {
        for f in FAMILIES {
            for prefix in ["mixture_", "mixture::", "crate::"] {
                let name = format!("{prefix}{f}");
                if w == name || w.starts_with(&format!("{name}::")) {
                    return Some(w.to_string());
                }
            }
        }
        let last = w.rsplit("::").next().unwrap_or(w);
        for n in NAMES {
            let suffixes = ["", "Mixture", "Components", "Parameters", "Stats"];
            if suffixes.iter().any(|s| last == format!("{n}{s}")) {
                return Some(w.to_string());
            }
        }
    }
    None
}

#[test]
fn only_the_registry_and_a_few_files_name_the_families() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for dir in [
        "src",
        "crates/mixture-cli/src",
        "crates/mixture-py/src",
        "python/mixture_em",
    ] {
        files(&root.join(dir), &mut all);
    }
    assert!(all.len() > 20, "{} source files found", all.len());
    let mut naming = Vec::new();
    for path in &all {
        let text = std::fs::read_to_string(path).expect("a text file");
        let python = path.extension().is_some_and(|e| e != "rs");
        let rel = path.strip_prefix(root).expect("under the root");
        let rel = rel.to_string_lossy().replace('\\', "/");
        if let Some(word) = names_a_family(&code(&text, python)) {
            naming.push((rel, word));
        }
    }
    let unexpected: Vec<_> = naming
        .iter()
        .filter(|(f, _)| !ALLOWED.contains(&f.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "these files name a family (go through the registry instead): {unexpected:?}"
    );
    // And each allowed file still does (else it leaves the list, which only shrinks).
    let mut named: Vec<&str> = naming.iter().map(|(f, _)| f.as_str()).collect();
    named.sort_unstable();
    let mut allowed = ALLOWED.to_vec();
    allowed.sort_unstable();
    assert_eq!(named, allowed, "{naming:?}");
}

#[test]
fn the_scanner_sees_code_and_skips_comments_and_strings() {
    assert_eq!(
        names_a_family(&code("use mixture::gauss::Gaussian;", false)),
        Some("mixture::gauss::Gaussian".into())
    );
    assert_eq!(
        names_a_family(&code("let m: PoissonMixture<f64> = x;", false)),
        Some("PoissonMixture".into())
    );
    assert_eq!(
        names_a_family(&code("// a Gaussian\nlet s = \"Gaussian\";", false)),
        None
    );
    let python = "\"\"\"GaussianMixture's docs\"\"\"\n# BernoulliMixture\nx = 'Poisson'\n";
    assert_eq!(names_a_family(&code(python, true)), None);
    assert_eq!(
        names_a_family(&code("class A(_sklearn.ExponentialMixture): ...", true)),
        Some("ExponentialMixture".into())
    );
    // Lifetimes are not strings.
    assert_eq!(
        names_a_family(&code("fn f<'a>(x: &'a GaussianMixture<T>) {}", false)),
        Some("GaussianMixture".into())
    );
}
