//! The typed decode reads the positioned tree validation checked (`spec::de`). Before, serde_yaml
//! decoded a copy of that tree; this compares the two on every spec the tests render, so the
//! replacement decodes each of them to the same `Spec`.

#[path = "support/specs.rs"]
mod specs;

use foundrygen::Source;
use foundrygen::spec::Spec;
use foundrygen::spec::load::{decode, parse_tree};

#[test]
fn every_bundled_spec_decodes_as_serde_yaml_decoded_it() {
    let mut compared = 0;
    for (name, text) in specs::valid_specs() {
        let source = Source::new(name.clone(), text.clone());
        // Only specs validation accepts are ever decoded.
        if foundrygen::check(&source).is_err() {
            continue;
        }
        let (tree, _) = parse_tree(&source).expect("a valid spec parses");
        let ours: Spec = decode(&source, &tree).expect("a valid spec decodes");
        let theirs: Spec =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("serde_yaml: {name}: {e}"));
        assert_eq!(
            format!("{ours:#?}"),
            format!("{theirs:#?}"),
            "{name} decodes differently"
        );
        compared += 1;
    }
    assert!(compared >= 20, "only {compared} valid specs found");
}
