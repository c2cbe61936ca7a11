//! Embeds the shipped schemes (`rules/*.qof`) into the library: writes `$OUT_DIR/shipped.rs`
//! with one `(path, text)` pair per file, in sorted order, for `src/shipped.rs` to include.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let out_dir = match std::env::var("OUT_DIR") {
        Ok(d) => d,
        Err(_) => {
            println!("cargo:warning=OUT_DIR is not set");
            return;
        }
    };
    let dir = Path::new(&manifest).join("rules");
    let mut names: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".qof"))
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    let mut src = String::from("&[\n");
    for n in &names {
        let full = dir.join(n);
        println!("cargo:rerun-if-changed={}", full.display());
        src.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            format!("rules/{n}"),
            full.display().to_string()
        ));
    }
    src.push_str("]\n");
    if let Err(e) = std::fs::write(Path::new(&out_dir).join("shipped.rs"), src) {
        println!("cargo:warning=cannot write shipped.rs: {e}");
    }
}
