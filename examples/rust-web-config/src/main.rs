//! A tiny "web app": reads Rocket.toml for the active profile (ROCKET_PROFILE), renders
//! templates/index.html with it and serves static/style.css. Instead of listening it prints
//! the response to GET / and GET /static/style.css once, so a run ends by itself.

use std::collections::BTreeMap;
use std::fs;

/// `[profile]` sections of a Rocket.toml-like file: key = value lines.
fn read_config(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut section = String::from("default");
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            out.entry(section.clone())
                .or_default()
                .insert(k.trim().to_string(), v.trim().trim_matches('"').to_string());
        }
    }
    out
}

fn main() {
    let config = match fs::read_to_string("Rocket.toml") {
        Ok(t) => read_config(&t),
        Err(e) => {
            eprintln!("Rocket.toml: {e}");
            std::process::exit(1);
        }
    };
    let profile = std::env::var("ROCKET_PROFILE").unwrap_or_else(|_| "debug".into());
    let mut settings = config.get("default").cloned().unwrap_or_default();
    settings.extend(config.get(&profile).cloned().unwrap_or_default());
    if let Ok(port) = std::env::var("ROCKET_PORT") {
        settings.insert("port".into(), port);
    }
    let template = fs::read_to_string("templates/index.html").unwrap_or_else(|e| {
        eprintln!("templates/index.html: {e}");
        std::process::exit(1);
    });
    let mut page = template;
    for (k, v) in &settings {
        page = page.replace(&format!("{{{{ {k} }}}}"), v);
    }
    let css = fs::read_to_string("static/style.css").unwrap_or_default();
    println!("profile {profile} on port {}", settings.get("port").map_or("?", String::as_str));
    println!("log level {}", std::env::var("RUST_LOG").unwrap_or_else(|_| "unset".into()));
    println!("GET / -> 200\n{}", page.trim_end());
    println!("GET /static/style.css -> 200 ({} bytes)", css.len());
}
