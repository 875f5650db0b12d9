//! Arbitrary bytes → UTF-8 (lossy) → the whole pipeline.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    foundrygen_fuzz::run_pipeline(&text);
});
