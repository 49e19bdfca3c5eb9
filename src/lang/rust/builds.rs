//! Builds: every `cargo build` / `cargo install --path` of the stage ([`find_builds`]), followed
//! through the `mv`/`cp` after it in the same RUN, and resolved ([`resolve`]) to the binaries it
//! makes and where they are in the image: `manifest_image_dir` (the Cargo.toml it reads), the
//! workspace's selection, then `install_bin_dir` (the install root) or `profile_out_dir`
//! (target directory, `--target`, `.cargo/config.toml`, profile).

use super::cargo::{Cargo, parse_cargo};
use super::workspace::{CargoConfig, cargo_config, pick_run_bin, select};
use crate::context::join;
use crate::detect::absolute;
use crate::lang::Input;
use crate::parse::Instruction;
use crate::template::rust::Template;

/// One binary a build step makes.
#[derive(Debug, Clone)]
pub struct Built {
    /// The binary's name.
    pub bin: String,
    /// Where it is in the builder image (after any `mv`/`cp`).
    pub path: String,
    /// Where cargo wrote it.
    pub original: String,
}

/// One `cargo build` / `cargo install` step.
#[derive(Debug, Clone)]
pub struct Build {
    /// Instruction index.
    pub index: usize,
    /// The command.
    pub cargo: Cargo,
    /// The binaries it makes.
    pub built: Vec<Built>,
    /// The target triple, if any.
    pub triple: Option<String>,
    /// The context directory of the workspace root.
    pub ws_root: String,
}

/// Where a build is, for reading its environment.
pub struct Site<'s> {
    /// Instruction index.
    pub index: usize,
    /// Working directory.
    pub cwd: String,
    /// Command-prefix assignments.
    pub assigns: &'s [(String, String)],
}

impl Site<'_> {
    /// The value of `k` the command sees (its own prefix, then the stage's ENV and ARG); an
    /// empty value is unset.
    fn var(&self, input: &Input<'_, '_>, k: &str) -> Option<String> {
        let own = self.assigns.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        own.or_else(|| input.model.state(self.index).var(k).map(str::to_string))
            .filter(|v| !v.is_empty())
    }

    /// Where the command is, for messages (`at line 4`, `in the start command`).
    fn at(&self, input: &Input<'_, '_>) -> String {
        if self.index < input.df.instructions.len() {
            format!("at line {}", input.df.line(self.index))
        } else {
            "in the start command".to_string()
        }
    }
}

/// Resolves a cargo command into the binaries it makes and their paths.
pub fn resolve(input: &Input<'_, '_>, tpl: &Template, c: &Cargo, site: &Site<'_>) -> Result<Build, String> {
    let ctx = input.ctx;
    let manifest_dir = manifest_image_dir(input, c, site)?;
    let dir = ctx_dir_for(input, &manifest_dir, site.index).ok_or_else(|| {
        format!(
            "the Cargo.toml that `cargo {}` {} reads ({}) is not copied from the build context",
            c.sub,
            site.at(input),
            absolute(&manifest_dir, "Cargo.toml")
        )
    })?;
    let sel = select(ctx, &dir, c)?;
    let root_image = image_dir_of(input, &sel.ws.root, site.index).unwrap_or_else(|| manifest_dir.clone());
    let config = cargo_config(ctx, &sel.ws.root, &dir);
    let triple = c
        .target
        .clone()
        .or_else(|| site.var(input, "CARGO_BUILD_TARGET"))
        .or_else(|| config.target.clone());
    let bins = if c.sub == "run" {
        vec![pick_run_bin(&sel, c)?]
    } else {
        sel.bins.clone()
    };
    let out_dir = if c.sub == "install" {
        install_bin_dir(input, tpl, c, site)
    } else {
        profile_out_dir(input, c, site, &root_image, &config, triple.as_deref())
    };
    let built = bins
        .into_iter()
        .map(|bin| {
            let path = absolute(&out_dir, &bin);
            Built {
                bin,
                original: path.clone(),
                path,
            }
        })
        .collect();
    Ok(Build {
        index: site.index,
        cargo: c.clone(),
        built,
        triple,
        ws_root: sel.ws.root,
    })
}

/// The image directory of the Cargo.toml the command reads: `--manifest-path`'s, `cargo install
/// --path`'s, else the working directory's; refuses `cargo install` of a registry crate.
fn manifest_image_dir(input: &Input<'_, '_>, c: &Cargo, site: &Site<'_>) -> Result<String, String> {
    match (&c.manifest_path, &c.path) {
        (Some(m), _) => {
            let p = absolute(&site.cwd, m);
            Ok(p.rsplit_once('/').map_or(
                "/".to_string(),
                |(d, _)| if d.is_empty() { "/".into() } else { d.to_string() },
            ))
        }
        (None, Some(p)) => Ok(absolute(&site.cwd, p)),
        (None, None) if c.sub == "install" && c.crates.is_empty() => Err(format!(
            "`cargo install` {} names no crate and no --path (cargo no longer installs the current \
             directory that way: `cargo install --path .`)",
            site.at(input)
        )),
        (None, None) if c.sub == "install" => Err(format!(
            "`cargo install` {} installs {} from a registry, not this project",
            site.at(input),
            c.crates.join(", ")
        )),
        (None, None) => Ok(site.cwd.clone()),
    }
}

/// Where `cargo install` puts binaries: `bin/` of `--root`, `CARGO_INSTALL_ROOT`, `CARGO_HOME`
/// or cargo's default home.
fn install_bin_dir(input: &Input<'_, '_>, tpl: &Template, c: &Cargo, site: &Site<'_>) -> String {
    let root = c
        .root
        .clone()
        .map(|r| absolute(&site.cwd, &r))
        .or_else(|| site.var(input, "CARGO_INSTALL_ROOT").map(|r| absolute(&site.cwd, &r)))
        .or_else(|| site.var(input, "CARGO_HOME").map(|r| absolute(&site.cwd, &r)))
        .unwrap_or_else(|| tpl.default_cargo_home.clone());
    absolute(&root, "bin")
}

/// Where `cargo build` puts the profile's binaries: the target directory (`--target-dir`, the
/// environment, `.cargo/config.toml`, else `target/` of the workspace root at `root_image`),
/// then the triple, then the profile.
fn profile_out_dir(
    input: &Input<'_, '_>,
    c: &Cargo,
    site: &Site<'_>,
    root_image: &str,
    config: &CargoConfig,
    triple: Option<&str>,
) -> String {
    let target_dir = c
        .target_dir
        .clone()
        .or_else(|| site.var(input, "CARGO_TARGET_DIR"))
        .or_else(|| site.var(input, "CARGO_BUILD_TARGET_DIR"))
        .map(|d| absolute(&site.cwd, &d))
        .or_else(|| {
            config.target_dir.as_ref().map(|(base, d)| {
                let base_image = image_dir_of(input, base, site.index).unwrap_or_else(|| root_image.to_string());
                absolute(&base_image, d)
            })
        })
        .unwrap_or_else(|| absolute(root_image, "target"));
    match triple {
        Some(t) => absolute(&target_dir, &format!("{t}/{}", c.profile_dir)),
        None => absolute(&target_dir, &c.profile_dir),
    }
}

/// The context directory whose Cargo.toml lands at `image_dir/Cargo.toml` before instruction
/// `before`.
pub fn ctx_dir_for(input: &Input<'_, '_>, image_dir: &str, before: usize) -> Option<String> {
    let want = absolute(image_dir, "Cargo.toml");
    let mut candidates = Vec::new();
    if input.ctx.is_file("Cargo.toml") {
        candidates.push("Cargo.toml".to_string());
    }
    for f in crate::context::find_files(input.ctx, "", "Cargo.toml", 2000) {
        if (f.ends_with("/Cargo.toml")) && !candidates.contains(&f) {
            candidates.push(f);
        }
    }
    candidates
        .into_iter()
        .find(|f| input.model.image_path_of(input.ctx, f, before).as_deref() == Some(want.as_str()))
        .map(|f| {
            f.strip_suffix("Cargo.toml")
                .unwrap_or("")
                .trim_end_matches('/')
                .to_string()
        })
}

/// Where context directory `dir`'s Cargo.toml directory is in the image before `before`.
pub fn image_dir_of(input: &Input<'_, '_>, dir: &str, before: usize) -> Option<String> {
    let p = input.model.image_path_of(input.ctx, &join(dir, "Cargo.toml"), before)?;
    p.strip_suffix("/Cargo.toml")
        .map(|d| if d.is_empty() { "/".to_string() } else { d.to_string() })
}

/// Every `cargo build` / `cargo install --path` in the stage; the second list holds the
/// reasons some could not be resolved.
pub fn find_builds(input: &Input<'_, '_>, tpl: &Template) -> (Vec<Build>, Vec<String>) {
    let (df, model) = (input.df, input.model);
    let mut out: Vec<Build> = Vec::new();
    let mut problems = Vec::new();
    for i in model.from + 1..df.instructions.len() {
        if !matches!(df.instructions[i], Instruction::Run(_)) {
            continue;
        }
        for cmd in model.commands(i) {
            let texts = cmd.texts();
            let cwd = cmd.cwd.clone();
            if let Some(last) = out.last_mut().filter(|b| b.index == i) {
                for b in &mut last.built {
                    track_move(&texts, &cwd, &mut b.path, tpl);
                }
            }
            let Some(c) = parse_cargo(&texts, tpl) else { continue };
            if !matches!(c.sub.as_str(), "build" | "install") {
                continue;
            }
            if c.sub == "install" && c.path.is_none() && !c.crates.is_empty() {
                continue; // a tool from a registry
            }
            let assigns: Vec<(String, String)> = cmd
                .assignments()
                .iter()
                .filter_map(|w| w.text.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                .collect();
            let site = Site {
                index: i,
                cwd: String::from(&*cwd),
                assigns: &assigns,
            };
            match resolve(input, tpl, &c, &site) {
                Ok(b) => out.push(b),
                Err(e) => problems.push(e),
            }
        }
    }
    (out, problems)
}

/// Follows `mv`/`cp`/`install` of the binary at `artifact` to its new place.
pub fn track_move(words: &[String], cwd: &str, artifact: &mut String, tpl: &Template) {
    crate::lang::follow_move(words, cwd, artifact, |d| {
        tpl.runtime_path.iter().any(|p| p == d) || d == "/usr/local/cargo/bin"
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;
    use crate::lang::testing::{with_input, words};

    use crate::lang::rust::testing::{app, tpl};

    /// The paths of what the builds of `df` make, and the problems.
    fn built(df: &str, ctx: &MemContext) -> (Vec<String>, Vec<String>) {
        with_input(df, ctx, |input| {
            let (builds, problems) = find_builds(input, tpl());
            let paths = builds
                .iter()
                .flat_map(|b| b.built.iter().map(|x| x.path.clone()))
                .collect();
            (paths, problems)
        })
    }

    const APP: &str = "FROM rust:1.80\nWORKDIR /app\nCOPY . .\n";

    #[test]
    fn builds_land_in_the_profile_directory() {
        assert_eq!(
            built(&format!("{APP}RUN cargo build --release\n"), &app()).0,
            words("/app/target/release/app")
        );
        assert_eq!(
            built(&format!("{APP}RUN cargo build\n"), &app()).0,
            words("/app/target/debug/app")
        );
        let cross = format!("{APP}RUN cargo build --release --target x86_64-unknown-linux-musl\n");
        assert_eq!(
            built(&cross, &app()).0,
            words("/app/target/x86_64-unknown-linux-musl/release/app")
        );
        let env = format!("{APP}ENV CARGO_TARGET_DIR=/cache/t\nRUN cargo build --release\n");
        assert_eq!(built(&env, &app()).0, words("/cache/t/release/app"));
        let prefix = format!("{APP}RUN CARGO_BUILD_TARGET=x86_64-unknown-linux-musl cargo build -r\n");
        assert_eq!(
            built(&prefix, &app()).0,
            words("/app/target/x86_64-unknown-linux-musl/release/app")
        );
        let config = app().with(".cargo/config.toml", "[build]\ntarget-dir = \"out\"\n");
        assert_eq!(
            built(&format!("{APP}RUN cargo build -r\n"), &config).0,
            words("/app/out/release/app")
        );
    }

    #[test]
    fn installs_land_in_the_install_root() {
        let df = format!("{APP}RUN cargo install --path .\n");
        assert_eq!(built(&df, &app()).0, words("/usr/local/cargo/bin/app"));
        let df = format!("{APP}RUN cargo install --path . --root /usr/local\n");
        assert_eq!(built(&df, &app()).0, words("/usr/local/bin/app"));
        let df = format!("{APP}ENV CARGO_INSTALL_ROOT=/opt\nRUN cargo install --path .\n");
        assert_eq!(built(&df, &app()).0, words("/opt/bin/app"));
        // A tool from the registry is not this project's build.
        assert_eq!(
            built(&format!("{APP}RUN cargo install sqlx-cli\n"), &app()),
            (vec![], vec![])
        );
    }

    #[test]
    fn moves_in_the_same_run_are_followed_and_problems_kept() {
        let df = format!("{APP}RUN cargo build --release && cp target/release/app /usr/local/bin/\n");
        assert_eq!(built(&df, &app()).0, words("/usr/local/bin/app"));
        let (paths, problems) = built("FROM rust:1.80\nWORKDIR /app\nRUN cargo build --release\n", &app());
        assert!(paths.is_empty());
        assert_eq!(
            problems,
            [
                "the Cargo.toml that `cargo build` at line 3 reads (/app/Cargo.toml) is not copied from the build context"
            ]
        );
    }

    fn site_of<'s>(input: &Input<'_, '_>, index: usize, assigns: &'s [(String, String)]) -> Site<'s> {
        Site {
            index,
            cwd: input.model.state(index).workdir.to_string(),
            assigns,
        }
    }

    #[test]
    fn sites_read_their_variables_and_say_where_they_are() {
        let df = format!("{APP}ENV CARGO_HOME=/h EMPTY=\nRUN cargo build\n");
        with_input(&df, &app(), |input| {
            let own = [("CARGO_HOME".to_string(), "/own".to_string())];
            assert_eq!(
                site_of(input, 4, &own).var(input, "CARGO_HOME").as_deref(),
                Some("/own")
            );
            let site = site_of(input, 4, &[]);
            assert_eq!(site.var(input, "CARGO_HOME").as_deref(), Some("/h"));
            assert_eq!(site.var(input, "EMPTY"), None);
            assert_eq!(site.at(input), "at line 5");
            assert_eq!(site_of(input, 5, &[]).at(input), "in the start command");
        });
    }

    #[test]
    fn manifest_directories() {
        with_input(APP, &app(), |input| {
            let site = site_of(input, 3, &[]);
            let dir = |line: &str| manifest_image_dir(input, &parse_cargo(&words(line), tpl()).expect("cargo"), &site);
            assert_eq!(dir("cargo build"), Ok("/app".into()));
            assert_eq!(dir("cargo build --manifest-path api/Cargo.toml"), Ok("/app/api".into()));
            assert_eq!(dir("cargo build --manifest-path /Cargo.toml"), Ok("/".into()));
            assert_eq!(dir("cargo install --path ../x"), Ok("/x".into()));
            assert_eq!(
                dir("cargo install ripgrep fd-find"),
                Err(
                    "`cargo install` in the start command installs ripgrep, fd-find from a registry, not this project"
                        .into()
                )
            );
            assert!(
                dir("cargo install")
                    .unwrap_err()
                    .contains("names no crate and no --path")
            );
            assert_eq!(ctx_dir_for(input, "/app", 3).as_deref(), Some(""));
            assert_eq!(ctx_dir_for(input, "/elsewhere", 3), None);
            assert_eq!(image_dir_of(input, "", 3).as_deref(), Some("/app"));
            assert_eq!(image_dir_of(input, "", 2), None);
        });
    }

    #[test]
    fn output_directories() {
        with_input(APP, &app(), |input| {
            let site = site_of(input, 3, &[]);
            let c = |line: &str| parse_cargo(&words(line), tpl()).expect("cargo");
            assert_eq!(
                install_bin_dir(input, tpl(), &c("cargo install --path . --root r"), &site),
                "/app/r/bin"
            );
            let config = CargoConfig::default();
            let out = |line: &str, triple| profile_out_dir(input, &c(line), &site, "/app", &config, triple);
            assert_eq!(out("cargo build --profile dist", None), "/app/target/dist");
            assert_eq!(
                out("cargo build --target-dir /t -r", Some("aarch64-unknown-linux-gnu")),
                "/t/aarch64-unknown-linux-gnu/release"
            );
        });
    }

    #[test]
    fn workspace_members_resolve_to_the_root_target() {
        let ctx = MemContext::new()
            .with("Cargo.toml", "[workspace]\nmembers = [\"api\"]\n")
            .with("api/Cargo.toml", "[package]\nname = \"api\"\n")
            .with("api/src/main.rs", "");
        let df = "FROM rust:1.80\nWORKDIR /w\nCOPY . .\nWORKDIR /w/api\nRUN cargo build --release\n";
        with_input(df, &ctx, |input| {
            let c = parse_cargo(&words("cargo build --release"), tpl()).expect("cargo");
            let b = resolve(input, tpl(), &c, &site_of(input, 4, &[])).expect("a build");
            assert_eq!(b.built[0].path, "/w/target/release/api");
            assert_eq!((b.ws_root.as_str(), b.triple.clone()), ("", None));
        });
    }

    #[test]
    fn moves_into_cargo_bin_are_directories() {
        let mut a = "/app/target/release/app".to_string();
        track_move(
            &words("mv target/release/app /usr/local/cargo/bin"),
            "/app",
            &mut a,
            tpl(),
        );
        assert_eq!(a, "/usr/local/cargo/bin/app");
        let mut a = "/app/target/release/app".to_string();
        track_move(&words("mv target/release/app /srv"), "/app", &mut a, tpl());
        assert_eq!(a, "/srv");
    }
}
