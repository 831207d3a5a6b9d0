//! Embeds every shared list file under `rubrics/common/` so that the default rubric's
//! `include`s resolve in a binary run from anywhere, and a new shared file needs no code change.

use std::path::Path;

fn main() {
    // Cargo scans a directory given here for any change (a file added, removed or edited).
    println!("cargo:rerun-if-changed=rubrics/common");
    let mut files: Vec<String> = std::fs::read_dir("rubrics/common")
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(".toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut table = String::from("&[\n");
    for f in files {
        table.push_str(&format!(
            "    (\"rubrics/common/{f}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rubrics/common/{f}\"))),\n"
        ));
    }
    table.push_str("]\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_includes.rs");
    std::fs::write(out, table).expect("OUT_DIR is writable");
}
