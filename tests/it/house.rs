//! House rules checked on the source tree: the model layer does not depend
//! on the engine (issue 11, item 6).

use std::fs;
use std::path::Path;

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Lines of `text` that name the engine module in code (comments excluded).
fn engine_uses(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with("//"))
        .filter(|l| {
            l.contains("crate::engine")
                || l.contains("super::engine")
                || l.contains("ddrsim::engine")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn the_checker_sees_an_engine_import() {
    assert_eq!(
        engine_uses("//! see crate::engine\nuse crate::engine::rng::Streams;\n").len(),
        1
    );
    assert!(engine_uses("/// `engine::channels` runs it\n").is_empty());
}

#[test]
fn model_does_not_depend_on_engine() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model");
    let files = rust_files(&dir);
    assert!(files.len() >= 4, "src/model has its files: {files:?}");
    let offenders: Vec<String> = files
        .iter()
        .flat_map(|f| {
            let text = fs::read_to_string(f).expect("readable source");
            engine_uses(&text)
                .into_iter()
                .map(move |l| format!("{}: {l}", f.display()))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "src/model must not use src/engine (drawing belongs to the engine):\n{}",
        offenders.join("\n")
    );
}
