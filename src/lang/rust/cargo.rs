//! Cargo command lines: `cargo [+toolchain] [flags] SUB [flags] [-- args]`, read into the
//! parts the rest of the Rust module needs (profile, binaries, packages, target, paths).

use crate::template::rust::Template;

/// One `cargo` command line, read.
#[derive(Debug, Clone, Default)]
pub struct Cargo {
    /// `+toolchain`, if given.
    pub toolchain: Option<String>,
    /// The subcommand (`build`, `install`, `run`).
    pub sub: String,
    /// The profile's output directory (`release`, `debug`, a custom profile's name).
    pub profile_dir: String,
    /// `--bin` values.
    pub bins: Vec<String>,
    /// `--bins`.
    pub all_bins: bool,
    /// Only non-binary targets were asked for (`--lib`, `--example`...).
    pub no_bins: bool,
    /// `-p` / `--package` values.
    pub packages: Vec<String>,
    /// `--workspace` / `--all`.
    pub workspace: bool,
    /// `--exclude` values.
    pub exclude: Vec<String>,
    /// `--target`.
    pub target: Option<String>,
    /// `--target-dir`.
    pub target_dir: Option<String>,
    /// `--manifest-path`.
    pub manifest_path: Option<String>,
    /// `cargo install --path`.
    pub path: Option<String>,
    /// `cargo install --root`.
    pub root: Option<String>,
    /// Feature flags, normalised, for comparing a build with a run.
    pub features: Vec<String>,
    /// `cargo install` crate names.
    pub crates: Vec<String>,
    /// The option words after the subcommand (before the program's arguments).
    pub options: Vec<String>,
    /// `cargo run`: the program's arguments.
    pub args: Vec<String>,
    /// `cargo run`: whether `--` was written.
    pub dashdash: bool,
}

/// Reads `cargo [+tc] [global flags] SUB [flags] [-- args]`; `None` when `words` is not a
/// cargo command.
pub fn parse_cargo(words: &[String], tpl: &Template) -> Option<Cargo> {
    let first = words.first()?;
    if first.rsplit('/').next() != Some("cargo") {
        return None;
    }
    let mut c = Cargo::default();
    let mut i = 1;
    // Global part: toolchain and flags before the subcommand.
    while let Some(w) = words.get(i) {
        if let Some(tc) = w.strip_prefix('+') {
            c.toolchain = Some(tc.to_string());
            i += 1;
        } else if w.starts_with('-') {
            let name = w.trim_start_matches('-');
            let takes = !name.contains('=') && tpl.value_flags.iter().any(|f| f == name);
            i += if takes { 2 } else { 1 };
        } else {
            break;
        }
    }
    c.sub = match words.get(i)?.as_str() {
        "b" => "build".into(),
        "r" => "run".into(),
        s => s.to_string(),
    };
    let default_profile = if c.sub == "install" { "release" } else { "dev" };
    let mut profile = default_profile.to_string();
    let mut j = i + 1;
    let mut lib_or_other = false;
    while let Some(w) = words.get(j) {
        j += 1;
        if w == "--" {
            if c.sub == "run" {
                c.dashdash = true;
                c.args = words[j..].to_vec();
                break;
            }
            continue;
        }
        if !w.starts_with('-') || w == "-" {
            if c.sub == "run" {
                c.args = words[j - 1..].to_vec();
                break;
            }
            if c.sub == "install" {
                c.crates.push(w.clone());
            }
            c.options.push(w.clone());
            continue;
        }
        c.options.push(w.clone());
        let body = w.trim_start_matches('-');
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (body, None),
        };
        let takes = tpl.value_flags.iter().any(|f| f == name);
        let value = if takes && inline.is_none() {
            let v = words.get(j).cloned();
            if let Some(v) = &v {
                c.options.push(v.clone());
            }
            j += 1;
            v
        } else {
            inline
        };
        match name {
            "release" | "r" => profile = "release".into(),
            "debug" if c.sub == "install" => profile = "dev".into(),
            "profile" => profile = value.unwrap_or_default(),
            "bin" => c.bins.extend(value),
            "bins" => c.all_bins = true,
            "lib" | "example" | "examples" | "test" | "tests" | "bench" | "benches" => lib_or_other = true,
            "all-targets" => c.all_bins = true,
            "p" | "package" => c.packages.extend(value),
            "workspace" | "all" => c.workspace = true,
            "exclude" => c.exclude.extend(value),
            "target" => c.target = value,
            "target-dir" => c.target_dir = value,
            "manifest-path" => c.manifest_path = value,
            "path" => c.path = value,
            "root" => c.root = value,
            "features" | "F" => c.features.extend(
                value
                    .unwrap_or_default()
                    .split([',', ' '])
                    .filter(|s| !s.is_empty())
                    .map(|s| format!("+{s}")),
            ),
            "all-features" | "no-default-features" => c.features.push(format!("--{name}")),
            _ => {}
        }
    }
    c.no_bins = lib_or_other && c.bins.is_empty() && !c.all_bins;
    c.features.sort();
    c.features.dedup();
    c.profile_dir = match profile.as_str() {
        "dev" | "test" => "debug".into(),
        "bench" => "release".into(),
        p => p.to_string(),
    };
    Some(c)
}

/// Quotes a word for a shell-form RUN line when it needs it.
pub fn sh_word(w: &str) -> String {
    crate::shell::quote(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tpl() -> Template {
        crate::template::TemplateSet::builtin().rust.clone()
    }

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn reads_cargo_lines() {
        let t = tpl();
        let c = parse_cargo(
            &words("cargo build --release --bin api -p web --target x86_64-unknown-linux-musl"),
            &t,
        )
        .expect("cargo");
        assert_eq!(c.sub, "build");
        assert_eq!(c.profile_dir, "release");
        assert_eq!(c.bins, ["api"]);
        assert_eq!(c.packages, ["web"]);
        assert_eq!(c.target.as_deref(), Some("x86_64-unknown-linux-musl"));
        let c = parse_cargo(
            &words("cargo +nightly run --profile dev --features a,b -- --port 80"),
            &t,
        )
        .expect("cargo");
        assert_eq!(c.toolchain.as_deref(), Some("nightly"));
        assert_eq!(c.profile_dir, "debug");
        assert_eq!(c.args, ["--port", "80"]);
        assert_eq!(c.options, ["--profile", "dev", "--features", "a,b"]);
        let c = parse_cargo(&words("cargo run --release serve now"), &t).expect("cargo");
        assert_eq!(c.args, ["serve", "now"]);
        let c = parse_cargo(&words("cargo install --path . --root /opt/app"), &t).expect("cargo");
        assert_eq!(c.profile_dir, "release");
        assert_eq!(c.root.as_deref(), Some("/opt/app"));
        assert!(parse_cargo(&words("rustc main.rs"), &t).is_none());
        assert_eq!(sh_word("a b"), "'a b'");
        assert_eq!(sh_word("--release"), "--release");
    }
}
