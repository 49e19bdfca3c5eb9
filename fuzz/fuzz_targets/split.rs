//! The whole pipeline on arbitrary text: parse, detect, plan, render, re-parse. Any panic is a
//! bug. A rewrite must itself parse, keep a leading BOM, and be left alone by a second split.
#![no_main]

use dockslim::config::Config;
use dockslim::context::MemContext;
use dockslim::template::TemplateSet;
use dockslim::{Options, Outcome, Skip};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A small context so the language modules get past detection: Go, Rust and Node files.
    let ctx = MemContext::new()
        .with("go.mod", "module example.com/app\n\ngo 1.22\n")
        .with("main.go", "package main\n\nfunc main() {}\n")
        .with("Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n")
        .with("src/main.rs", "fn main() {}\n")
        .with(
            "package.json",
            "{\"name\":\"app\",\"scripts\":{\"build\":\"tsc\",\"start\":\"node dist/index.js\"}}\n",
        )
        .with("package-lock.json", "{}\n");
    let config = Config::default();
    let opts = Options {
        lang: None,
        runtime: None,
        config: &config,
        templates: TemplateSet::builtin(),
    };
    if let Ok(Outcome::Rewritten { text: new, .. }) = dockslim::split(text, &ctx, &opts) {
        assert_eq!(text.starts_with('\u{feff}'), new.starts_with('\u{feff}'), "BOM changed");
        match dockslim::split(&new, &ctx, &opts) {
            Ok(Outcome::LeftAsIs(Skip::MultiStage(2))) => {}
            other => panic!("second split did something: {other:?}"),
        }
    }
});
