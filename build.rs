//! Writes the built-in templates (`templates/*.toml`, the data dockslim ships) as JSON into
//! `OUT_DIR` for `template::load`: every run starts by reading them, and JSON reads in a
//! fraction of the time TOML takes. The TOML files stay the source (and what `--templates`
//! overrides); a test in `template` checks that both forms read the same.

use std::path::Path;

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    for name in ["common", "go", "rust", "node"] {
        let src = format!("{root}/templates/{name}.toml");
        println!("cargo::rerun-if-changed={src}");
        let text = std::fs::read_to_string(&src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let value: toml::Value = toml::from_str(&text).unwrap_or_else(|e| panic!("{src}: {e}"));
        let json = serde_json::to_string(&value).unwrap_or_else(|e| panic!("{src}: {e}"));
        std::fs::write(Path::new(&out).join(format!("{name}.json")), json)
            .unwrap_or_else(|e| panic!("{out}/{name}.json: {e}"));
    }
}
