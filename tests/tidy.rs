//! Tidy checks on the source tree, in the manner of rust-analyzer's: rules of the code's shape
//! that no compiler checks, enforced so that ARCHITECTURE.md cannot rot.
//!
//! - **Layering.** The top-level modules of `src/` form layers, and a module imports only from
//!   layers below its own — data flows one way, and so do the imports. (Test code inside
//!   `src/` may use any layer to set up what it tests.)
//! - **Length.** A source file over 420 lines says why, in a `//! Long because …` line near its
//!   top.

use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import from modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    &["text"],
    &["feed"],
    &["source", "samples"],
    &["engine"],
    &["analysis"],
    &["hub"],
    &["output", "ui"],
    &["serve"],
    &["synth"],
    &["cli"],
    &["config"],
    &["run"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its test module and comments.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// Every top-level module a piece of code names through `crate::`.
fn imports(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a::b, c};`
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            out.push(name);
        }
    }
    out
}

/// The upward imports of the tree at `src`: (file, module, the module it imports from).
fn upward_imports(src: &Path) -> Vec<(String, String, String)> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut bad = Vec::new();
    for f in files {
        let rel = f.strip_prefix(src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_str().unwrap().trim_end_matches(".rs").to_string();
        let Some(own) = layer_of(&top) else { continue };
        let text = std::fs::read_to_string(&f).unwrap();
        for target in imports(&code(&text)) {
            if target == top {
                continue;
            }
            match layer_of(&target) {
                Some(l) if l < own => {}
                _ => bad.push((rel.display().to_string(), top.clone(), target)),
            }
        }
    }
    bad.sort();
    bad.dedup();
    bad
}

#[test]
fn modules_import_only_from_layers_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    // Every top-level module has its layer.
    for e in std::fs::read_dir(&src).unwrap() {
        let name = e.unwrap().file_name().to_str().unwrap().trim_end_matches(".rs").to_string();
        if name != "main" && name != "lib" {
            assert!(
                layer_of(&name).is_some(),
                "src/{name}: a top-level module with no layer (add it to LAYERS and ARCHITECTURE.md)"
            );
        }
    }
    let bad = upward_imports(&src);
    let listed: Vec<String> = bad.iter().map(|(f, m, t)| format!("src/{f}: {m} imports {t}")).collect();
    assert!(bad.is_empty(), "imports against the flow (ARCHITECTURE.md, Layers):\n{}", listed.join("\n"));
}

#[test]
fn the_layering_check_sees_an_upward_import() {
    // A tree with one module importing from a layer above it is caught; one importing from
    // below is not.
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("engine")).unwrap();
    std::fs::write(d.path().join("engine/mod.rs"), "use crate::feed::Batch;\nuse crate::{text, hub::Summary};\n")
        .unwrap();
    std::fs::write(
        d.path().join("feed.rs"),
        "pub fn f() -> crate::text::X { todo!() }\n#[cfg(test)]\nmod t { use crate::ui::x; }\n",
    )
    .unwrap();
    let bad = upward_imports(d.path());
    assert_eq!(bad, vec![("engine/mod.rs".to_string(), "engine".to_string(), "hub".to_string())]);
}

#[test]
fn long_files_say_why() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut long = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines = text.lines().count();
        let says_why = text.lines().take(30).any(|l| l.starts_with("//! Long because"));
        if lines > 420 && !says_why {
            long.push(format!("{} ({lines} lines)", f.strip_prefix(&src).unwrap().display()));
        }
    }
    assert!(
        long.is_empty(),
        "files over 420 lines without a `//! Long because …` line at their top:\n{}",
        long.join("\n")
    );
}
