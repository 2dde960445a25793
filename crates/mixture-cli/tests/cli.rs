//! The `mixture` command run as a user runs it: every subcommand, every error, and the
//! agreement of its numbers with the library's.

use mixture::core::{Estimator, Init};
use mixture::gauss::Gaussian;
use mixture::model_file::{self, AnyMixture, AnyModel};
use std::path::Path;

mod common;

use common::*;

#[test]
fn fit_score_round_trip_matches_the_library() {
    let dir = workdir("roundtrip");
    ok(
        &dir,
        &["generate", "lesson", "--seed", "69", "--output", "x.csv"],
    );
    let fit = json(&ok(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--init",
            "random-rows",
            "--seed",
            "69",
            "--model",
            "m.json",
            "--json",
        ],
    ));
    let score = json(&ok(
        &dir,
        &[
            "score",
            "-m",
            "m.json",
            "-i",
            "x.csv",
            "--json",
            "--per-sample",
            "ll.csv",
        ],
    ));
    assert_eq!(fit["log_likelihood"], score["log_likelihood"]);
    assert_eq!(score["n_samples"], 600);
    for key in ["mean_log_likelihood", "n_iter", "converged", "bic", "aic"] {
        assert!(!fit[key].is_null(), "{key} missing");
    }
    // The library, on the same data with the same options, reaches the same log-likelihood.
    let blobs = mixture::datagen::lesson_blobs::<f64>(200, 69).unwrap();
    // (the command's defaults: 1000 iterations, tol 1e-5)
    let model = Estimator::new(Gaussian::full(), 3)
        .init(Init::RandomRows)
        .seed(69)
        .max_iter(1000)
        .tol(1e-5)
        .fit(&blobs.data)
        .unwrap();
    let lib_ll = model.mixture.log_likelihood(&blobs.data).unwrap();
    assert_eq!(fit["log_likelihood"].as_f64().unwrap(), lib_ll);
    // Per-sample values sum to the total.
    let per: f64 = std::fs::read_to_string(dir.join("ll.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.parse::<f64>().unwrap())
        .sum();
    assert!((per - lib_ll).abs() < 1e-9 * lib_ll.abs());
    // The saved model holds exactly the library's parameters.
    let AnyModel::F64(AnyMixture::Gaussian(loaded)) =
        model_file::load(&dir.join("m.json")).unwrap().model
    else {
        panic!("f64 gaussian")
    };
    assert_eq!(loaded.means(), model.mixture.means());
    assert_eq!(
        loaded.components().covariance_parameters(),
        model.mixture.components().covariance_parameters()
    );
    assert_eq!(loaded.weights(), model.mixture.weights());
    assert_eq!(loaded.log_likelihood(&blobs.data).unwrap(), lib_ll);
}

#[test]
fn saving_and_loading_is_bit_identical_in_both_precisions() {
    let dir = workdir("bits");
    ok(
        &dir,
        &[
            "generate", "gaussian", "-k", "3", "-d", "4", "-n", "500", "--seed", "3", "--output",
            "x.npy",
        ],
    );
    for precision in ["f64", "f32"] {
        ok(
            &dir,
            &[
                "fit",
                "-i",
                "x.npy",
                "-k",
                "3",
                "--precision",
                precision,
                "--model",
                "a.json",
            ],
        );
        let first = model_file::load(&dir.join("a.json")).unwrap().model;
        let again = match &first {
            AnyModel::F64(m) => model_file::to_json(m, None),
            AnyModel::F32(m) => model_file::to_json(m, None),
        };
        std::fs::write(dir.join("b.json"), &again).unwrap();
        let second = model_file::load(&dir.join("b.json")).unwrap().model;
        let text = |m: &AnyModel| match m {
            AnyModel::F64(m) => model_file::to_json(m, None),
            AnyModel::F32(m) => model_file::to_json(m, None),
        };
        assert_eq!(text(&first), text(&second), "{precision}");
        assert!(
            std::fs::read_to_string(dir.join("a.json"))
                .unwrap()
                .contains(&format!("\"precision\": \"{precision}\""))
        );
        // Scores through the loaded model equal the fit's own.
        let fit = json(&ok(
            &dir,
            &[
                "fit",
                "-i",
                "x.npy",
                "-k",
                "3",
                "--precision",
                precision,
                "--json",
            ],
        ));
        let score = json(&ok(
            &dir,
            &["score", "-m", "a.json", "-i", "x.npy", "--json"],
        ));
        assert_eq!(
            fit["log_likelihood"], score["log_likelihood"],
            "{precision}"
        );
    }
}

#[test]
fn init_model_reproduces_the_sklearn_fixture() {
    #[derive(serde::Deserialize)]
    struct Start {
        weights: Vec<f64>,
        means: Vec<Vec<f64>>,
    }
    #[derive(serde::Deserialize)]
    struct Final {
        weights: Vec<f64>,
        means: Vec<Vec<f64>>,
        covariances: Vec<f64>,
    }
    #[derive(serde::Deserialize)]
    struct TypeCase {
        start_covariances: Vec<f64>,
        #[serde(rename = "final")]
        final_: Final,
    }
    #[derive(serde::Deserialize)]
    struct Case {
        data: Vec<Vec<f64>>,
        start: Start,
        covariance_types: std::collections::BTreeMap<String, TypeCase>,
    }
    #[derive(serde::Deserialize)]
    struct Fixture {
        cases: Vec<Case>,
    }
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/sklearn_gmm.json"
    ))
    .unwrap();
    let fixture: Fixture = serde_json::from_str(&text).unwrap();
    let dir = workdir("sklearn");
    for case in &fixture.cases {
        let csv: String = case
            .data
            .iter()
            .map(|r| {
                r.iter()
                    .map(|v| format!("{v:?}"))
                    .collect::<Vec<_>>()
                    .join(",")
                    + "\n"
            })
            .collect();
        std::fs::write(dir.join("x.csv"), csv).unwrap();
        let (k, d) = (case.start.weights.len(), case.data[0].len());
        for (kind, tc) in &case.covariance_types {
            // The model file's shape for each type.
            let c = &tc.start_covariances;
            let covariances = match kind.as_str() {
                "full" => serde_json::json!(
                    c.chunks(d * d)
                        .map(|m| m.chunks(d).collect::<Vec<_>>())
                        .collect::<Vec<_>>()
                ),
                "diag" | "tied" => serde_json::json!(c.chunks(d).collect::<Vec<_>>()),
                _ => serde_json::json!(c),
            };
            let start = serde_json::json!({
                "format": "mixture-model", "version": 1, "family": "gaussian", "covariance": kind,
                "precision": "f64", "n_components": k, "n_features": d,
                "weights": case.start.weights, "means": case.start.means, "covariances": covariances,
            });
            std::fs::write(dir.join("start.json"), start.to_string()).unwrap();
            let ks = k.to_string();
            ok(
                &dir,
                &[
                    "fit",
                    "-i",
                    "x.csv",
                    "-k",
                    &ks,
                    "--init-model",
                    "start.json",
                    "--tol",
                    "0",
                    "--max-iter",
                    "10",
                    "--model",
                    "out.json",
                ],
            );
            let out = json(&std::fs::read_to_string(dir.join("out.json")).unwrap());
            assert_eq!(out["covariance"], kind.as_str());
            let close = |got: &serde_json::Value, want: f64, scale: f64| {
                let g = got.as_f64().unwrap();
                assert!(
                    (g - want).abs() <= 1e-9 * scale,
                    "{kind}: {g} vs sklearn {want}"
                );
            };
            for (i, w) in tc.final_.weights.iter().enumerate() {
                close(&out["weights"][i], *w, 1.0);
            }
            for (i, m) in tc.final_.means.iter().enumerate() {
                for (j, v) in m.iter().enumerate() {
                    close(&out["means"][i][j], *v, v.abs().max(1.0));
                }
            }
            // Flatten ours the way sklearn's were.
            fn leaves(v: &serde_json::Value, out: &mut Vec<f64>) {
                match v {
                    serde_json::Value::Array(a) => a.iter().for_each(|x| leaves(x, out)),
                    x => out.push(x.as_f64().unwrap()),
                }
            }
            let mut ours = Vec::new();
            leaves(&out["covariances"], &mut ours);
            let scale = tc
                .final_
                .covariances
                .iter()
                .fold(0.0f64, |m, v| m.max(v.abs()));
            assert_eq!(ours.len(), tc.final_.covariances.len(), "{kind}");
            for (g, w) in ours.iter().zip(&tc.final_.covariances) {
                close(&serde_json::json!(g), *w, scale);
            }
            assert_eq!(out["fit"]["n_iter"], 10);
        }
    }
}

#[test]
fn predict_sample_plot_and_generate_write_what_they_say() {
    let dir = workdir("outputs");
    ok(
        &dir,
        &[
            "generate",
            "lesson",
            "--output",
            "x.csv",
            "--labels",
            "truth.csv",
        ],
    );
    ok(&dir, &["fit", "-i", "x.csv", "-k", "3", "-m", "m.json"]);
    ok(
        &dir,
        &["predict", "-m", "m.json", "-i", "x.csv", "-o", "labels.csv"],
    );
    let labels = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    assert_eq!(labels.lines().next(), Some("label"));
    assert_eq!(labels.lines().count(), 601);
    assert!(labels.lines().skip(1).all(|l| ["0", "1", "2"].contains(&l)));
    ok(
        &dir,
        &[
            "predict",
            "-m",
            "m.json",
            "-i",
            "x.csv",
            "-o",
            "proba.csv",
            "--proba",
        ],
    );
    let proba = std::fs::read_to_string(dir.join("proba.csv")).unwrap();
    for line in proba.lines().skip(1) {
        let s: f64 = line.split(',').map(|v| v.parse::<f64>().unwrap()).sum();
        assert!((s - 1.0).abs() < 1e-12);
    }
    ok(
        &dir,
        &[
            "sample", "-m", "m.json", "-n", "50", "--seed", "4", "-o", "s.csv", "--labels",
            "sl.csv",
        ],
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("s.csv"))
            .unwrap()
            .lines()
            .count(),
        51
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("sl.csv"))
            .unwrap()
            .lines()
            .count(),
        51
    );
    // The same seed gives the same samples.
    ok(
        &dir,
        &[
            "sample", "-m", "m.json", "-n", "50", "--seed", "4", "-o", "s2.csv",
        ],
    );
    assert_eq!(
        std::fs::read(dir.join("s.csv")).unwrap(),
        std::fs::read(dir.join("s2.csv")).unwrap()
    );
    ok(
        &dir,
        &[
            "plot",
            "-m",
            "m.json",
            "-i",
            "x.csv",
            "-o",
            "fit.png",
            "--samples",
            "600",
            "--samples-output",
            "s.png",
        ],
    );
    for f in ["fit.png", "s.png"] {
        let bytes = std::fs::read(dir.join(f)).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
    }
    // One feature: a histogram instead of contours.
    std::fs::write(
        dir.join("one.csv"),
        (0..200)
            .map(|i| {
                format!(
                    "{}\n",
                    (i as f64 * 0.7).sin() + if i % 2 == 0 { 3.0 } else { 0.0 }
                )
            })
            .collect::<String>(),
    )
    .unwrap();
    ok(&dir, &["fit", "-i", "one.csv", "-k", "2", "-m", "one.json"]);
    ok(
        &dir,
        &["plot", "-m", "one.json", "-i", "one.csv", "-o", "one.png"],
    );
    assert_eq!(&std::fs::read(dir.join("one.png")).unwrap()[1..4], b"PNG");
    // Other families: generate, fit, plot.
    ok(
        &dir,
        &[
            "generate",
            "bernoulli",
            "--digits",
            "-n",
            "600",
            "--output",
            "b.npy",
        ],
    );
    ok(
        &dir,
        &[
            "fit",
            "-i",
            "b.npy",
            "-k",
            "10",
            "--family",
            "bernoulli",
            "-m",
            "b.json",
            "--n-init",
            "3",
        ],
    );
    ok(
        &dir,
        &[
            "plot",
            "-m",
            "b.json",
            "-i",
            "b.npy",
            "-o",
            "protos.png",
            "--shape",
            "8x8",
        ],
    );
    ok(
        &dir,
        &[
            "generate",
            "exponential",
            "-k",
            "2",
            "-d",
            "3",
            "--output",
            "e.csv",
        ],
    );
    ok(
        &dir,
        &[
            "fit",
            "-i",
            "e.csv",
            "-k",
            "2",
            "--family",
            "exponential",
            "-m",
            "e.json",
            "--precision",
            "f32",
            "--stop",
            "mean-shift",
        ],
    );
    ok(
        &dir,
        &["plot", "-m", "e.json", "-i", "e.csv", "-o", "hist.png"],
    );
    // Samples are drawn over density contours, which these families' pictures are not.
    fails(
        &dir,
        &[
            "plot",
            "-m",
            "e.json",
            "-i",
            "e.csv",
            "-o",
            "e_fit.png",
            "--samples",
            "10",
            "--samples-output",
            "e_samples.png",
        ],
        2,
        "--samples draws density contours, which exponential models of 3 feature(s) do not have",
    );
    assert!(!dir.join("e_fit.png").exists() && !dir.join("e_samples.png").exists());
    // Counts: the Poisson family fits, draws bar charts and refuses a fraction by its place.
    let counts: String = (0..300)
        .map(|i| format!("{},{}\n", (i * 7) % 4, 10 + (i * 13) % 9 * (i % 2)))
        .collect();
    std::fs::write(dir.join("counts.csv"), counts).unwrap();
    ok(
        &dir,
        &[
            "fit",
            "-i",
            "counts.csv",
            "-k",
            "2",
            "--family",
            "poisson",
            "-m",
            "p.json",
        ],
    );
    ok(
        &dir,
        &[
            "plot",
            "-m",
            "p.json",
            "-i",
            "counts.csv",
            "-o",
            "counts.png",
        ],
    );
    assert!(std::fs::metadata(dir.join("counts.png")).unwrap().len() > 1000);
    ok(
        &dir,
        &[
            "generate", "poisson", "-k", "2", "-d", "2", "-n", "400", "--output", "gen.csv",
        ],
    );
    let fitted = ok(
        &dir,
        &[
            "fit", "-i", "gen.csv", "-k", "2", "--family", "poisson", "--json",
        ],
    );
    assert_eq!(json(&fitted)["n_samples"], 400, "{fitted}");
    std::fs::write(dir.join("fraction.csv"), "1,2\n3,0.5\n").unwrap();
    fails(
        &dir,
        &["score", "-m", "p.json", "-i", "fraction.csv"],
        2,
        "row 1, column 1 holds 0.5, outside the poisson family's domain",
    );
    for f in ["protos.png", "hist.png"] {
        assert!(std::fs::metadata(dir.join(f)).unwrap().len() > 1000);
    }
}

#[test]
fn csv_headers_npy_layouts_and_verbose_trace() {
    let dir = workdir("inputs");
    // Header detected, blank lines skipped, spaces trimmed.
    std::fs::write(dir.join("h.csv"), "a, b\n1, 2\n\n3,4\n5,6.5\n7,8\n").unwrap();
    let out = mixture(&dir, &["fit", "-i", "h.csv", "-k", "2", "--verbose"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .lines()
            .next()
            .unwrap()
            .starts_with("0: Mean-diff = "),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("Converged after"));
    // A numeric first row forced to be a header.
    std::fs::write(dir.join("n.csv"), "9,9\n1,2\n3,4\n").unwrap();
    let with = json(&ok(
        &dir,
        &["fit", "-i", "n.csv", "-k", "1", "--header", "--json"],
    ));
    assert_eq!(with["n_samples"], 2);
    // NPY: a Fortran-ordered 2-D array and a 1-D array.
    let fortran = npy_bytes("<f8", "(3, 2)", true, &[1.0, 2.0, 3.0, 10.0, 20.0, 30.0]);
    std::fs::write(dir.join("f.npy"), fortran).unwrap();
    ok(&dir, &["fit", "-i", "f.npy", "-k", "1", "-m", "f.json"]);
    let m = json(&std::fs::read_to_string(dir.join("f.json")).unwrap());
    assert_eq!(m["means"][0][0], 2.0);
    assert_eq!(m["means"][0][1], 20.0);
    let one_d = npy_bytes("<f4", "(4,)", false, &[1.0, 2.0, 3.0, 4.0]);
    std::fs::write(dir.join("v.npy"), one_d).unwrap();
    let v = json(&ok(&dir, &["fit", "-i", "v.npy", "-k", "1", "--json"]));
    assert_eq!(v["n_features"], 1);
}

/// A version-1 NPY file of `values` (f8 or f4).
fn npy_bytes(dtype: &str, shape: &str, fortran: bool, values: &[f64]) -> Vec<u8> {
    let dict = format!(
        "{{'descr': '{dtype}', 'fortran_order': {}, 'shape': {shape}, }}",
        if fortran { "True" } else { "False" }
    );
    let mut header = dict.into_bytes();
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(b' ');
    }
    header.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(&header);
    for v in values {
        if dtype == "<f8" {
            out.extend_from_slice(&v.to_le_bytes());
        } else {
            out.extend_from_slice(&(*v as f32).to_le_bytes());
        }
    }
    out
}

#[test]
fn every_bad_input_is_one_line_and_a_status() {
    let dir = workdir("errors");
    ok(
        &dir,
        &[
            "generate",
            "lesson",
            "--n-per-mode",
            "20",
            "--output",
            "x.csv",
        ],
    );
    ok(&dir, &["fit", "-i", "x.csv", "-k", "3", "-m", "m.json"]);
    fails(
        &dir,
        &["fit", "-i", "missing.csv", "-k", "2"],
        2,
        "missing.csv",
    );
    std::fs::write(dir.join("ragged.csv"), "1,2\n3,4\n5\n").unwrap();
    fails(
        &dir,
        &["fit", "-i", "ragged.csv", "-k", "1"],
        2,
        "line 3 has 1 values",
    );
    std::fs::write(dir.join("words.csv"), "1,2\n3,four\n").unwrap();
    fails(
        &dir,
        &["fit", "-i", "words.csv", "-k", "1"],
        2,
        "line 2, column 1: \"four\" is not a number",
    );
    std::fs::write(dir.join("nan.csv"), "1,2\nNaN,4\n").unwrap();
    fails(
        &dir,
        &["fit", "-i", "nan.csv", "-k", "1"],
        2,
        "line 2, column 0: \"NaN\" is not finite",
    );
    std::fs::write(dir.join("inf.csv"), "1,2\n3,-inf\n").unwrap();
    fails(
        &dir,
        &["fit", "-i", "inf.csv", "-k", "1"],
        2,
        "line 2, column 1",
    );
    std::fs::write(dir.join("empty.csv"), "").unwrap();
    fails(
        &dir,
        &["fit", "-i", "empty.csv", "-k", "1"],
        2,
        "no data rows",
    );
    std::fs::write(dir.join("three.csv"), "1,2,3\n4,5,6\n").unwrap();
    fails(
        &dir,
        &["score", "-m", "m.json", "-i", "three.csv"],
        2,
        "3 columns but the model has 2 features",
    );
    std::fs::write(dir.join("bits.csv"), "0,1\n1,2\n").unwrap();
    fails(
        &dir,
        &["fit", "-i", "bits.csv", "-k", "1", "--family", "bernoulli"],
        2,
        "row 1, column 1 holds 2",
    );
    fails(
        &dir,
        &["fit", "-i", "x.csv", "-k", "100"],
        2,
        "100 components but only 60 rows",
    );
    fails(
        &dir,
        &["fit", "-i", "x.csv", "-k", "2", "--tol=-1"],
        2,
        "tol",
    );
    fails(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "2",
            "--family",
            "exponential",
            "--reg-covar",
            "1e-3",
        ],
        2,
        "gaussian family only",
    );
    // Model files of another format, another version, or broken.
    std::fs::write(
        dir.join("other.json"),
        r#"{"format": "something-else", "version": 1}"#,
    )
    .unwrap();
    fails(
        &dir,
        &["score", "-m", "other.json", "-i", "x.csv"],
        2,
        "not a mixture model file",
    );
    std::fs::write(
        dir.join("v9.json"),
        r#"{"format": "mixture-model", "version": 9}"#,
    )
    .unwrap();
    fails(
        &dir,
        &["score", "-m", "v9.json", "-i", "x.csv"],
        2,
        "version 9 is not supported",
    );
    std::fs::write(
        dir.join("broken.json"),
        r#"{"format": "mixture-model", "version": 1, "weights": ["#,
    )
    .unwrap();
    fails(
        &dir,
        &["score", "-m", "broken.json", "-i", "x.csv"],
        2,
        "broken.json",
    );
    let good = std::fs::read_to_string(dir.join("m.json")).unwrap();
    std::fs::write(
        dir.join("shape.json"),
        good.replacen("\"n_features\": 2", "\"n_features\": 3", 1),
    )
    .unwrap();
    fails(
        &dir,
        &["score", "-m", "shape.json", "-i", "x.csv"],
        2,
        "the parameters describe 3 components of 2 features but the header says 3 of 3",
    );
    // A failure while fitting: a constant column and no regularisation.
    std::fs::write(
        dir.join("flat.csv"),
        (0..30).map(|i| format!("{i},1\n")).collect::<String>(),
    )
    .unwrap();
    fails(
        &dir,
        &["fit", "-i", "flat.csv", "-k", "2", "--reg-covar", "0"],
        1,
        "raise reg_covar",
    );
    // Usage errors are clap's, with status 2.
    assert_eq!(mixture(&dir, &["fit", "--bogus"]).code, 2);
}

#[test]
fn failures_leave_no_file_and_keep_good_ones() {
    let dir = workdir("atomic");
    ok(
        &dir,
        &[
            "generate",
            "lesson",
            "--n-per-mode",
            "20",
            "--output",
            "x.csv",
        ],
    );
    ok(&dir, &["fit", "-i", "x.csv", "-k", "3", "-m", "m.json"]);
    ok(
        &dir,
        &["predict", "-m", "m.json", "-i", "x.csv", "-o", "labels.csv"],
    );
    let before = std::fs::read(dir.join("labels.csv")).unwrap();
    std::fs::write(dir.join("bad.csv"), "1,2\nx,y\n").unwrap();
    fails(
        &dir,
        &[
            "predict",
            "-m",
            "m.json",
            "-i",
            "bad.csv",
            "-o",
            "labels.csv",
        ],
        2,
        "bad.csv",
    );
    assert_eq!(std::fs::read(dir.join("labels.csv")).unwrap(), before);
    // A fit that fails writes no model.
    std::fs::write(
        dir.join("flat.csv"),
        (0..30).map(|i| format!("{i},1\n")).collect::<String>(),
    )
    .unwrap();
    fails(
        &dir,
        &[
            "fit",
            "-i",
            "flat.csv",
            "-k",
            "2",
            "--reg-covar",
            "0",
            "-m",
            "new.json",
        ],
        1,
        "component",
    );
    assert!(!dir.join("new.json").exists());
    fails(
        &dir,
        &[
            "sample",
            "-m",
            "m.json",
            "-n",
            "5",
            "-o",
            "no/such/dir/s.csv",
        ],
        2,
        "no/such/dir/s.csv",
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn demo_runs_the_lesson_end_to_end() {
    let dir = workdir("demo");
    let out = ok(&dir, &["demo", "--out-dir", "out"]);
    assert!(out.lines().next().unwrap().starts_with("0: Mean-diff = "));
    assert!(out.contains("Converged after"));
    assert!(out.contains("log[p(X)] = -"));
    for f in [
        "lesson_data.csv",
        "model.json",
        "gmm_fit.png",
        "gmm_samples.png",
    ] {
        assert!(dir.join("out").join(f).exists(), "{f} missing");
        assert!(out.contains(f), "{f} not announced");
    }
}

#[test]
fn degenerate_policies_and_relative_regularisation_from_the_command_line() {
    let dir = workdir("degenerate");
    // Data of scale 1e-8: an absolute reg_covar of 1e-6 would swamp them; a relative one fits.
    let rows: String = (0..200)
        .map(|i| {
            let t = i as f64 * 0.61;
            let (cx, cy) = if i % 2 == 0 { (0.0, 0.0) } else { (5.0, 5.0) };
            format!("{:e},{:e}\n", (cx + t.sin()) * 1e-8, (cy + t.cos()) * 1e-8)
        })
        .collect();
    std::fs::write(dir.join("tiny.csv"), rows).unwrap();
    let rel = json(&ok(
        &dir,
        &[
            "fit",
            "-i",
            "tiny.csv",
            "-k",
            "2",
            "--relative-reg-covar",
            "1e-6",
            "--json",
            "-m",
            "rel.json",
        ],
    ));
    let abs = json(&ok(&dir, &["fit", "-i", "tiny.csv", "-k", "2", "--json"]));
    assert!(
        rel["log_likelihood"].as_f64().unwrap() > abs["log_likelihood"].as_f64().unwrap() + 1000.0
    );
    let model = json(&std::fs::read_to_string(dir.join("rel.json")).unwrap());
    assert_eq!(model["fit"]["options"]["relative_reg_covar"], 1e-6);
    // A start with a hopeless third component: re-seeded, dropped, or an error, as asked.
    std::fs::write(
        dir.join("x.csv"),
        (0..60)
            .map(|i| format!("{},{}\n", (i % 2) * 10, (i as f64 * 0.3).sin()))
            .collect::<String>(),
    )
    .unwrap();
    let start = serde_json::json!({
        "format": "mixture-model", "version": 1, "family": "gaussian", "precision": "f64",
        "n_components": 3, "n_features": 2, "weights": [0.45, 0.45, 0.1],
        "means": [[0.0, 0.0], [10.0, 0.0], [1e4, 1e4]],
        "covariances": [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [[1e-4, 0.0], [0.0, 1e-4]]],
    });
    std::fs::write(dir.join("start.json"), start.to_string()).unwrap();
    let base = [
        "fit",
        "-i",
        "x.csv",
        "-k",
        "3",
        "--init-model",
        "start.json",
        "--json",
    ];
    let reseed = json(&ok(&dir, &base));
    assert_eq!(reseed["degenerate"][0]["reason"], "empty");
    assert_eq!(reseed["degenerate"][0]["action"], "reseeded");
    assert!(reseed["degenerate"][0]["row"].is_u64(), "{reseed}");
    assert_eq!(reseed["n_components"], 3);
    let drop = json(&ok(
        &dir,
        &[&base[..], &["--on-degenerate", "drop", "-m", "d.json"]].concat(),
    ));
    assert_eq!(drop["degenerate"][0]["action"], "dropped");
    assert!(drop["degenerate"][0]["row"].is_null());
    assert_eq!(drop["n_components"], 2);
    assert_eq!(
        json(&std::fs::read_to_string(dir.join("d.json")).unwrap())["n_components"],
        2
    );
    fails(
        &dir,
        &[&base[..], &["--on-degenerate", "error"]].concat(),
        1,
        "component 2 received a total weight of 0 rows",
    );
}

#[test]
fn weights_from_a_file_fit_and_score_as_repeated_rows() {
    let dir = workdir("weights");
    ok(
        &dir,
        &["generate", "lesson", "--seed", "4", "--output", "x.csv"],
    );
    let text = std::fs::read_to_string(dir.join("x.csv")).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    // Weights 0, 1, 2, 3 in turn, as a CSV with a header; the repeated rows as another file.
    let mut weights = String::from("weight\n");
    let mut repeated = format!("{}\n", text.lines().next().unwrap());
    for (i, row) in rows.iter().enumerate() {
        let w = i % 4;
        weights.push_str(&format!("{w}\n"));
        for _ in 0..w {
            repeated.push_str(row);
            repeated.push('\n');
        }
    }
    std::fs::write(dir.join("w.csv"), weights).unwrap();
    std::fs::write(dir.join("r.csv"), repeated).unwrap();
    ok(
        &dir,
        &[
            "fit",
            "-i",
            "r.csv",
            "-k",
            "3",
            "--max-iter",
            "5",
            "--model",
            "r.json",
        ],
    );
    let fit = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--init-model",
            "r.json",
            "--tol",
            "0",
            "--max-iter",
            "10",
            "--json",
        ];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(&dir, &args)).unwrap()
    };
    let weighted = fit(&["--weights", "w.csv", "--model", "w.json"]);
    let mut args = vec![
        "fit",
        "-i",
        "r.csv",
        "-k",
        "3",
        "--init-model",
        "r.json",
        "--tol",
        "0",
        "--max-iter",
        "10",
        "--json",
    ];
    args.extend_from_slice(&["--model", "rr.json"]);
    let copies: serde_json::Value = serde_json::from_str(&ok(&dir, &args)).unwrap();
    let (a, b) = (
        weighted["log_likelihood"].as_f64().unwrap(),
        copies["log_likelihood"].as_f64().unwrap(),
    );
    assert!((a - b).abs() < 1e-12 * a.abs(), "{a} vs {b}");
    assert_eq!(
        weighted["weight_total"].as_f64().unwrap(),
        1.5 * rows.len() as f64
    );
    let (a, b) = (
        weighted["bic"].as_f64().unwrap(),
        copies["bic"].as_f64().unwrap(),
    );
    assert!((a - b).abs() < 1e-12 * a.abs());
    // The model file says the fit was weighted, and by what.
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("w.json")).unwrap()).unwrap();
    assert_eq!(file["fit"]["weights"], "w.csv");
    assert_eq!(
        file["fit"]["weight_total"].as_f64().unwrap(),
        1.5 * rows.len() as f64
    );
    // score --weights gives the weighted total and its mean per unit of weight.
    let scored: serde_json::Value = serde_json::from_str(&ok(
        &dir,
        &[
            "score",
            "-m",
            "w.json",
            "-i",
            "x.csv",
            "--weights",
            "w.csv",
            "--json",
        ],
    ))
    .unwrap();
    let on_copies: serde_json::Value = serde_json::from_str(&ok(
        &dir,
        &["score", "-m", "w.json", "-i", "r.csv", "--json"],
    ))
    .unwrap();
    let (a, b) = (
        scored["mean_log_likelihood"].as_f64().unwrap(),
        on_copies["mean_log_likelihood"].as_f64().unwrap(),
    );
    assert!((a - b).abs() < 1e-12 * a.abs(), "{a} vs {b}");
}

#[test]
fn bad_weights_are_one_line_exit_2_and_nothing_written() {
    let dir = workdir("bad-weights");
    ok(
        &dir,
        &["generate", "lesson", "--seed", "4", "--output", "x.csv"],
    );
    let n = std::fs::read_to_string(dir.join("x.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    let write = |name: &str, values: Vec<String>| {
        std::fs::write(dir.join(name), values.join("\n") + "\n").unwrap();
    };
    let ones = |n: usize| vec!["1".to_string(); n];
    let mut negative = ones(n);
    negative[5] = "-2".into();
    write("neg.csv", negative);
    let mut nan = ones(n);
    nan[9] = "NaN".into();
    write("nan.csv", nan);
    write("zero.csv", vec!["0".to_string(); n]);
    write("short.csv", ones(n - 1));
    write("two.csv", vec!["1,1".to_string(); n]);
    let cases = [
        ("neg.csv", "the weight of row 5 is -2"),
        (
            "nan.csv",
            "nan.csv: line 10, column 0: \"NaN\" is not finite",
        ),
        ("zero.csv", &format!("all {n} weights are zero") as &str),
        ("short.csv", &format!("{} weights for {n} rows", n - 1)),
        ("two.csv", "one column"),
    ];
    for (file, needle) in cases {
        fails(
            &dir,
            &[
                "fit",
                "-i",
                "x.csv",
                "-k",
                "3",
                "--weights",
                file,
                "--model",
                "m.json",
            ],
            2,
            needle,
        );
        assert!(!dir.join("m.json").exists(), "{file}: a model was written");
    }
    ok(
        &dir,
        &["fit", "-i", "x.csv", "-k", "3", "--model", "m.json"],
    );
    let before = std::fs::read(dir.join("m.json")).unwrap();
    fails(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--weights",
            "neg.csv",
            "--model",
            "m.json",
        ],
        2,
        "neg.csv: the weight of row 5 is -2",
    );
    assert_eq!(std::fs::read(dir.join("m.json")).unwrap(), before);
    fails(
        &dir,
        &[
            "score",
            "-m",
            "m.json",
            "-i",
            "x.csv",
            "--weights",
            "short.csv",
        ],
        2,
        "short.csv",
    );
    fails(
        &dir,
        &[
            "score",
            "-m",
            "m.json",
            "-i",
            "x.csv",
            "--weights",
            "missing.csv",
        ],
        2,
        "missing.csv",
    );
}

/// The model file's parameters and the fit's figures, without the record of how it ran.
fn fitted_numbers(dir: &Path, model: &str, out: &serde_json::Value) -> String {
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(model)).unwrap()).unwrap();
    m.as_object_mut().unwrap().remove("fit");
    format!(
        "{m} {} {} {} {}",
        out["log_likelihood"], out["bic"], out["n_iter"], out["weight_total"]
    )
}

#[test]
fn streamed_fits_are_in_memory_fits_for_csv_and_npy() {
    let dir = workdir("stream");
    ok(
        &dir,
        &["generate", "lesson", "--seed", "5", "--output", "x.csv"],
    );
    let text = std::fs::read_to_string(dir.join("x.csv")).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    let n = rows.len();
    let (a, b): (Vec<f64>, Vec<f64>) = rows.iter().map(|r| (r[0], r[1])).unzip();
    let c_order: Vec<f64> = rows.iter().flatten().copied().collect();
    let f_order: Vec<f64> = a.iter().chain(&b).copied().collect();
    let shape = format!("({n}, 2)");
    std::fs::write(dir.join("c.npy"), npy_bytes("<f8", &shape, false, &c_order)).unwrap();
    std::fs::write(dir.join("f.npy"), npy_bytes("<f8", &shape, true, &f_order)).unwrap();
    std::fs::write(
        dir.join("c32.npy"),
        npy_bytes("<f4", &shape, false, &c_order),
    )
    .unwrap();
    let weights: String = (0..n)
        .map(|i| format!("{}\n", [1.0, 0.5, 2.0, 0.0][i % 4]))
        .collect();
    std::fs::write(dir.join("w.csv"), format!("w\n{weights}")).unwrap();
    for input in ["x.csv", "c.npy", "f.npy", "c32.npy"] {
        for precision in ["f64", "f32"] {
            for family in ["gaussian", "exponential"] {
                let input_for = if family == "exponential" {
                    "abs"
                } else {
                    input
                };
                if family == "exponential" {
                    // Exponential data: the absolute values, as CSV.
                    let abs: String = rows
                        .iter()
                        .map(|r| format!("{},{}\n", r[0].abs(), r[1].abs()))
                        .collect();
                    std::fs::write(dir.join("abs"), abs).unwrap();
                }
                for weighted in [false, true] {
                    let mut args = vec![
                        "fit",
                        "-i",
                        input_for,
                        "-k",
                        "3",
                        "--family",
                        family,
                        "--precision",
                        precision,
                        "--max-iter",
                        "6",
                        "--n-init",
                        "2",
                        "--json",
                    ];
                    if weighted {
                        args.extend(["--weights", "w.csv"]);
                    }
                    let memory = json(&ok(&dir, &[&args[..], &["--model", "m.json"]].concat()));
                    let memory = fitted_numbers(&dir, "m.json", &memory);
                    let streamed = json(&ok(
                        &dir,
                        &[&args[..], &["--stream", "--model", "s.json"]].concat(),
                    ));
                    assert_eq!(streamed["streamed"], true);
                    let streamed = fitted_numbers(&dir, "s.json", &streamed);
                    assert_eq!(
                        memory, streamed,
                        "{input_for} {precision} {family} {weighted}"
                    );
                }
            }
        }
    }
    // Bernoulli codes as NPY, and a 1-D NPY (one feature).
    ok(
        &dir,
        &[
            "generate",
            "bernoulli",
            "-k",
            "3",
            "-d",
            "6",
            "-n",
            "500",
            "--seed",
            "2",
            "--output",
            "b.npy",
        ],
    );
    let one_d: Vec<f64> = a.clone();
    std::fs::write(
        dir.join("v.npy"),
        npy_bytes("<f4", &format!("({n},)"), false, &one_d),
    )
    .unwrap();
    for (input, family) in [("b.npy", "bernoulli"), ("v.npy", "gaussian")] {
        for precision in ["f64", "f32"] {
            let args = [
                "fit",
                "-i",
                input,
                "-k",
                "3",
                "--family",
                family,
                "--precision",
                precision,
                "--max-iter",
                "6",
                "--json",
            ];
            let memory = json(&ok(&dir, &[&args[..], &["--model", "m.json"]].concat()));
            let memory = fitted_numbers(&dir, "m.json", &memory);
            let streamed = json(&ok(
                &dir,
                &[&args[..], &["--stream", "--model", "s.json"]].concat(),
            ));
            assert_eq!(
                memory,
                fitted_numbers(&dir, "s.json", &streamed),
                "{input} {precision}"
            );
        }
    }
    // Without --stream, a file larger than --memory-limit is streamed, and the output says so.
    let out = ok(
        &dir,
        &["fit", "-i", "c.npy", "-k", "3", "--memory-limit", "1K"],
    );
    assert!(
        out.starts_with("streaming c.npy from disk: its data"),
        "{out}"
    );
    let out = ok(&dir, &["fit", "-i", "c.npy", "-k", "3"]);
    assert!(!out.contains("streaming"), "{out}");
    let out = mixture(
        &dir,
        &["fit", "-i", "c.npy", "-k", "3", "--memory-limit", "lots"],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("\"lots\" is not a size"),
        "{}",
        out.stderr
    );
}

#[test]
fn streamed_bad_input_names_the_line_and_writes_nothing() {
    let dir = workdir("stream-bad");
    ok(
        &dir,
        &["generate", "lesson", "--seed", "6", "--output", "x.csv"],
    );
    let mut text = std::fs::read_to_string(dir.join("x.csv")).unwrap();
    text.push_str("0.5,oops\n1.0,2.0\n");
    let line = text.lines().count() - 1;
    std::fs::write(dir.join("bad.csv"), &text).unwrap();
    fails(
        &dir,
        &[
            "fit", "-i", "bad.csv", "-k", "3", "--stream", "--model", "m.json",
        ],
        2,
        &format!("bad.csv: line {line}, column 1: \"oops\" is not a number"),
    );
    assert!(!dir.join("m.json").exists());
    // Weights that run out before the rows.
    std::fs::write(dir.join("w.csv"), "1\n1\n1\n").unwrap();
    fails(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--stream",
            "--weights",
            "w.csv",
            "--model",
            "m.json",
        ],
        2,
        "w.csv: 3 weights for 600 rows",
    );
    assert!(!dir.join("m.json").exists());
}

#[test]
fn score_and_predict_stream_their_input_with_the_same_results() {
    let dir = workdir("stream-score");
    ok(
        &dir,
        &[
            "generate",
            "lesson",
            "--n-per-mode",
            "7000",
            "--seed",
            "7",
            "--output",
            "x.csv",
        ],
    );
    ok(
        &dir,
        &["fit", "-i", "x.csv", "-k", "3", "--model", "m.json"],
    );
    let score = json(&ok(
        &dir,
        &[
            "score",
            "-m",
            "m.json",
            "-i",
            "x.csv",
            "--json",
            "--per-sample",
            "ll.csv",
        ],
    ));
    assert_eq!(score["n_samples"], 21000);
    let per: Vec<f64> = std::fs::read_to_string(dir.join("ll.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(per.len(), 21000);
    let sum: f64 = per.iter().sum();
    let total = score["log_likelihood"].as_f64().unwrap();
    assert!((sum - total).abs() < 1e-9 * total.abs());
    // The library on the whole matrix gives the same labels and responsibilities.
    let x = mixture_cli::sources::read_matrix::<f64>(
        &dir.join("x.csv"),
        mixture_cli::files::Header::Detect,
    )
    .unwrap();
    let AnyModel::F64(AnyMixture::Gaussian(model)) =
        model_file::load(&dir.join("m.json")).unwrap().model
    else {
        panic!("gaussian")
    };
    assert_eq!(model.log_likelihood(&x).unwrap(), total);
    ok(
        &dir,
        &["predict", "-m", "m.json", "-i", "x.csv", "-o", "labels.csv"],
    );
    let labels: Vec<usize> = std::fs::read_to_string(dir.join("labels.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(labels, model.predict(&x).unwrap());
    ok(
        &dir,
        &[
            "predict", "-m", "m.json", "-i", "x.csv", "-o", "p.npy", "--proba",
        ],
    );
    let bytes = std::fs::read(dir.join("p.npy")).unwrap();
    let p = mixture_cli::files::read_npy::<f64, _>(&bytes[..], bytes.len() as u64).unwrap();
    assert_eq!(p, model.predict_proba(&x).unwrap());
}

/// A directory holding the same kind of data as x.csv, x.npy (C order) and f.npy (Fortran
/// order), for tests that change files under a reader.
fn files_to_change(name: &str) -> std::path::PathBuf {
    let dir = workdir(name);
    ok(
        &dir,
        &["generate", "lesson", "--seed", "8", "--output", "x.csv"],
    );
    let values: Vec<f64> = (0..40).map(f64::from).collect();
    for (file, fortran) in [("x.npy", false), ("f.npy", true)] {
        std::fs::write(
            dir.join(file),
            npy_bytes("<f8", "(20, 2)", fortran, &values),
        )
        .unwrap();
    }
    dir
}

#[test]
fn a_file_that_changes_between_passes_is_an_error() {
    use mixture_cli::files::Header;
    use mixture_cli::sources::FileSource;
    use mixture_core::BlockSource;
    let dir = files_to_change("changes");
    for name in ["x.csv", "x.npy"] {
        let path = dir.join(name);
        let mut source = FileSource::<f64>::open(&path, Header::Detect).unwrap();
        let mut buf = Vec::new();
        assert!(source.read_block(&mut buf, 8).unwrap() > 0);
        source.rewind().unwrap(); // unchanged: fine
        assert!(source.read_block(&mut buf, 8).unwrap() > 0);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(b"1.0,2.0\n");
        std::fs::write(&path, bytes).unwrap();
        let err = source.rewind().unwrap_err();
        assert!(
            err.to_string().contains("changed while it was being read"),
            "{err}"
        );
        assert!(err.to_string().contains(name), "{err}");
    }
}

#[test]
fn a_file_that_changes_under_a_pass_keeping_its_size_and_time_is_an_error() {
    use mixture_cli::files::Header;
    use mixture_cli::sources::FileSource;
    use mixture_core::BlockSource;
    let dir = files_to_change("changes-kept");
    let whole_pass = |source: &mut FileSource<f64>, block: usize| {
        let mut buf = Vec::new();
        let mut rows = 0;
        loop {
            match source.read_block(&mut buf, block) {
                Ok(0) => return Ok(rows),
                Ok(n) => rows += n,
                Err(e) => return Err(e),
            }
        }
    };
    for name in ["x.csv", "x.npy", "f.npy"] {
        let path = dir.join(name);
        let mut source = FileSource::<f64>::open(&path, Header::Detect).unwrap();
        let rows = whole_pass(&mut source, 8).unwrap();
        // Unchanged, in other blocks, and asked again past the end: the same values.
        source.rewind().unwrap();
        assert_eq!(whole_pass(&mut source, 3).unwrap(), rows);
        assert_eq!(whole_pass(&mut source, 3).unwrap(), 0);
        // One byte of a value changed in place; the size and modification time put back.
        let when = std::fs::metadata(&path).unwrap().modified().unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() - 3;
        bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
        std::fs::write(&path, &bytes).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(when)
            .unwrap();
        source.rewind().unwrap();
        let err = whole_pass(&mut source, 8).unwrap_err().to_string();
        assert!(
            err.contains("changed while it was being read"),
            "{name}: {err}"
        );
        assert!(err.contains("pass 3"), "{name}: {err}");
        assert!(err.contains(name), "{err}");
    }
}

#[test]
fn select_ranks_a_grid_saves_the_best_model_and_draws_the_criterion() {
    let dir = workdir("select");
    ok(
        &dir,
        &[
            "generate", "gaussian", "-k", "3", "-d", "3", "-n", "1500", "--seed", "7", "-o",
            "x.csv",
        ],
    );
    let out = ok(
        &dir,
        &[
            "select",
            "-i",
            "x.csv",
            "-k",
            "1..5",
            "--n-init",
            "2",
            "--covariance",
            "FULL,diag,VII,eee",
            "--json",
            "--model",
            "best.json",
            "--plot",
            "bic.png",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["criterion"], "bic");
    assert_eq!(v["lower_is_better"], true);
    assert_eq!(v["best"]["n_components"], 3);
    assert_eq!(v["best"]["covariance"], "full");
    let cells = v["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 20);
    let bics: Vec<f64> = cells.iter().map(|c| c["bic"].as_f64().unwrap()).collect();
    assert!(bics.windows(2).all(|w| w[0] <= w[1]), "ranked by BIC");
    let named: Vec<&str> = cells
        .iter()
        .map(|c| c["covariance"].as_str().unwrap())
        .collect();
    assert!(
        named
            .iter()
            .all(|c| ["full", "diag", "spherical", "tied"].contains(c))
    );
    // The default grid is every model of mclust's, named by code (or scikit-learn's name).
    let out = ok(&dir, &["select", "-i", "x.csv", "-k", "2..3", "--json"]);
    let all: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let names: std::collections::BTreeSet<&str> = all["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["covariance"].as_str().unwrap())
        .collect();
    assert_eq!(all["cells"].as_array().unwrap().len(), 2 * 14);
    assert_eq!(names.len(), 14);
    assert!(names.contains("VEV") && names.contains("full") && names.contains("EII"));
    assert_eq!(all["best"]["n_components"], 3);
    // The saved model is the best cell's: its log-likelihood, scored again, is the table's.
    let score = ok(&dir, &["score", "-m", "best.json", "-i", "x.csv", "--json"]);
    let s: serde_json::Value = serde_json::from_str(score.trim()).unwrap();
    let ll = s["log_likelihood"].as_f64().unwrap();
    assert!((ll - cells[0]["log_likelihood"].as_f64().unwrap()).abs() < 1e-6 * ll.abs());
    let png = std::fs::read(dir.join("bic.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    // Under mclust's prior the default grid is the ten models it gives a prior, as in mclust;
    // a model named without one is refused.
    let out = ok(
        &dir,
        &[
            "select",
            "-i",
            "x.csv",
            "-k",
            "2",
            "--prior-shrinkage",
            "0.01",
            "--json",
        ],
    );
    let map: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let mut codes: Vec<&str> = map["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["covariance"].as_str().unwrap())
        .collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        [
            "EEI",
            "EEV",
            "EII",
            "EVI",
            "VEI",
            "VEV",
            "diag",
            "full",
            "spherical",
            "tied"
        ]
    );
    fails(
        &dir,
        &[
            "select",
            "-i",
            "x.csv",
            "-k",
            "2",
            "--covariance",
            "VVV,VEE",
            "--prior-shrinkage",
            "0.01",
        ],
        2,
        "VEE",
    );
    // Variational cells: ranked by their evidence bound, highest first; the best model file
    // records its posterior and is used as any model.
    let out = ok(
        &dir,
        &[
            "select",
            "-i",
            "x.csv",
            "-k",
            "1..4",
            "--variational",
            "dirichlet",
            "--model",
            "vb.json",
            "--json",
        ],
    );
    let vb: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(vb["criterion"], "elbo");
    let cells = vb["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 4 * 4);
    let bounds: Vec<f64> = cells
        .iter()
        .map(|c| c["evidence_bound"].as_f64().unwrap())
        .collect();
    assert!(bounds.windows(2).all(|w| w[0] >= w[1]), "{bounds:?}");
    assert_eq!(vb["best"]["n_components"], 3);
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("vb.json")).unwrap()).unwrap();
    assert_eq!(
        file["posterior"]["evidence_bound"].as_f64(),
        Some(bounds[0])
    );
    ok(&dir, &["score", "-m", "vb.json", "-i", "x.csv"]);
    for (args, needle) in [
        (
            &["select", "-i", "x.csv", "--criterion", "elbo"][..],
            "--variational",
        ),
        (
            &[
                "select",
                "-i",
                "x.csv",
                "--variational",
                "dirichlet",
                "--family",
                "poisson",
            ][..],
            "poisson",
        ),
    ] {
        fails(&dir, args, 2, needle);
    }
    // The plain table says which way is better, and the best row.
    let text = ok(
        &dir,
        &[
            "select",
            "-i",
            "x.csv",
            "-k",
            "2,3",
            "--covariance",
            "full,diag",
        ],
    );
    assert!(text.contains("lower is better") && text.contains("opposite sign"));
    assert!(text.contains("best: K = 3, gaussian full"));
    // Without the refits from neighbouring K, no cell is better than with them (by default
    // the better of a cell's own fit and its neighbours' starts is kept).
    let grid = [
        "select",
        "-i",
        "x.csv",
        "-k",
        "1..4",
        "--covariance",
        "VEV,EII",
        "--json",
    ];
    let cells = |extra: &[&str]| -> Vec<(u64, String, f64)> {
        let out = ok(&dir, &[&grid[..], extra].concat());
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        let mut cells: Vec<(u64, String, f64)> = v["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["n_components"].as_u64().unwrap(),
                    c["covariance"].as_str().unwrap().to_string(),
                    c["log_likelihood"].as_f64().unwrap(),
                )
            })
            .collect();
        cells.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        cells
    };
    let (refined, plain) = (cells(&[]), cells(&["--no-neighbour-starts"]));
    assert_eq!(refined.len(), 8);
    for (r, p) in refined.iter().zip(&plain) {
        assert_eq!((r.0, &r.1), (p.0, &p.1));
        assert!(r.2 >= p.2 - 1e-9 * p.2.abs(), "{r:?} {p:?}");
    }
    // Options are checked before the data are read; nothing is written on failure.
    for (args, needle) in [
        (
            &["select", "-i", "missing.csv", "-k", "0..3"][..],
            "--components",
        ),
        (
            &["select", "-i", "missing.csv", "-k", "3..1"][..],
            "--components",
        ),
        (&["select", "-i", "missing.csv", "--tol", "-1"][..], "tol"),
        (
            &["select", "-i", "missing.csv", "--reg-covar", "-1"][..],
            "reg-covar",
        ),
    ] {
        fails(&dir, args, 2, needle);
    }
    fails(
        &dir,
        &[
            "select",
            "-i",
            "x.csv",
            "-k",
            "2",
            "--family",
            "bernoulli",
            "-m",
            "none.json",
        ],
        2,
        "no cell",
    );
    assert!(!dir.join("none.json").exists());
}

#[test]
fn fit_flags_spurious_components_and_can_hand_them_to_the_degenerate_policy() {
    let dir = workdir("spurious");
    // Two clusters in 5 dimensions and 3 near-duplicate rows far away.
    let g = mixture::datagen::GaussianMixtureGenerator::random(2, 5, 6.0, 3).unwrap();
    let x = g.generate::<f64>(300, 4).unwrap().data;
    let mut csv = String::new();
    for row in x.iter() {
        let cells: Vec<String> = row.iter().map(|v| v.to_string()).collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    for i in 0..3 {
        let cells: Vec<String> = (0..5)
            .map(|j| (60.0 + 1e-4 * (i * 5 + j) as f64).to_string())
            .collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    std::fs::write(dir.join("x.csv"), csv).unwrap();
    let out = ok(
        &dir,
        &["fit", "-i", "x.csv", "-k", "3", "--seed", "1", "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let suspect = v["suspect"].as_array().unwrap();
    assert_eq!(suspect.len(), 1, "{v}");
    assert_eq!(suspect[0]["rows_needed"], 6.0);
    let text = ok(&dir, &["fit", "-i", "x.csv", "-k", "3", "--seed", "1"]);
    assert!(text.contains("is suspect"), "{text}");
    let out = ok(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--seed",
            "1",
            "--json",
            "--on-spurious",
            "degenerate",
            "--on-degenerate",
            "drop",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["suspect"].as_array().unwrap().len(), 0);
    assert_eq!(v["n_components"], 2);
    // Handed to --on-degenerate error, it is a failure while fitting: exit status 1.
    fails(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--seed",
            "1",
            "--on-spurious",
            "degenerate",
            "--on-degenerate",
            "error",
        ],
        1,
        "effective rows, fewer than the 6 its parameters need",
    );
}

#[test]
fn fix_holds_parameters_and_init_parts_starts_partly_from_a_model_file() {
    let dir = workdir("held");
    ok(&dir, &["generate", "lesson", "-o", "x.csv"]);
    // A starting model of another dimension: named by its option and file.
    ok(&dir, &["generate", "gaussian", "-d", "3", "-o", "x3.csv"]);
    ok(&dir, &["fit", "-i", "x.csv", "-k", "3", "-m", "two.json"]);
    fails(
        &dir,
        &["fit", "-i", "x3.csv", "-k", "3", "--init-model", "two.json"],
        2,
        "--init-model two.json: the initial model has 2 features but x3.csv has 3 columns",
    );
    ok(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--max-iter",
            "2",
            "-m",
            "start.json",
        ],
    );
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let score = |name: &str| -> f64 {
        let out = ok(&dir, &["score", "-m", name, "-i", "x.csv", "--json"]);
        json(&out)["log_likelihood"].as_f64().unwrap()
    };
    let held_fit = |model: &str, extra: &[&str]| {
        let args = [
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--init-model",
            "start.json",
        ];
        ok(
            &dir,
            &[&args[..], &["--fix", "means,weights", "-m", model], extra].concat(),
        )
    };
    let out = held_fit("held.json", &["--json"]);
    assert_eq!(json(&out)["n_iter"], 3, "{out}");
    let (start, held) = (read("start.json"), read("held.json"));
    assert_eq!(held["fit"]["options"]["fix"], "weights,means");
    assert_eq!(start["weights"], held["weights"]);
    assert_eq!(start["means"], held["means"]);
    assert_ne!(start["covariances"], held["covariances"]);
    assert!(score("held.json") >= score("start.json"));
    // Streamed from the file, the same numbers.
    held_fit("streamed.json", &["--stream"]);
    let streamed = read("streamed.json");
    for group in ["weights", "means", "covariances"] {
        assert_eq!(streamed[group], held[group], "{group}");
    }

    // --init-parts means with no iteration: the file's means, the initialisation's weights.
    let args = [
        "fit",
        "-i",
        "x.csv",
        "-k",
        "3",
        "--max-iter",
        "0",
        "--seed",
        "5",
    ];
    ok(&dir, &[&args[..], &["-m", "initial.json"]].concat());
    ok(
        &dir,
        &[
            &args[..],
            &[
                "--init-model",
                "start.json",
                "--init-parts",
                "means",
                "-m",
                "partial.json",
            ],
        ]
        .concat(),
    );
    let (initial, partial) = (read("initial.json"), read("partial.json"));
    assert_eq!(partial["means"], start["means"]);
    assert_eq!(partial["weights"], initial["weights"]);
    assert_eq!(partial["covariances"], initial["covariances"]);

    // What cannot be held is refused before anything is written.
    let bad = mixture(&dir, &["fit", "-i", "x.csv", "-k", "3", "--fix", "weights"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--init-model"), "{}", bad.stderr);
    let bad = mixture(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--init-model",
            "start.json",
            "--fix",
            "rates",
        ],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("rates"), "{}", bad.stderr);
    for (extra, needle) in [
        (&["--on-degenerate", "drop"][..], "dropping a component"),
        (&["--init-parts", "weights"][..], "partial start takes"),
    ] {
        fails(
            &dir,
            &[
                &[
                    "fit",
                    "-i",
                    "x.csv",
                    "-k",
                    "3",
                    "--init-model",
                    "start.json",
                    "-m",
                    "no.json",
                ][..],
                &["--fix", "means"][..],
                extra,
            ]
            .concat(),
            2,
            needle,
        );
        assert!(!dir.join("no.json").exists());
    }
}

#[test]
fn every_family_setting_has_a_flag_that_fits_as_the_library_does() {
    use mixture::bern::Bernoulli;
    use mixture::core::{Family, RowMatrix};
    use mixture::exp::Exponential;
    let dir = workdir("family_flags");
    // Binary and positive data, written as CSV so the library reads the same numbers.
    let (n, d) = (60, 4);
    let bits: Vec<f64> = (0..n * d)
        .map(|v| f64::from(u8::from((v * 7 + v / 5) % 3 == 0)))
        .collect();
    let positive: Vec<f64> = (0..n * d)
        .map(|v| ((v * 7) % 13) as f64 / 3.0 + 0.1)
        .collect();
    for (name, values) in [("bits.csv", &bits), ("positive.csv", &positive)] {
        let text: String = values
            .chunks(d)
            .map(|r| {
                let cells: Vec<String> = r.iter().map(|v| v.to_string()).collect();
                cells.join(",") + "\n"
            })
            .collect();
        std::fs::write(dir.join(name), text).unwrap();
    }
    fn check<F: Family<f64>>(
        dir: &Path,
        family: F,
        x: &[f64],
        d: usize,
        args: &[&str],
    ) -> (f64, serde_json::Value) {
        let mut all = vec![
            "-k",
            "2",
            "--init",
            "random-rows",
            "--seed",
            "3",
            "-m",
            "m.json",
        ];
        all.extend_from_slice(args);
        let mut cmd = vec!["fit"];
        cmd.extend(all);
        cmd.push("--json");
        let out = json(&ok(dir, &cmd));
        let x = RowMatrix::new(x.to_vec(), d).unwrap();
        let lib = Estimator::new(family, 2)
            .init(Init::RandomRows)
            .seed(3)
            .max_iter(1000)
            .tol(1e-5)
            .fit(&x)
            .unwrap();
        let lib_ll = lib.report.log_likelihood;
        assert_eq!(out["log_likelihood"].as_f64().unwrap(), lib_ll, "{args:?}");
        let model: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("m.json")).unwrap()).unwrap();
        (lib_ll, model["fit"]["options"].clone())
    }
    let bern = ["-i", "bits.csv", "--family", "bernoulli"];
    let (plain, _) = check(&dir, Bernoulli::new(), &bits, d, &bern);
    let with_prior = [&bern[..], &["--prior", "3,2"]].concat();
    let (smoothed, options) = check(
        &dir,
        Bernoulli::new().with_prior(3.0, 2.0),
        &bits,
        d,
        &with_prior,
    );
    assert_ne!(plain, smoothed, "the prior changes the fit");
    assert_eq!(options["prior"], serde_json::json!([3.0, 2.0]));
    assert_eq!(options["family"], "bernoulli");
    let exp = [
        "-i",
        "positive.csv",
        "--family",
        "exponential",
        "--min-mean",
        "1e-9",
    ];
    let (_, options) = check(
        &dir,
        Exponential::new().with_min_mean(1e-9),
        &positive,
        d,
        &exp,
    );
    assert_eq!(options["min_mean"], 1e-9);
    // A Gaussian's record names its covariance type and regularisation.
    let gauss = [
        "-i",
        "positive.csv",
        "--covariance",
        "diag",
        "--reg-covar",
        "1e-4",
    ];
    let (_, options) = check(
        &dir,
        Gaussian::diagonal().with_reg_covar(1e-4),
        &positive,
        d,
        &gauss,
    );
    assert_eq!(
        (&options["covariance"], &options["reg_covar"]),
        (&serde_json::json!("diag"), &serde_json::json!(1e-4))
    );
}

/// Pipes and devices as inputs: read once into memory (within --memory-limit), every pass from
/// that copy, with the numbers of the same data in a regular file; never seeked, never hung on.
#[cfg(unix)]
#[test]
fn fifos_are_read_once_into_memory_and_give_the_files_numbers() {
    let dir = workdir("fifo-inputs");
    for out in ["x.csv", "x.npy"] {
        ok(
            &dir,
            &["generate", "lesson", "--n-per-mode", "40", "--output", out],
        );
    }
    let expected = json(&ok(&dir, &["fit", "-i", "x.csv", "-k", "3", "--json"]));
    // Fed to a FIFO by a writer thread (which may see the reader close early).
    let through_fifo = |name: &str, source: &str, args: &[&str]| {
        let fifo = dir.join(name);
        let _ = std::fs::remove_file(&fifo);
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo {name}");
        let bytes = std::fs::read(dir.join(source)).unwrap();
        let writer = std::thread::spawn(move || {
            let _ = std::fs::write(&fifo, bytes);
        });
        let out = mixture(&dir, args);
        writer.join().unwrap();
        out
    };
    // An NPY FIFO (it used to fail with "Illegal seek"), and a CSV FIFO streamed: one pass per
    // iteration, each from the copy in memory.
    for (name, source, stream) in [("in.npy", "x.npy", false), ("in.csv", "x.csv", true)] {
        let mut args = vec!["fit", "-i", name, "-k", "3", "--json"];
        if stream {
            args.push("--stream");
        }
        let out = through_fifo(name, source, &args);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        let got = json(&out.stdout);
        assert_eq!(got["log_likelihood"], expected["log_likelihood"], "{name}");
        assert_eq!(got["n_iter"], expected["n_iter"], "{name}");
        assert_eq!(got["streamed"], stream, "{name}");
    }
    // Scoring from a FIFO, and weights from one.
    ok(&dir, &["fit", "-i", "x.csv", "-k", "3", "-m", "m.json"]);
    let out = through_fifo("s.npy", "x.npy", &["score", "-m", "m.json", "-i", "s.npy"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    std::fs::write(dir.join("w.csv"), "1\n".repeat(120)).unwrap();
    let out = through_fifo(
        "w_pipe.csv",
        "w.csv",
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--weights",
            "w_pipe.csv",
            "--json",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        json(&out.stdout)["log_likelihood"],
        expected["log_likelihood"]
    );
    // More than --memory-limit in a pipe: a one-line error saying what to do.
    let out = through_fifo(
        "big.csv",
        "x.csv",
        &["fit", "-i", "big.csv", "-k", "3", "--memory-limit", "1K"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("big.csv is not a regular file")
            && out
                .stderr
                .contains("more than 1024 bytes: give a regular file"),
        "{}",
        out.stderr
    );
    // An NPY pipe is refused by its header, before its values are read.
    let out = through_fifo(
        "big.npy",
        "x.npy",
        &["fit", "-i", "big.npy", "-k", "3", "--memory-limit", "1K"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("its header declares 1920 bytes of values, more than the 1024"),
        "{}",
        out.stderr
    );
}

#[test]
fn npy_files_must_end_with_their_values() {
    let dir = workdir("npy-trailing");
    let values: Vec<f64> = (0..12).map(f64::from).collect();
    for fortran in [false, true] {
        std::fs::write(
            dir.join("ok.npy"),
            npy_bytes("<f8", "(6, 2)", fortran, &values),
        )
        .unwrap();
        ok(&dir, &["fit", "-i", "ok.npy", "-k", "1"]);
        // Bytes after the values would shift every value by as many: refused.
        let mut joined = npy_bytes("<f8", "(6, 2)", fortran, &values);
        joined.extend(99f64.to_le_bytes());
        std::fs::write(dir.join("joined.npy"), joined).unwrap();
        fails(
            &dir,
            &["fit", "-i", "joined.npy", "-k", "1"],
            2,
            "joined.npy: 8 bytes after the values the header declares (6, 2): a damaged or joined file",
        );
    }
}

#[test]
fn a_variational_fit_records_its_posterior_and_matches_the_library() {
    use mixture::core::Silent;
    use mixture::core::variational::{VariationalPrior, WeightPriorType};
    let dir = workdir("variational");
    ok(
        &dir,
        &["generate", "lesson", "--seed", "5", "--output", "x.csv"],
    );
    let args = [
        "fit",
        "-i",
        "x.csv",
        "-k",
        "6",
        "--variational",
        "dirichlet-process",
        "--init",
        "k-means++",
        "--seed",
        "5",
        "--model",
        "m.json",
        "--json",
    ];
    let fit = json(&ok(&dir, &args));
    // Streamed, the same numbers.
    let streamed = json(&ok(
        &dir,
        &[&args[..args.len() - 3], &["--stream", "--json"]].concat(),
    ));
    for key in ["lower_bound", "log_likelihood", "weights", "n_iter"] {
        assert_eq!(fit[key], streamed[key], "{key}");
    }
    assert_eq!(fit["effective_components"], 3);
    // The library, with the same options, reaches the same bound.
    let blobs = mixture::datagen::lesson_blobs::<f64>(200, 5).unwrap();
    let lib = Estimator::new(Gaussian::full(), 6)
        .init(Init::KMeansPlusPlus)
        .seed(5)
        .max_iter(1000)
        .tol(1e-5)
        .fit_variational(
            &blobs.data,
            &VariationalPrior {
                weight_prior: WeightPriorType::DirichletProcess,
                ..VariationalPrior::default()
            },
            None,
            &mut Silent,
        )
        .unwrap();
    assert_eq!(fit["lower_bound"].as_f64().unwrap(), lib.lower_bound());
    // The model file: version 3 with the posterior; the mixture is the posterior mean, which
    // `score` uses.
    let file = model_file::load(&dir.join("m.json")).unwrap();
    let posterior = file.posterior.expect("a posterior record");
    assert_eq!(posterior.weight_concentration, lib.weights.concentration());
    assert_eq!(posterior.lower_bound, lib.lower_bound());
    let score = json(&ok(
        &dir,
        &["score", "-m", "m.json", "-i", "x.csv", "--json"],
    ));
    assert_eq!(score["log_likelihood"], fit["log_likelihood"]);
    // What it does not take.
    fails(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--variational",
            "dirichlet",
            "--covariance",
            "VEV",
        ],
        2,
        "full, diag, spherical or tied",
    );
    fails(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--variational",
            "dirichlet",
            "--family",
            "poisson",
        ],
        2,
        "gaussian, bernoulli, exponential families",
    );
    fails(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--variational",
            "dirichlet",
            "--weight-concentration",
            "0",
        ],
        2,
        "positive",
    );
    fails(
        &dir,
        &[
            "fit",
            "-i",
            "x.csv",
            "-k",
            "3",
            "--weight-concentration",
            "1",
        ],
        2,
        "--variational",
    );
}

#[test]
fn variational_moves_in_the_command_are_the_librarys_and_stream() {
    use mixture::core::Silent;
    use mixture::core::variational::{VariationalPrior, WeightPriorType};
    let dir = workdir("variational-moves");
    ok(
        &dir,
        &["generate", "lesson", "--seed", "5", "--output", "x.csv"],
    );
    let args = [
        "fit",
        "-i",
        "x.csv",
        "-k",
        "6",
        "--variational",
        "dirichlet",
        "--delete-moves",
        "--split-merge-moves",
        "--init",
        "k-means++",
        "--seed",
        "5",
        "--json",
    ];
    let fit = json(&ok(&dir, &args));
    let streamed = json(&ok(
        &dir,
        &[&args[..args.len() - 1], &["--stream", "--json"]].concat(),
    ));
    for key in ["lower_bound", "log_likelihood", "weights", "n_iter"] {
        assert_eq!(fit[key], streamed[key], "{key}");
    }
    let blobs = mixture::datagen::lesson_blobs::<f64>(200, 5).unwrap();
    let prior = VariationalPrior {
        weight_prior: WeightPriorType::DirichletDistribution,
        ..VariationalPrior::default()
    };
    let est = Estimator::new(Gaussian::full(), 6)
        .init(Init::KMeansPlusPlus)
        .seed(5)
        .max_iter(1000)
        .tol(1e-5);
    let plain = est
        .clone()
        .fit_variational(&blobs.data, &prior, None, &mut Silent)
        .unwrap();
    let lib = est
        .delete_moves(true)
        .split_merge_moves(true)
        .fit_variational(&blobs.data, &prior, None, &mut Silent)
        .unwrap();
    assert_eq!(fit["lower_bound"].as_f64().unwrap(), lib.lower_bound());
    assert!(lib.lower_bound() >= plain.lower_bound());
    fails(
        &dir,
        &["fit", "-i", "x.csv", "-k", "3", "--split-merge-moves"],
        2,
        "--variational",
    );
}
