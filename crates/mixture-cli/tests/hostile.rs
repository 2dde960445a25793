//! The command given what a careless or hostile user gives it: sizes no machine has, files with
//! no line ends or giant fields, options that do not apply or are out of range, broken model
//! files. Each is exit status 2 and one short line on standard error; nothing is written.

mod common;

use common::*;

/// `fails`, and the line is short (no value echoed whole) and no output file appeared.
fn refused(dir: &std::path::Path, args: &[&str], needle: &str) {
    fails(dir, args, 2, needle);
    let out = mixture(dir, args);
    assert!(
        out.stderr.len() < 500,
        "{} bytes: {}",
        out.stderr.len(),
        out.stderr
    );
    assert!(!dir.join("out.csv").exists() && !dir.join("m2.json").exists());
}

#[test]
fn sizes_from_input_are_checked_before_anything_is_allocated() {
    let dir = workdir("sizes");
    ok(&dir, &["generate", "lesson", "-o", "x.csv"]);
    ok(&dir, &["fit", "-i", "x.csv", "-k", "3", "-m", "m.json"]);
    refused(
        &dir,
        &[
            "sample",
            "-m",
            "m.json",
            "-n",
            "1000000000000",
            "-o",
            "out.csv",
        ],
        "--n 1000000000000: 1000000000000 samples of 2 features would need 16000000000000 bytes",
    );
    refused(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--n-init",
            "1000000000000",
            "-m",
            "m2.json",
        ],
        "--n-init 1000000000000 is invalid",
    );
    refused(
        &dir,
        &["generate", "gaussian", "-d", "100000", "-o", "out.csv"],
        "--features 100000 is invalid",
    );
    // One row of a million columns: read, then its full covariance refused by size.
    let wide: Vec<String> = (0..1_000_000).map(|i| (i % 7).to_string()).collect();
    std::fs::write(dir.join("wide.csv"), wide.join(",") + "\n").unwrap();
    refused(
        &dir,
        &["fit", "-i", "wide.csv", "-k", "1", "-m", "m2.json"],
        "a fit of 1 component of 1000000 features",
    );
}

#[test]
fn inputs_without_line_ends_or_with_giant_fields_are_refused_in_one_short_line() {
    let dir = workdir("giant");
    #[cfg(unix)]
    refused(
        &dir,
        &["fit", "-i", "/dev/zero", "-k", "2", "-m", "m2.json"],
        "a line longer than 64 MiB",
    );
    let field = "7".repeat(5_000_000);
    std::fs::write(dir.join("field.csv"), format!("1,2\n3,{field}\n")).unwrap();
    refused(
        &dir,
        &["fit", "-i", "field.csv", "-k", "1", "-m", "m2.json"],
        "line 2, column 1: \"777777777777777777777777\"… (5000000 bytes) is not a number",
    );
    // An NPY header that does not parse: its multi-line message on one line.
    std::fs::write(
        dir.join("header.npy"),
        b"\x93NUMPY\x01\x00\x20\x00{'descr': '<f8',\n 'fortran_order': False, 'shape': (3, }\n",
    )
    .unwrap();
    refused(
        &dir,
        &["fit", "-i", "header.npy", "-k", "1"],
        "header.npy: not a readable NPY file",
    );
}

#[test]
fn options_are_checked_before_the_data_and_say_what_is_wrong() {
    let dir = workdir("options");
    ok(
        &dir,
        &[
            "generate", "gaussian", "-d", "6", "-n", "300", "-o", "x.csv",
        ],
    );
    ok(&dir, &["fit", "-i", "x.csv", "-k", "2", "-m", "m.json"]);
    // Negative values reach validation and name the option, before the file is read.
    for (args, needle) in [
        (
            &["fit", "-i", "missing.csv", "-k", "2", "--tol", "-1"][..],
            "--tol -1 is invalid",
        ),
        (
            &[
                "fit",
                "-i",
                "missing.csv",
                "-k",
                "2",
                "--relative-reg-covar=-1",
            ],
            "--relative-reg-covar -1 is invalid",
        ),
        (
            &[
                "fit",
                "-i",
                "missing.csv",
                "-k",
                "2",
                "--family",
                "bernoulli",
                "--covariance",
                "diag",
            ],
            "--covariance applies to the gaussian family only",
        ),
        (
            &[
                "fit",
                "-i",
                "missing.csv",
                "-k",
                "2",
                "--family",
                "exponential",
                "--relative-reg-covar",
                "1e-3",
            ],
            "--relative-reg-covar applies to the gaussian family only",
        ),
        (
            &[
                "fit",
                "-i",
                "missing.csv",
                "-k",
                "2",
                "--family",
                "exponential",
                "--reg-covar",
                "1e-3",
            ],
            "--reg-covar applies to the gaussian family only",
        ),
        (
            &["fit", "-i", "missing.csv", "-k", "2", "--prior", "2,2"],
            "--prior applies to the bernoulli family only (--family is gaussian)",
        ),
        (
            &[
                "fit",
                "-i",
                "missing.csv",
                "-k",
                "2",
                "--family",
                "bernoulli",
                "--min-mean",
                "1e-3",
            ],
            "--min-mean applies to the exponential family only",
        ),
        (
            &[
                "fit",
                "-i",
                "missing.csv",
                "-k",
                "2",
                "--family",
                "bernoulli",
                "--prior",
                "0.5,2",
            ],
            "--prior 0.5 is invalid",
        ),
        (
            &[
                "fit",
                "-i",
                "missing.csv",
                "-k",
                "2",
                "--family",
                "exponential",
                "--min-mean",
                "0",
            ],
            "--min-mean 0 is invalid",
        ),
        (
            &[
                "fit",
                "-i",
                "missing.csv",
                "-k",
                "2",
                "--family",
                "bernoulli",
                "--prior",
                "2",
            ],
            "A,B",
        ),
        (
            &[
                "select",
                "-i",
                "missing.csv",
                "--family",
                "bernoulli,exponential",
                "--covariance",
                "diag",
            ],
            "--covariance applies to the gaussian family only (--family is bernoulli,exponential)",
        ),
        (
            &["select", "-i", "missing.csv", "--reg-covar=-1"],
            "--reg-covar -1 is invalid",
        ),
    ] {
        fails(&dir, args, 2, needle);
    }
    // Usage errors are one line too.
    fails(
        &dir,
        &["fit", "-i", "x.csv"],
        2,
        "the following required arguments were not provided: --components",
    );
    fails(
        &dir,
        &["sample", "-m", "m.json", "-n", "-3", "-o", "out.csv"],
        2,
        "invalid value '-3' for '--n <N>'",
    );
    // The README's form of --dims.
    ok(
        &dir,
        &[
            "plot", "-m", "m.json", "-i", "x.csv", "-o", "p.png", "--dims", "2,5",
        ],
    );
    ok(
        &dir,
        &[
            "plot", "-m", "m.json", "-i", "x.csv", "-o", "p.png", "--dims", "2", "5",
        ],
    );
    fails(
        &dir,
        &[
            "plot", "-m", "m.json", "-i", "x.csv", "-o", "p.png", "--dims", "2",
        ],
        2,
        "--dims needs two features",
    );
}

#[test]
fn a_broken_model_file_is_bad_input_about_the_file() {
    let dir = workdir("badmodel");
    ok(&dir, &["generate", "lesson", "-o", "x.csv"]);
    ok(&dir, &["fit", "-i", "x.csv", "-k", "2", "-m", "m.json"]);
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("m.json")).unwrap()).unwrap();
    m["covariances"][0] = serde_json::json!([[1.0, 2.0], [2.0, 1.0]]);
    std::fs::write(dir.join("notpd.json"), m.to_string()).unwrap();
    // A small file claiming 10⁵ features (its covariance one 1×1 matrix): refused for its
    // shapes, nothing reserved from the claim.
    let mut liar = m.clone();
    liar["n_features"] = serde_json::json!(100_000);
    liar["means"] = serde_json::json!([vec![0.0; 100_000], vec![0.0; 100_000]]);
    liar["covariances"] = serde_json::json!([[[1.0]], [[1.0]]]);
    std::fs::write(dir.join("liar.json"), liar.to_string()).unwrap();
    fails(
        &dir,
        &["sample", "-m", "liar.json", "-n", "3", "-o", "s.csv"],
        2,
        "liar.json: malformed gaussian model file",
    );
    assert!(!dir.join("s.csv").exists());
    for args in [
        &["score", "-m", "notpd.json", "-i", "x.csv"][..],
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "2",
            "--init-model",
            "notpd.json",
        ],
    ] {
        fails(
            &dir,
            args,
            2,
            "notpd.json: malformed gaussian model file: component 0",
        );
    }
}

#[cfg(unix)]
#[test]
fn a_fit_beyond_the_address_space_limit_is_refused_up_front_not_aborted() {
    // 20 rows of 10 000 features: a full (or tied) covariance fit would peak at gigabytes of
    // D×D matrices, past a 4 GB limit on the process's address space; it is refused before
    // anything is allocated, in one line that says what needs less. The diagonal fit runs.
    let dir = workdir("address-space");
    let mut csv = String::new();
    for i in 0..20u32 {
        let row: Vec<String> = (0..10_000u32)
            .map(|j| format!("{}", ((i * 7919 + j * 104_729) % 1000) as f64 / 100.0))
            .collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    std::fs::write(dir.join("wide.csv"), csv).unwrap();
    let limited = |covariance: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v 4000000 && exec \"$0\" fit -i wide.csv -k 1 --covariance {covariance}"
            ))
            .arg(env!("CARGO_BIN_EXE_mixture"))
            .current_dir(&dir)
            .output()
            .unwrap()
    };
    for covariance in ["full", "tied"] {
        let out = limited(covariance);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{covariance}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("10000 features"), "{stderr}");
        assert!(
            stderr.contains("diagonal or spherical covariance"),
            "{stderr}"
        );
    }
    let out = limited("diag");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn weights_whose_total_overflows_are_named_as_a_total_not_one_rows_fault() {
    let dir = workdir("weight-total");
    ok(&dir, &["generate", "lesson", "-o", "x.csv"]);
    ok(&dir, &["fit", "-i", "x.csv", "-k", "2", "-m", "m.json"]);
    std::fs::write(dir.join("w.csv"), "1e308\n".repeat(600)).unwrap();
    for args in [
        &["fit", "-i", "x.csv", "-k", "2", "--weights", "w.csv"][..],
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "2",
            "--weights",
            "w.csv",
            "--stream",
        ],
        &["score", "-m", "m.json", "-i", "x.csv", "--weights", "w.csv"],
    ] {
        let out = mixture(&dir, args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        let last = out.stderr.lines().last().unwrap_or_default();
        assert!(last.starts_with("mixture: w.csv: the weights of"), "{last}");
        assert!(
            last.contains("divide every weight by the same constant"),
            "{last}"
        );
        assert!(!last.contains("row 599"), "{last}");
    }
}
