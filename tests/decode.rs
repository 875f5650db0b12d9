//! The typed decode reads the positioned tree validation checked (`spec::de`). Before, serde_yaml
//! decoded a copy of that tree; this compares the two on every spec the repository bundles that
//! validates, so the replacement decodes each of them to the same `Spec`.

use std::path::{Path, PathBuf};

use foundrygen::Source;
use foundrygen::spec::Spec;
use foundrygen::spec::load::{decode, parse_tree};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("folder entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            out.push(path);
        }
    }
}

#[test]
fn every_bundled_spec_decodes_as_serde_yaml_decoded_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["specs", "tests/cases", "tests/golden"] {
        if root.join(dir).is_dir() {
            yaml_files(&root.join(dir), &mut files);
        }
    }
    let mut compared = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable spec");
        let source = Source::new(path.display().to_string(), text.clone());
        // Only specs validation accepts are ever decoded.
        if foundrygen::check(&source).is_err() {
            continue;
        }
        let (tree, _) = parse_tree(&source).expect("a valid spec parses");
        let ours: Spec = decode(&source, &tree).expect("a valid spec decodes");
        let theirs: Spec = serde_yaml::from_str(&text)
            .unwrap_or_else(|e| panic!("serde_yaml: {}: {e}", path.display()));
        assert_eq!(
            format!("{ours:#?}"),
            format!("{theirs:#?}"),
            "{} decodes differently",
            path.display()
        );
        compared += 1;
    }
    assert!(
        compared >= 20,
        "only {compared} valid specs found among {} files",
        files.len()
    );
}
