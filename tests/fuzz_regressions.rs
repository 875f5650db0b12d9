//! Inputs the fuzz targets under `fuzz/` found (see `fuzz/README.md`), minimised. Each must give
//! `Ok` or a clean `Err(Error::InvalidSpec)`: never a panic, never `Error::Internal`.

use foundrygen::{Error, Source, Target};

/// Runs `text` through the whole pipeline and checks the outcome is `Ok` or `InvalidSpec`.
fn assert_clean(text: &str) -> Result<(), String> {
    let source = Source::new("fuzz.yaml", text);
    match foundrygen::generate(&source, &Target::ALL) {
        Ok(generated) => {
            for (path, body) in &generated.output.files {
                if path.ends_with(".json") {
                    serde_json::from_str::<serde_json::Value>(body)
                        .unwrap_or_else(|e| panic!("{path} is not JSON: {e}"));
                }
                assert!(
                    body.ends_with('\n') && !body.ends_with("\n\n"),
                    "{path} does not end with exactly one newline"
                );
            }
            Ok(())
        }
        Err(e @ Error::InvalidSpec { .. }) => Err(e.to_string()),
        Err(e) => panic!(
            "expected Ok or InvalidSpec, got exit {}: {e}\n{e:?}",
            e.exit_code()
        ),
    }
}

const MINIMAL: &str = "version: 1
name: minimal
location: eastus2
foundries:
  - name: tiny-foundry
    projects:
      - name: app
";

/// libyaml (serde_yaml's parser, which once did the typed decode) refuses C0 controls but tab, LF
/// and CR, DEL, C1 controls but U+0085, and U+FFFE/U+FFFF anywhere in the text; yaml-rust2 (the
/// positioned tree validation checks) accepts them in plain and quoted scalars, and (but NUL) in
/// comments. When the decode parsed the text again, validation passed and `spec::load::decode`
/// failed with `Error::Internal`; it now decodes the checked tree itself.
#[test]
fn characters_libyaml_refuses_in_scalars() {
    for c in [
        '\u{0}', '\u{1}', '\u{1b}', '\u{7f}', '\u{90}', '\u{fffe}', '\u{ffff}',
    ] {
        for line in [
            format!("        display_name: a{c}b\n"),
            format!("        description: \"a{c}b\"\n"),
            format!("        description: 'a{c}b'\n"),
        ] {
            let _ = assert_clean(&format!("{MINIMAL}{line}"));
        }
    }
}

/// The same characters in a comment.
#[test]
fn characters_libyaml_refuses_in_comments() {
    for c in [
        '\u{0}', '\u{1}', '\u{1b}', '\u{7f}', '\u{90}', '\u{fffe}', '\u{ffff}',
    ] {
        let _ = assert_clean(&format!("# a{c}b\n{MINIMAL}"));
    }
}

/// libyaml takes U+0085 (NEL), U+2028 and U+2029 for line breaks (YAML 1.1); yaml-rust2 does not.
/// The two parsers then see different documents: here libyaml sees a new line and fails to decode
/// (`Error::Internal`).
#[test]
fn unicode_line_break_in_plain_scalar_or_comment() {
    for c in ['\u{85}', '\u{2028}', '\u{2029}'] {
        let _ = assert_clean(&format!("{MINIMAL}        display_name: a{c}b\n"));
        let _ = assert_clean(&format!("# a{c}b\n{MINIMAL}"));
    }
}

/// Worse: what yaml-rust2 reads as the rest of a comment, libyaml reads as a new key. Validation
/// never sees `custom_subdomain`, and its value (spaces, `${x}`, a quote, a bracket) reaches the
/// rendered Bicep, ARM and Terraform unchecked. The spec must be refused, or at least the
/// smuggled value must not be in the output.
#[test]
fn unicode_line_break_smuggles_an_unvalidated_key_past_validation() {
    for c in ['\u{85}', '\u{2028}', '\u{2029}'] {
        let text = format!(
            "version: 1\nname: minimal\nlocation: eastus2\nfoundries:\n  - name: tiny-foundry\n    sku: S0 # c{c}    custom_subdomain: \"SMUGGLED ${{x}} ']\"\n"
        );
        let source = Source::new("fuzz.yaml", text.as_str());
        if assert_clean(&text).is_ok() {
            let generated = foundrygen::generate(&source, &Target::ALL).expect("checked above");
            for (path, body) in &generated.output.files {
                assert!(
                    !body.contains("SMUGGLED"),
                    "{c:?}: {path} carries a value validation never saw"
                );
            }
        }
    }
}
