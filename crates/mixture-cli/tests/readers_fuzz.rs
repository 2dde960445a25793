//! Random bytes, truncated files and malformed JSON fed to the readers: errors, never panics.

use mixture::model_file::{self, AnyMixture, AnyModel};
use mixture_cli::files::{Header, read_csv, read_npy};
use proptest::prelude::*;

fn valid_npy() -> Vec<u8> {
    npy("(3, 2)")
}

/// A version-1 `<f8` NPY file declaring `shape`, holding six values.
fn npy(shape: &str) -> Vec<u8> {
    let header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
    let mut h = header.into_bytes();
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(&h);
    for v in [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

fn valid_model() -> String {
    let blobs = mixture::datagen::lesson_blobs::<f64>(20, 1).unwrap();
    let m = mixture::core::Estimator::new(mixture::gauss::Gaussian::full(), 3)
        .fit(&blobs.data)
        .unwrap()
        .mixture;
    model_file::to_json(&AnyMixture::Gaussian(m), None)
}

#[test]
fn the_valid_inputs_parse() {
    assert_eq!(read_npy::<f64, _>(&valid_npy()[..], 0).unwrap().n_rows(), 3);
    assert!(matches!(
        model_file::from_json(valid_model().as_bytes())
            .unwrap()
            .model,
        AnyModel::F64(_)
    ));
}

#[test]
fn hostile_model_files_are_refused() {
    // Deep nesting, huge declared sizes, non-SPD covariance, weights not summing to one.
    let deep = "[".repeat(100_000);
    assert!(model_file::from_json(deep.as_bytes()).is_err());
    let good = valid_model();
    let huge = good.replacen("\"n_components\": 3", "\"n_components\": 1000000000000", 1);
    assert!(model_file::from_json(huge.as_bytes()).is_err());
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["covariances"][0] = serde_json::json!([[1.0, 2.0], [2.0, 1.0]]);
    let err = model_file::from_json(v.to_string().as_bytes()).unwrap_err();
    assert!(err.to_string().contains("component 0"), "{err}");
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["weights"] = serde_json::json!([0.5, 0.5, 0.5]);
    assert!(
        model_file::from_json(v.to_string().as_bytes())
            .unwrap_err()
            .to_string()
            .contains("sum")
    );
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["means"][1][0] = serde_json::json!(null);
    assert!(model_file::from_json(v.to_string().as_bytes()).is_err());
}

#[test]
fn npy_headers_that_lie_are_refused() {
    // A header claiming 10^12 rows for a tiny file is refused before allocating.
    let lying = npy("(1000000000000, 2)");
    let err = read_npy::<f64, _>(&lying[..], lying.len() as u64).unwrap_err();
    assert!(err.to_string().contains("declares"), "{err}");
    let three_d = npy("(1, 3, 2)");
    assert!(
        read_npy::<f64, _>(&three_d[..], 0)
            .unwrap_err()
            .message
            .contains("1-D or 2-D")
    );
    // Without a known file size the reader still stops at the end of the data.
    assert!(read_npy::<f64, _>(&lying[..], 0).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_csv::<f64, _>(&bytes[..], Header::Detect);
        let _ = read_csv::<f32, _>(&bytes[..], Header::Present);
        let _ = read_npy::<f64, _>(&bytes[..], bytes.len() as u64);
        let _ = model_file::from_json(&bytes);
    }

    #[test]
    fn truncated_files_are_errors(cut in 0usize..1000) {
        let npy = valid_npy();
        if cut < npy.len() {
            prop_assert!(read_npy::<f64, _>(&npy[..cut], cut as u64).is_err());
        }
        let model = valid_model();
        if cut < model.trim_end().len() {
            prop_assert!(model_file::from_json(&model.as_bytes()[..cut]).is_err());
        }
    }

    #[test]
    fn csv_like_text_parses_or_errs(text in "[0-9eE.,+\\- \\nainfNA]{0,200}") {
        if let Ok(m) = read_csv::<f64, _>(text.as_bytes(), Header::Detect) {
            prop_assert!(m.as_slice().iter().all(|v| v.is_finite()));
            prop_assert!(m.n_rows() > 0 && m.n_cols() > 0);
        }
    }

    #[test]
    fn mutated_model_files_never_panic(pos in 0usize..2000, byte in any::<u8>()) {
        let mut model = valid_model().into_bytes();
        let i = pos % model.len();
        model[i] = byte;
        let _ = model_file::from_json(&model);
    }
}
