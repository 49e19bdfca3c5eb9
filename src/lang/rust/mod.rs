//! Rust: finds the `cargo build` / `cargo install` that makes the binary the container runs,
//! or the `cargo run` that builds it at start-up (which then becomes a build step in the
//! builder and a direct start of the binary). [`analyze`] runs the passes in order: the
//! builds ([`builds`]), the start command ([`start`]), the binary's place in a cache mount,
//! how it links ([`links`]: glibc, static or dynamic musl, native libraries), the runtimes,
//! and what only the build leaves (cargo's `deps/`, `build/`... in the target directory).

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
    if s.build.cargo.profile_dir != "release" && s.built.original.contains(&format!("/{}/", s.build.cargo.profile_dir))
    {
        p.notes.push(format!("{} profile kept", s.build.cargo.profile_dir));
    }
    let to = runtime_path(input, tpl, &run, &s);
    p.artifacts.push(Carry::to(&s.built.path, &to));
    let mut s = s;
    if s.cargo_run && to == s.built.path {
        // The binary runs where the build left it, inside the application directory.
        for (_, words) in &mut s.replace_commands {
            if let Some(first) = words.first_mut() {
                *first = to.clone();
            }
        }
    }
    p.build_only = build_only(input, tpl, &s.build, &s.built, &run);
    p.executes = scan_execs(input.ctx, &rust_sources(input), &tpl.exec_calls);
    p.own = vec![s.built.path.clone(), s.built.bin.clone(), to];
    p.builder_tail = s.builder_tail;
    p.replace_commands = s.replace_commands;
    p.build_env = build_env;
    Ok(p)
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
    let model = input.model;
    let musl = match &build.triple {
        Some(t) => {
            let arch = t.split('-').next().unwrap_or("");
            if !tpl.native_arch.iter().any(|a| a == arch) {
                return Err(Skip::Unsupported(format!(
                    "the build cross-compiles for {t}; the runtime platform is unclear"
                )));
            }
            t.contains("musl")
        }
        None => base.musl,
    };
    if musl {
        let rustflags = model.state(build.index).var("RUSTFLAGS").unwrap_or("").to_string();
        let packaged = !tpl.images.contains(&model.image.name) && build.triple.is_none();
        let dynamic = rustflags.contains("-crt-static") || packaged;
        let script = links::build_script_links(input.ctx, tpl, "apk")?;
        if dynamic || !script.packages.is_empty() {
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
            return Ok(Linking {
                table: "musl-dynamic",
                what: format!("a musl binary linked dynamically ({why})"),
                packages,
                notes: vec![format!(
                    "dynamic musl binary ({why}): alpine with {}",
                    tpl.musl_dynamic_packages.join(" ")
                )],
            });
        }
        return Ok(Linking {
            table: "musl",
            what: "a static musl binary".into(),
            packages: Vec::new(),
            notes: Vec::new(),
        });
    }
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
    let extra: Vec<&String> = l.packages.iter().filter(|p| !l.in_distroless.contains(p)).collect();
    let table = if extra.is_empty() && tpl.distroless_releases.contains(&base.codename) {
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
    if !tpl.distroless_releases.contains(&base.codename) {
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
        |n| input.common.images.get(n).cloned(),
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
                if hit && !out.contains(k) {
                    out.push(k.clone());
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
