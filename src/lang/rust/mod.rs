//! Rust: finds the `cargo build` / `cargo install` that makes the binary the container runs,
//! or the `cargo run` that builds it at start-up (which then becomes a build step in the
//! builder and a direct start of the binary). [`analyze`] runs the passes in order:
//! `build_env_names` (the build-only ENV), the builds ([`builds`]), the start command
//! ([`start`]), `not_in_cache_mount`, `base_facts` (the Debian release of an untagged rust
//! image), `linking` (`targets_musl`, then `musl_linking` or `glibc_linking` with [`links`]),
//! `runtimes`, `profile_note`, `runtime_path` (where the binary goes), `start_in_place`,
//! `build_only` (cargo's `deps/`, `build/`... in the target directory, the sources when the
//! program runs elsewhere) and the programs the code starts (`rust_sources`).

pub mod builds;
pub mod cargo;
pub mod links;
pub mod start;
pub mod workspace;

use super::{Input, Program, RunCommand, Runtimes, run_command, scan_execs};
use crate::Skip;
use crate::detect::{Language, absolute};
use crate::parse::Instruction;
use crate::plan::Carry;
use crate::template::BaseFacts;
pub use crate::template::rust::Template;
use builds::{Build, Built};
use start::Started;

/// Analyses a Rust Dockerfile.
pub fn analyze(input: &Input<'_, '_>, tpl: &Template) -> Result<Program, Skip> {
    let Some(run) = run_command(input.df, input.model) else {
        return Err(Skip::Unsupported("no CMD or ENTRYPOINT runs the built binary".into()));
    };
    let build_env = build_env_names(input, tpl);
    let (builds, problems) = builds::find_builds(input, tpl);
    let s = start::started(input, tpl, &builds, &problems, &run, &build_env)?;
    not_in_cache_mount(input, &s)?;
    let base = base_facts(input, tpl);
    let link = linking(input, tpl, &s.build, &base)?;
    let mut p = Program::new(
        Language::Rust,
        s.split,
        link.what.clone(),
        runtimes(input, tpl, &link, &base)?,
    );
    p.packages = link.packages.clone();
    p.notes = link.notes.clone();
    p.notes.extend(s.notes.iter().cloned());
    p.notes.extend(profile_note(&s));
    let to = runtime_path(input, tpl, &run, &s);
    p.artifacts.push(Carry::to(&s.built.path, &to));
    let mut s = s;
    start_in_place(&mut s, &to);
    p.build_only = build_only(input, tpl, &s.build, &s.built, &run);
    p.executes = scan_execs(input.ctx, &rust_sources(input), &tpl.exec_calls);
    p.own = vec![s.built.path.clone(), s.built.bin.clone(), to];
    p.builder_tail = s.builder_tail;
    p.replace_commands = s.replace_commands;
    p.build_env = build_env;
    Ok(p)
}

/// A remark when the binary is not a release build (`debug profile kept`).
fn profile_note(s: &Started) -> Option<String> {
    let dir = &s.build.cargo.profile_dir;
    (dir != "release" && s.built.original.contains(&format!("/{dir}/"))).then(|| format!("{dir} profile kept"))
}

/// A `cargo run` whose binary stays where the build left it (inside the application
/// directory) starts it by that path.
fn start_in_place(s: &mut Started, to: &str) {
    if !s.cargo_run || to != s.built.path {
        return;
    }
    for (_, words) in &mut s.replace_commands {
        if let Some(first) = words.first_mut() {
            *first = to.to_string();
        }
    }
}

/// The binary must be in the image, not in a cache mount the image does not keep.
fn not_in_cache_mount(input: &Input<'_, '_>, s: &Started) -> Result<(), Skip> {
    for i in s.build.index..=s.split {
        for m in cache_mounts(input, i) {
            if s.built.path == m || s.built.path.starts_with(&format!("{m}/")) {
                return Err(Skip::Unsupported(format!(
                    "the binary {} is in the cache mount {m} of line {}, which the image does not keep",
                    s.built.path,
                    input.df.line(i)
                )));
            }
        }
    }
    Ok(())
}

/// Cache mounts (`RUN --mount=type=cache,target=X`) of instruction `i`.
fn cache_mounts(input: &Input<'_, '_>, i: usize) -> Vec<String> {
    let Instruction::Run(r) = &input.df.instructions[i] else {
        return Vec::new();
    };
    let state = input.model.state(i);
    r.options
        .iter()
        .filter(|o| o.name.value == "mount")
        .filter_map(|o| o.value.as_ref().map(|v| v.value.to_string()))
        .filter_map(|v| {
            let kv: Vec<(&str, &str)> = v.split(',').filter_map(|p| p.split_once('=')).collect();
            let is_cache = kv.iter().any(|(k, t)| *k == "type" && matches!(*t, "cache" | "tmpfs"));
            let target = kv
                .iter()
                .find(|(k, _)| matches!(*k, "target" | "dst" | "destination"))
                .map(|(_, t)| state.resolve(t));
            target.filter(|_| is_cache)
        })
        .collect()
}

/// How the binary links.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Linking {
    /// `glibc`, `glibc-packages`, `musl` (static) or `musl-dynamic`.
    table: &'static str,
    /// What the program is, for messages.
    what: String,
    /// Runtime packages it needs.
    packages: Vec<String>,
    /// Remarks.
    notes: Vec<String>,
}

/// Reads how the binary links: the target (musl or glibc), static or dynamic musl
/// (alpine's packaged rust, `-C target-feature=-crt-static`), and the native libraries.
fn linking(input: &Input<'_, '_>, tpl: &Template, build: &Build, base: &BaseFacts) -> Result<Linking, Skip> {
    if targets_musl(tpl, build, base)? {
        musl_linking(input, tpl, build)
    } else {
        glibc_linking(input, tpl, build, base)
    }
}

/// Whether the binary is for musl: its target triple says so, else the builder's libc does;
/// refuses a triple for an architecture the runtime images do not run.
fn targets_musl(tpl: &Template, build: &Build, base: &BaseFacts) -> Result<bool, Skip> {
    let Some(t) = &build.triple else {
        return Ok(base.musl);
    };
    let arch = t.split('-').next().unwrap_or("");
    if !tpl.native_arch.iter().any(|a| a == arch) {
        return Err(Skip::Unsupported(format!(
            "the build cross-compiles for {t}; the runtime platform is unclear"
        )));
    }
    Ok(t.contains("musl"))
}

/// A musl binary: static, unless alpine's own rust built it, RUSTFLAGS turns crt-static off or
/// a build script links a library dynamically (then alpine with the GCC runtime library).
fn musl_linking(input: &Input<'_, '_>, tpl: &Template, build: &Build) -> Result<Linking, Skip> {
    let model = input.model;
    let rustflags = model.state(build.index).var("RUSTFLAGS").unwrap_or("").to_string();
    let packaged = !tpl.images.contains(&model.image.name) && build.triple.is_none();
    let dynamic = rustflags.contains("-crt-static") || packaged;
    let script = links::build_script_links(input.ctx, tpl, "apk")?;
    if !dynamic && script.packages.is_empty() {
        return Ok(Linking {
            table: "musl",
            what: "a static musl binary".into(),
            packages: Vec::new(),
            notes: Vec::new(),
        });
    }
    let why = if packaged {
        "alpine's own rust links it dynamically".to_string()
    } else if rustflags.contains("-crt-static") {
        "RUSTFLAGS turns crt-static off".to_string()
    } else {
        script.reasons.join(", ")
    };
    let mut packages = tpl.musl_dynamic_packages.clone();
    packages.extend(
        script
            .packages
            .iter()
            .filter(|p| !tpl.musl_dynamic_packages.contains(p))
            .cloned(),
    );
    Ok(Linking {
        table: "musl-dynamic",
        what: format!("a musl binary linked dynamically ({why})"),
        packages,
        notes: vec![format!(
            "dynamic musl binary ({why}): alpine with {}",
            tpl.musl_dynamic_packages.join(" ")
        )],
    })
}

/// A glibc binary, from a builder whose glibc a Debian runtime matches: the native libraries
/// it links (its `-sys` crates and build scripts), and distroless only when the release has
/// it and it holds them all.
fn glibc_linking(input: &Input<'_, '_>, tpl: &Template, build: &Build, base: &BaseFacts) -> Result<Linking, Skip> {
    let model = input.model;
    if !tpl.glibc_builders.contains(&model.image.name) {
        return Err(Skip::Unsupported(format!(
            "the binary links the glibc of {}, which no Debian runtime image is known to match",
            model.image.full
        )));
    }
    let tag = model.image.tag().to_ascii_lowercase();
    let full = model.image.name == "rust" && !tag.contains("slim") && !tag.contains("alpine");
    let mut l = links::native_links(input, tpl, &build.ws_root, &base.codename, full)?;
    let script = links::build_script_links(input.ctx, tpl, "apt")?;
    for (p, why) in script.packages.iter().zip(script.reasons.iter().cycle()) {
        if !l.packages.contains(p) {
            l.packages.push(p.clone());
            l.reasons.push(why.clone());
        }
    }
    let distroless = tpl.distroless_releases.contains(&base.codename);
    let extra = l.packages.iter().any(|p| !l.in_distroless.contains(p));
    let table = if !extra && distroless {
        "glibc"
    } else {
        "glibc-packages"
    };
    let what = if l.packages.is_empty() {
        "a glibc binary".to_string()
    } else {
        format!("a glibc binary that needs {}", l.packages.join(", "))
    };
    let mut notes = Vec::new();
    if !l.reasons.is_empty() {
        notes.push(l.reasons.join(", "));
    }
    if !distroless {
        notes.push(format!(
            "no distroless image for Debian {}: debian-slim of that release",
            base.codename
        ));
    }
    Ok(Linking {
        table,
        what,
        packages: l.packages,
        notes,
    })
}

/// The runtime images for how the binary links.
fn runtimes(input: &Input<'_, '_>, tpl: &Template, link: &Linking, base: &BaseFacts) -> Result<Runtimes, Skip> {
    let table = tpl
        .runtimes
        .get(link.table)
        .ok_or_else(|| Skip::Unsupported(format!("templates/rust.toml has no runtimes.{} table", link.table)))?;
    Runtimes::from_table(
        table,
        |n| input.common.images.get(n),
        |p| crate::template::fill(p, base),
    )
}

/// Where the binary goes: `/usr/local/bin` for a `cargo run` or a binary found through a
/// PATH directory the runtime image lacks, else its own path.
fn runtime_path(input: &Input<'_, '_>, tpl: &Template, run: &RunCommand, s: &Started) -> String {
    let program = run.words.first().map(String::as_str).unwrap_or("");
    let dir = s.built.path.rsplit_once('/').map_or("/", |(d, _)| d);
    let app = &input.model.state(run.index).workdir;
    let in_app = !input.common.is_system_dir(app) && crate::runtime::files::under(&s.built.path, app);
    if s.cargo_run && in_app {
        s.built.path.clone()
    } else if s.cargo_run || !program.contains('/') && !tpl.runtime_path.iter().any(|d| d == dir) {
        format!("/usr/local/bin/{}", s.built.bin)
    } else {
        s.built.path.clone()
    }
}

/// What only the build leaves: cargo's work directories in the binary's profile directory
/// (and the host's, when cross-compiling to a triple), and the sources when the program runs
/// outside them.
fn build_only(input: &Input<'_, '_>, tpl: &Template, build: &Build, built: &Built, run: &RunCommand) -> Vec<String> {
    let mut out = Vec::new();
    if build.cargo.sub == "install" {
        // `cargo install --path` builds in the workspace's target directory and copies the
        // binary out: the whole target directory stays behind.
        let state = input.model.state(build.index);
        let target = build
            .cargo
            .target_dir
            .clone()
            .or_else(|| state.var("CARGO_TARGET_DIR").map(str::to_string))
            .map(|d| absolute(&state.workdir, &d))
            .or_else(|| builds::image_dir_of(input, &build.ws_root, build.index).map(|r| absolute(&r, "target")));
        out.extend(target);
    } else {
        let profile_dir = built.original.rsplit_once('/').map_or("/", |(d, _)| d).to_string();
        let mut dirs = vec![profile_dir.clone()];
        if build.triple.is_some()
            && let Some(target_dir) = profile_dir
                .rsplit_once('/')
                .and_then(|(d, _)| d.rsplit_once('/'))
                .map(|(d, _)| d)
        {
            dirs.push(absolute(target_dir, &build.cargo.profile_dir));
        }
        for d in dirs {
            for sub in &tpl.target_build_only {
                out.push(absolute(&d, sub));
            }
        }
    }
    let app = &input.model.state(run.index).workdir;
    if let Some(root) = input.model.copies.iter().find_map(|c| {
        (c.index <= build.index && c.sources.iter().any(|s| s == "."))
            .then(|| c.dest.trim_end_matches('/').to_string())
            .filter(|d| !d.is_empty())
    }) {
        let outside = !crate::runtime::files::under(&root, app) && !crate::runtime::files::under(app, &root);
        if outside && !input.common.is_system_dir(&root) {
            out.push(root);
        }
    }
    out
}

/// The project's Rust sources that go into the binary (tests, benches, examples, build
/// scripts and fuzz targets excluded).
fn rust_sources(input: &Input<'_, '_>) -> Vec<String> {
    crate::context::find_files(input.ctx, "", ".rs", 2000)
        .into_iter()
        .filter(|f| {
            let under = |d: &str| f.starts_with(&format!("{d}/")) || f.contains(&format!("/{d}/"));
            !f.ends_with("build.rs")
                && !["tests", "benches", "examples", "target", "fuzz"]
                    .iter()
                    .any(|d| under(d))
        })
        .collect()
}

/// ENV names set in the stage that match the template's build-only patterns.
fn build_env_names(input: &Input<'_, '_>, tpl: &Template) -> Vec<String> {
    let df = input.df;
    let mut out = Vec::new();
    for (i, ins) in df.instructions.iter().enumerate().skip(input.model.from + 1) {
        if let Instruction::Env(_) = ins {
            for (k, _) in input.model.env_pairs(i) {
                let hit = tpl.build_env.iter().any(|p| match p.strip_suffix('*') {
                    Some(prefix) => k.starts_with(prefix),
                    None => p == k,
                });
                if hit && !out.iter().any(|o| o == k) {
                    out.push(k.to_string());
                }
            }
        }
    }
    out
}

/// The builder's base system. A rust image tag that names no Debian release (`rust:1.82`,
/// `rust:1-slim`, `rust:latest`) is on the release its Rust version shipped with, from the
/// template's `tag_releases`; a tag without a version is on the newest one.
fn base_facts(input: &Input<'_, '_>, tpl: &Template) -> BaseFacts {
    let image = &input.model.image;
    let mut base = input.base.clone();
    let tag = image.tag().to_ascii_lowercase();
    let named = input.common.debian.keys().any(|c| tag.contains(c.as_str()));
    if named || !tpl.images.contains(&image.name) {
        return base;
    }
    let version = |v: &str| -> Option<(u32, u32)> {
        let mut parts = v.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        Some((major, minor))
    };
    let head: String = tag.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
    let release = match version(&head) {
        Some(v) => tpl
            .tag_releases
            .iter()
            .rfind(|r| version(&r.from).is_some_and(|f| f <= v)),
        None => tpl.tag_releases.last(),
    };
    if let Some(r) = release
        && let Some(n) = input.common.debian.get(&r.codename)
    {
        base.codename = r.codename.clone();
        base.debian = n.clone();
    }
    base
}

/// Test support for the Rust passes: the built-in template and a one-binary package.
#[cfg(test)]
pub(crate) mod testing {
    use crate::context::MemContext;
    use crate::template::{TemplateSet, rust::Template};

    /// The built-in Rust template.
    pub(crate) fn tpl() -> &'static Template {
        &TemplateSet::builtin().rust
    }

    /// A package `app` with one binary.
    pub(crate) fn app() -> MemContext {
        MemContext::new()
            .with("Cargo.toml", "[package]\nname = \"app\"\nversion = \"0.1.0\"\n")
            .with("src/main.rs", "fn main() {}")
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{app, tpl};
    use super::*;
    use crate::context::MemContext;
    use crate::lang::testing::{with_input, words};
    use crate::template::RuntimeKind;

    /// A lock that links openssl-sys.
    fn with_openssl(ctx: MemContext) -> MemContext {
        ctx.with(
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\n[dependencies]\nopenssl = \"0.10\"\n",
        )
        .with(
            "Cargo.lock",
            "[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"openssl\"]\n\n[[package]]\nname = \"openssl\"\nversion = \"0.10.0\"\ndependencies = [\"openssl-sys\"]\n\n[[package]]\nname = \"openssl-sys\"\nversion = \"0.9.0\"\n",
        )
    }

    /// Runs `f` on the input and how `df` starts.
    fn started<R>(df: &str, ctx: &MemContext, f: impl FnOnce(&Input<'_, '_>, &RunCommand, Started) -> R) -> R {
        with_input(df, ctx, |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            let env = build_env_names(input, tpl());
            let (builds, problems) = builds::find_builds(input, tpl());
            let s = start::started(input, tpl(), &builds, &problems, &run, &env).expect("started");
            f(input, &run, s)
        })
    }

    fn link(df: &str, ctx: &MemContext) -> Result<Linking, String> {
        started(df, ctx, |input, _, s| {
            linking(input, tpl(), &s.build, &base_facts(input, tpl())).map_err(|e| e.to_string())
        })
    }

    #[test]
    fn glibc_binaries_link_what_their_crates_need() {
        let df = "FROM rust:1.80-bookworm\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/app\"]\n";
        let plain = link(df, &app()).expect("linking");
        assert_eq!((plain.table, plain.what.as_str()), ("glibc", "a glibc binary"));
        let ssl = link(df, &with_openssl(app())).expect("linking");
        assert_eq!(ssl.table, "glibc");
        assert_eq!(ssl.packages, words("libssl3 ca-certificates"));
        assert_eq!(ssl.what, "a glibc binary that needs libssl3, ca-certificates");
        assert_eq!(ssl.notes, ["openssl-sys links libssl3 + ca-certificates"]);
        // libpq is not in distroless/cc: debian-slim with the package.
        let pq = app()
            .with("Cargo.lock", "[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"pq-sys\"]\n\n[[package]]\nname = \"pq-sys\"\nversion = \"0.4.0\"\n")
            .with("Cargo.toml", "[package]\nname = \"app\"\n[dependencies]\npq-sys = \"0.4\"\n");
        assert_eq!(link(df, &pq).expect("linking").table, "glibc-packages");
        // Buster has no distroless image.
        let old = df.replace("1.80-bookworm", "1.80-buster");
        let l = link(&old, &app()).expect("linking");
        assert_eq!(l.table, "glibc-packages");
        assert_eq!(
            l.notes,
            ["no distroless image for Debian buster: debian-slim of that release"]
        );
    }

    #[test]
    fn glibc_from_an_unknown_distribution_is_refused() {
        let df = "FROM fedora:40\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/app\"]\n";
        assert_eq!(
            link(df, &app()).unwrap_err(),
            "the binary links the glibc of fedora:40, which no Debian runtime image is known to match"
        );
    }

    #[test]
    fn musl_binaries_are_static_unless_something_links_dynamically() {
        let build = |flags: &str| {
            format!(
                "FROM rust:1.80-alpine\nWORKDIR /app\nCOPY . .\n{flags}RUN cargo build --release\nCMD [\"./target/release/app\"]\n"
            )
        };
        let l = link(&build(""), &app()).expect("linking");
        assert_eq!(
            (l.table, l.what.as_str(), l.packages.len()),
            ("musl", "a static musl binary", 0)
        );
        let l = link(&build("ENV RUSTFLAGS=\"-C target-feature=-crt-static\"\n"), &app()).expect("linking");
        assert_eq!((l.table, l.packages.clone()), ("musl-dynamic", words("libgcc")));
        assert_eq!(
            l.what,
            "a musl binary linked dynamically (RUSTFLAGS turns crt-static off)"
        );
        let z = app().with("build.rs", "fn main() { println!(\"cargo:rustc-link-lib=z\"); }");
        let l = link(&build(""), &z).expect("linking");
        assert_eq!(l.packages, words("libgcc zlib"));
        assert_eq!(
            l.notes,
            ["dynamic musl binary (build.rs links libz): alpine with libgcc"]
        );
        // alpine's packaged rust.
        let df = "FROM alpine:3.20\nRUN apk add cargo\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/app\"]\n";
        assert_eq!(
            link(df, &app()).expect("linking").what,
            "a musl binary linked dynamically (alpine's own rust links it dynamically)"
        );
    }

    #[test]
    fn the_target_triple_decides_the_libc() {
        let df = |target: &str| {
            format!(
                "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN cargo build --release --target {target}\nCMD [\"./target/{target}/release/app\"]\n"
            )
        };
        assert_eq!(
            link(&df("x86_64-unknown-linux-musl"), &app()).expect("linking").table,
            "musl"
        );
        assert_eq!(
            link(&df("aarch64-unknown-linux-gnu"), &app()).unwrap_err(),
            "the build cross-compiles for aarch64-unknown-linux-gnu; the runtime platform is unclear"
        );
    }

    #[test]
    fn runtimes_by_link_table() {
        with_input("FROM rust:1.80-bookworm\n", &app(), |input| {
            let base = base_facts(input, tpl());
            let l = |table| Linking {
                table,
                what: String::new(),
                packages: Vec::new(),
                notes: Vec::new(),
            };
            let rt = runtimes(input, tpl(), &l("glibc"), &base).expect("glibc");
            assert_eq!(
                rt.get(RuntimeKind::Distroless).expect("distroless").image,
                "gcr.io/distroless/cc-debian12:latest"
            );
            let rt = runtimes(input, tpl(), &l("glibc-packages"), &base).expect("glibc-packages");
            assert_eq!(rt.default, RuntimeKind::DebianSlim);
            assert_eq!(
                runtimes(input, tpl(), &l("nope"), &base).unwrap_err().to_string(),
                "templates/rust.toml has no runtimes.nope table"
            );
        });
    }

    #[test]
    fn untagged_rust_releases_come_from_the_version() {
        let codename = |image: &str| {
            with_input(&format!("FROM {image}\n"), &app(), |input| {
                base_facts(input, tpl()).codename
            })
        };
        assert_eq!(codename("rust:1.82"), "bookworm");
        assert_eq!(codename("rust:1.60-slim"), "bullseye");
        assert_eq!(codename("rust:1.90"), "trixie");
        assert_eq!(codename("rust:latest"), "trixie");
        assert_eq!(codename("rust:1.82-bullseye"), "bullseye");
    }

    #[test]
    fn binaries_in_cache_mounts_are_refused() {
        let df = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN --mount=type=cache,target=/app/target cargo build --release\nCMD [\"./target/release/app\"]\n";
        started(df, &app(), |input, _, s| {
            assert_eq!(cache_mounts(input, 3), words("/app/target"));
            assert_eq!(
                not_in_cache_mount(input, &s).unwrap_err().to_string(),
                "the binary /app/target/release/app is in the cache mount /app/target of line 4, which the image does not keep"
            );
        });
        let df = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN --mount=type=cache,target=/usr/local/cargo/registry --mount=type=bind,target=/x cargo build --release\nCMD [\"./target/release/app\"]\n";
        started(df, &app(), |input, _, s| {
            assert_eq!(cache_mounts(input, 3), words("/usr/local/cargo/registry"));
            assert!(not_in_cache_mount(input, &s).is_ok());
        });
    }

    #[test]
    fn runtime_paths() {
        let to = |df: &str| started(df, &app(), |input, run, s| runtime_path(input, tpl(), run, &s));
        let base = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\n";
        assert_eq!(
            to(&format!(
                "{base}RUN cargo build --release\nCMD [\"./target/release/app\"]\n"
            )),
            "/app/target/release/app"
        );
        assert_eq!(
            to(&format!("{base}RUN cargo install --path .\nCMD [\"app\"]\n")),
            "/usr/local/bin/app"
        );
        assert_eq!(
            to(&format!("{base}CMD [\"cargo\", \"run\", \"--release\"]\n")),
            "/app/target/release/app"
        );
        // `cargo run` from / (a system directory): the binary goes to /usr/local/bin.
        let root = "FROM rust:1.80\nCOPY . /\nCMD [\"cargo\", \"run\"]\n";
        assert_eq!(to(root), "/usr/local/bin/app");
    }

    #[test]
    fn cargo_run_in_place_starts_the_binary_by_its_path() {
        let df = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nCMD [\"cargo\", \"run\", \"--\", \"-v\"]\n";
        started(df, &app(), |_, _, mut s| {
            assert_eq!(profile_note(&s).as_deref(), Some("debug profile kept"));
            start_in_place(&mut s, "/usr/local/bin/app");
            assert_eq!(s.replace_commands, vec![(3, words("app -v"))]);
            start_in_place(&mut s, "/app/target/debug/app");
            assert_eq!(s.replace_commands, vec![(3, words("/app/target/debug/app -v"))]);
        });
        let df = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/app\"]\n";
        started(df, &app(), |_, _, s| assert_eq!(profile_note(&s), None));
    }

    #[test]
    fn build_only_paths() {
        let only = |df: &str| {
            started(df, &app(), |input, run, s| {
                let mut b = build_only(input, tpl(), &s.build, &s.built, run);
                b.sort();
                b
            })
        };
        let base = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\n";
        let release = format!("{base}RUN cargo build --release\nCMD [\"./target/release/app\"]\n");
        assert_eq!(
            only(&release),
            words(
                "/app/target/release/.fingerprint /app/target/release/build /app/target/release/deps /app/target/release/examples /app/target/release/incremental"
            )
        );
        let install = format!("{base}RUN cargo install --path .\nCMD [\"app\"]\n");
        assert_eq!(only(&install), words("/app/target"));
        let cross = format!(
            "{base}RUN cargo build --release --target x86_64-unknown-linux-musl\nCMD [\"./target/x86_64-unknown-linux-musl/release/app\"]\n"
        );
        assert!(only(&cross).contains(&"/app/target/release/deps".to_string()));
        assert!(only(&cross).contains(&"/app/target/x86_64-unknown-linux-musl/release/deps".to_string()));
        // Built in /src, run from /srv: the sources stay behind.
        let outside = "FROM rust:1.80\nWORKDIR /src\nCOPY . .\nRUN cargo install --path . --root /srv\nWORKDIR /srv\nCMD [\"./bin/app\"]\n";
        assert_eq!(only(outside), words("/src /src/target"));
    }

    #[test]
    fn sources_and_build_env() {
        let ctx = app()
            .with("build.rs", "")
            .with("tests/it.rs", "")
            .with("benches/b.rs", "")
            .with("src/lib.rs", "")
            .with("fuzz/fuzz_targets/f.rs", "");
        with_input("FROM rust:1.80\n", &ctx, |input| {
            let mut src = rust_sources(input);
            src.sort();
            assert_eq!(src, words("src/lib.rs src/main.rs"));
        });
        let df = "FROM rust:1.80\nENV RUSTFLAGS=-g CARGO_INCREMENTAL=0 PORT=80\nENV CARGO_INCREMENTAL=1\n";
        with_input(df, &ctx, |input| {
            assert_eq!(build_env_names(input, tpl()), words("RUSTFLAGS CARGO_INCREMENTAL"));
        });
    }

    #[test]
    fn analyze_answers_the_binary_and_its_runtime() {
        let df = "FROM rust:1.80-bookworm\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/app\"]\n";
        let ctx = with_openssl(app()).with("src/main.rs", "fn main() { std::process::Command::new(\"git\"); }");
        let p = with_input(df, &ctx, |input| analyze(input, tpl())).expect("a program");
        assert_eq!(
            (p.split_after, p.what.as_str()),
            (3, "a glibc binary that needs libssl3, ca-certificates")
        );
        assert_eq!(p.artifacts, vec![Carry::same("/app/target/release/app")]);
        assert_eq!(
            p.executes.iter().map(|e| e.program.as_str()).collect::<Vec<_>>(),
            ["git"]
        );
        assert_eq!(p.own, words("/app/target/release/app app /app/target/release/app"));
        let none = with_input("FROM rust:1.80\nRUN cargo build\n", &ctx, |input| analyze(input, tpl()));
        assert_eq!(
            none.unwrap_err().to_string(),
            "no CMD or ENTRYPOINT runs the built binary"
        );
    }

    fn build_of(df: &str, ctx: &MemContext) -> (Build, BaseFacts) {
        started(df, ctx, |input, _, s| (s.build, base_facts(input, tpl())))
    }

    #[test]
    fn libc_and_link_kind_read_directly() {
        let df = "FROM rust:1.80-alpine\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/app\"]\n";
        let (b, base) = build_of(df, &app());
        assert_eq!(targets_musl(tpl(), &b, &base), Ok(true));
        let gnu = Build {
            triple: Some("x86_64-unknown-linux-gnu".into()),
            ..b.clone()
        };
        assert_eq!(targets_musl(tpl(), &gnu, &base), Ok(false));
        let arm = Build {
            triple: Some("armv7-unknown-linux-musleabihf".into()),
            ..b.clone()
        };
        assert!(targets_musl(tpl(), &arm, &base).is_err());
        with_input(df, &app(), |input| {
            assert_eq!(musl_linking(input, tpl(), &b).expect("musl").table, "musl");
        });
        let df = "FROM rust:1.80-slim-bookworm\nRUN apt-get install -y libssl-dev\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/app\"]\n";
        let (b, base) = build_of(df, &app());
        with_input(df, &app(), |input| {
            let l = glibc_linking(input, tpl(), &b, &base).expect("glibc");
            assert_eq!(
                (l.table, l.packages.clone()),
                ("glibc", words("libssl3 ca-certificates"))
            );
        });
    }
}
