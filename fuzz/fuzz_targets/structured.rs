//! Specs built from the real key names and values, so the fuzzer gets past the YAML syntax.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|spec: foundrygen_fuzz::spec::FuzzSpec| {
    let text = spec.to_yaml();
    foundrygen_fuzz::run_pipeline(&text);
});
