//! Cargo command lines: `cargo [+toolchain] [flags] SUB [flags] [-- args]`, read into the
//! parts the rest of the Rust module needs (profile, binaries, packages, target, paths).
//! [`parse_cargo`] reads in order: `read_global` (the toolchain and global flags),
//! `read_sub_args` (the subcommand's words: flags, crates, `cargo run`'s arguments),
//! `read_flag` (one flag) and `profile_dir` (the profile's output directory).

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
    let i = read_global(&mut c, words, tpl);
    c.sub = match words.get(i)?.as_str() {
        "b" => "build".into(),
        "r" => "run".into(),
        s => s.to_string(),
    };
    let mut seen = Seen {
        profile: if c.sub == "install" { "release" } else { "dev" }.to_string(),
        lib_or_other: false,
    };
    read_sub_args(&mut c, &mut seen, &words[i + 1..], tpl);
    c.no_bins = seen.lib_or_other && c.bins.is_empty() && !c.all_bins;
    c.features.sort();
    c.features.dedup();
    c.profile_dir = profile_dir(&seen.profile);
    Some(c)
}

/// What the flags say that does not land in [`Cargo`] as it is.
struct Seen {
    /// The profile asked for (`dev`, `release`, a custom one).
    profile: String,
    /// A non-binary target was asked for (`--lib`, `--example`...).
    lib_or_other: bool,
}

/// Reads the toolchain and skips the global flags before the subcommand; returns the
/// subcommand's index.
fn read_global(c: &mut Cargo, words: &[String], tpl: &Template) -> usize {
    let mut i = 1;
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
    i
}

/// Reads the words after the subcommand: its flags (into `options` too), `cargo install`'s
/// crates, and `cargo run`'s program arguments (after `--` or the first plain word).
fn read_sub_args(c: &mut Cargo, seen: &mut Seen, words: &[String], tpl: &Template) {
    let mut j = 0;
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
            c.options.extend(v.clone());
            j += 1;
            v
        } else {
            inline
        };
        read_flag(c, seen, name, value);
    }
}

/// Records flag `name` (without its dashes) with its `value`.
fn read_flag(c: &mut Cargo, seen: &mut Seen, name: &str, value: Option<String>) {
    match name {
        "release" | "r" => seen.profile = "release".into(),
        "debug" if c.sub == "install" => seen.profile = "dev".into(),
        "profile" => seen.profile = value.unwrap_or_default(),
        "bin" => c.bins.extend(value),
        "bins" | "all-targets" => c.all_bins = true,
        "lib" | "example" | "examples" | "test" | "tests" | "bench" | "benches" => seen.lib_or_other = true,
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

/// The output directory of a profile (`dev` and `test` write to `debug`, `bench` to `release`).
fn profile_dir(profile: &str) -> String {
    match profile {
        "dev" | "test" => "debug".into(),
        "bench" => "release".into(),
        p => p.to_string(),
    }
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

    #[test]
    fn global_flags_come_before_the_subcommand() {
        let t = tpl();
        let mut c = Cargo::default();
        let w = words("cargo +1.80 --config net.offline=true -Z unstable --locked build");
        assert_eq!(w[read_global(&mut c, &w, &t)], "build");
        assert_eq!(c.toolchain.as_deref(), Some("1.80"));
        // `-C dir` takes a value; `--color=always` carries its own.
        let c = parse_cargo(&words("cargo -C sub --color=always b -r"), &t).expect("cargo");
        assert_eq!((c.sub.as_str(), c.profile_dir.as_str()), ("build", "release"));
        assert!(parse_cargo(&words("cargo --locked"), &t).is_none());
        assert!(parse_cargo(&words("/usr/local/cargo/bin/cargo build"), &t).is_some());
    }

    #[test]
    fn sub_args_split_options_crates_and_program_arguments() {
        let t = tpl();
        let mut c = Cargo {
            sub: "install".into(),
            ..Cargo::default()
        };
        let mut seen = Seen {
            profile: "release".into(),
            lib_or_other: false,
        };
        read_sub_args(&mut c, &mut seen, &words("ripgrep --root /opt --locked fd-find"), &t);
        assert_eq!(c.crates, ["ripgrep", "fd-find"]);
        assert_eq!(c.root.as_deref(), Some("/opt"));
        assert_eq!(c.options, ["ripgrep", "--root", "/opt", "--locked", "fd-find"]);
        // `cargo run` stops at `--` or at the first plain word.
        let c = parse_cargo(&words("cargo run --bin api -- serve -p 80"), &t).expect("cargo");
        assert_eq!(
            (c.dashdash, c.args.clone(), c.bins.clone()),
            (true, words("serve -p 80"), words("api"))
        );
        let c = parse_cargo(&words("cargo run -q serve"), &t).expect("cargo");
        assert_eq!(
            (c.dashdash, c.args.clone(), c.options.clone()),
            (false, words("serve"), words("-q"))
        );
        // Elsewhere `--` is skipped.
        let c = parse_cargo(&words("cargo build -- --release"), &t).expect("cargo");
        assert_eq!(c.profile_dir, "release");
    }

    #[test]
    fn flags_are_recorded() {
        let t = tpl();
        let c = parse_cargo(
            &words("cargo build -F b,a --features=a --no-default-features --workspace --exclude x"),
            &t,
        )
        .expect("cargo");
        assert_eq!(c.features, ["+a", "+b", "--no-default-features"]);
        assert!(c.workspace);
        assert_eq!(c.exclude, ["x"]);
        let c = parse_cargo(&words("cargo build --lib"), &t).expect("cargo");
        assert!(c.no_bins);
        let c = parse_cargo(&words("cargo build --lib --bins"), &t).expect("cargo");
        assert!(!c.no_bins && c.all_bins);
        let c = parse_cargo(&words("cargo install --debug --path ."), &t).expect("cargo");
        assert_eq!((c.profile_dir.as_str(), c.path.as_deref()), ("debug", Some(".")));
        let c = parse_cargo(&words("cargo build --target-dir /t --manifest-path a/Cargo.toml"), &t).expect("cargo");
        assert_eq!(
            (c.target_dir.as_deref(), c.manifest_path.as_deref()),
            (Some("/t"), Some("a/Cargo.toml"))
        );
    }

    #[test]
    fn profiles_map_to_their_directories() {
        assert_eq!(profile_dir("dev"), "debug");
        assert_eq!(profile_dir("test"), "debug");
        assert_eq!(profile_dir("bench"), "release");
        assert_eq!(profile_dir("dist"), "dist");
    }

    #[test]
    fn one_flag_read_directly() {
        let mut c = Cargo {
            sub: "install".into(),
            ..Cargo::default()
        };
        let mut seen = Seen {
            profile: "release".into(),
            lib_or_other: false,
        };
        read_flag(&mut c, &mut seen, "debug", None);
        assert_eq!(seen.profile, "dev");
        read_flag(&mut c, &mut seen, "example", Some("demo".into()));
        assert!(seen.lib_or_other);
        read_flag(&mut c, &mut seen, "features", Some("a b,c".into()));
        assert_eq!(c.features, ["+a", "+b", "+c"]);
        read_flag(&mut c, &mut seen, "bin", Some("x".into()));
        read_flag(&mut c, &mut seen, "root", Some("/r".into()));
        assert_eq!((c.bins.clone(), c.root.as_deref()), (vec!["x".to_string()], Some("/r")));
        read_flag(&mut c, &mut seen, "locked", None);
        assert_eq!(seen.profile, "dev");
    }
}
