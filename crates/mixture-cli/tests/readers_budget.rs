//! The readers' allocation budget, measured: whatever the bytes, reading a CSV, NPY or model
//! file allocates at most a small multiple of its size plus a fixed amount, and a line with no
//! end at most the documented line limit ([`MAX_LINE_BYTES`]) a few times over: never the
//! gigabytes a lying header or an endless line would ask for. (One test in this binary: the
//! allocator's counters are process-wide.)

use mixture::model_file;
use mixture_cli::files::{Header, MAX_LINE_BYTES, read_csv, read_npy};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::io::Read;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated (in total, reallocations included) while `f` runs.
fn allocated(f: impl FnOnce()) -> usize {
    let region = Region::new(GLOBAL);
    f();
    let change = region.change();
    change.bytes_allocated + change.bytes_reallocated.max(0) as usize
}

#[test]
fn readers_stay_within_their_budget() {
    // Arbitrary bytes, and bytes that look like the formats.
    let fixed = 1 << 20;
    let mut runner = TestRunner::new(Config {
        cases: 1024,
        ..Config::default()
    });
    let npy_prefix = b"\x93NUMPY\x01\x00".to_vec();
    let inputs = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..4096),
        prop::collection::vec(any::<u8>(), 0..4096).prop_map(move |tail| {
            let mut v = npy_prefix.clone();
            v.extend(tail);
            v
        }),
        "[0-9eE.,+\\- \\n]{0,4096}".prop_map(String::into_bytes),
        "\\{\"format\": \"mixture-model\", \"version\": [0-9], \"n_components\": [0-9]{1,15}, \"n_features\": [0-9]{1,15}.{0,200}"
            .prop_map(String::into_bytes),
    ];
    runner
        .run(&inputs, |bytes| {
            let used = allocated(|| {
                let _ = read_csv::<f64, _>(&bytes[..], Header::Detect);
                let _ = read_npy::<f64, _>(&bytes[..], bytes.len() as u64);
                let _ = model_file::from_json(&bytes);
            });
            prop_assert!(
                used <= fixed + 256 * bytes.len(),
                "{used} bytes allocated for {} bytes of input",
                bytes.len()
            );
            Ok(())
        })
        .unwrap();
    // A line with no end (here 3× the limit of zeros): refused after at most a few times the
    // line limit, not grown until memory runs out.
    let endless = std::io::repeat(0).take(3 * MAX_LINE_BYTES as u64);
    let mut result = None;
    let used = allocated(|| result = Some(read_csv::<f64, _>(endless, Header::Detect).is_err()));
    assert_eq!(result, Some(true));
    assert!(
        used <= 8 * MAX_LINE_BYTES,
        "{used} bytes for an endless line"
    );
}
