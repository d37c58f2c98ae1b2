//! Lists every file under `assets/` as an `include_bytes!` entry in `$OUT_DIR/assets.rs`, so a new
//! page or script needs no Rust edit.

#[path = "src/kind.rs"]
mod kind;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-changed=assets");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("assets");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut entries: Vec<(String, PathBuf)> = files
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(&root).unwrap();
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_str().expect("asset names are UTF-8"))
                .collect::<Vec<_>>()
                .join("/");
            (name, file)
        })
        .collect();
    entries.sort();

    let mut out = String::from("static ASSETS: &[Asset] = &[\n");
    for (name, file) in &entries {
        let bytes = std::fs::read(file).unwrap();
        writeln!(
            out,
            "    Asset {{ path: {name:?}, bytes: include_bytes!({file:?}), content_type: {:?}, etag: {:?} }},",
            kind::content_type(name),
            kind::etag(&bytes),
        )
        .unwrap();
    }
    out.push_str("];\n");
    let target = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("assets.rs");
    std::fs::write(target, out).unwrap();
}

/// Every regular file below `dir`, skipping hidden ones (editor swap files, `.DS_Store`).
fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}
