//! The Node.js template (`templates/node.toml`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{LinkRuntimes, RuntimeImage};

/// `templates/node.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Builder image names (last path element) that mean Node.js.
    pub images: Vec<String>,
    /// Lockfiles and the package manager each means.
    pub lockfiles: Vec<Lockfile>,
    /// Prune commands.
    pub prune: Prune,
    /// Install flags that leave devDependencies out.
    pub prod_install_flags: Vec<String>,
    /// Package managers the node runtime images hold.
    pub runtime_managers: Vec<String>,
    /// Programs the node runtime images hold besides the package managers.
    pub image_programs: Vec<String>,
    /// Program name → package that provides it, when they differ.
    pub bin_packages: BTreeMap<String, String>,
    /// Development tools: their presence in a start command is worth a note.
    pub dev_tools: Vec<String>,
    /// Build tools and where they write.
    pub build_tools: BTreeMap<String, BuildTool>,
    /// Flags naming a build's output directory or file.
    pub out_flags: Vec<String>,
    /// Programs whose RUN steps belong to the build (the split comes after the last one).
    pub build_programs: Vec<String>,
    /// ENV names that only matter to the build.
    pub build_env: Vec<String>,
    /// Calls in JavaScript/TypeScript that start a program, up to its string literal.
    pub exec_calls: Vec<String>,
    /// Commands that, in a start command, install packages at start-up.
    pub startup_installs: Vec<String>,
    /// Commands that, in a start command, run database migrations through a CLI.
    pub startup_migrations: Vec<String>,
    /// npm packages whose native parts need system packages at run time, per package manager.
    pub native_packages: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Package-manager state the runtime needs when the manager stays in the start command,
    /// relative to the package root (yarn berry's release, its config).
    pub manager_state: BTreeMap<String, Vec<String>>,
    /// Runtime images of the node families.
    pub runtime_images: BTreeMap<String, RuntimeImage>,
    /// Runtime images by libc: `glibc`, `musl`.
    pub runtimes: BTreeMap<String, LinkRuntimes>,
    /// The Debian version of a node tag that names no release.
    pub default_debian: String,
    /// Debian version → Node majors with a distroless image.
    pub distroless_majors: BTreeMap<String, Vec<String>>,
    /// The node binary in the distroless images.
    pub distroless_node: String,
    /// LTS code name → major.
    pub lts_names: BTreeMap<String, String>,
}

/// A lockfile and the package manager it means.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lockfile {
    /// File name at the package root.
    pub file: String,
    /// `npm`, `yarn`, `pnpm` or `bun`.
    pub pm: String,
}

/// Commands that drop devDependencies from node_modules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prune {
    /// npm 7 and later.
    pub npm: String,
    /// npm 6.
    pub npm_legacy: String,
    /// The first Node major whose npm knows `--omit=dev`.
    pub npm_omit_since: u32,
    /// pnpm.
    pub pnpm: String,
    /// yarn 1 with a yarn.lock.
    pub yarn: String,
    /// yarn 1 without a yarn.lock.
    pub yarn_nolock: String,
    /// yarn 2 and later.
    pub berry: String,
    /// bun.
    pub bun: String,
}

/// Where a build tool writes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildTool {
    /// Default output directory (empty: next to the sources).
    pub out: String,
    /// Config files that may name another directory.
    #[serde(default)]
    pub configs: Vec<String>,
    /// The config key naming it.
    #[serde(default)]
    pub key: Option<String>,
    /// The config key naming the directory the output path is relative to (vite's `root`).
    #[serde(default)]
    pub root_key: Option<String>,
    /// The subcommand that builds, when the tool has others (`next build` builds, `next start`
    /// serves); without one, every run of the tool builds.
    #[serde(default)]
    pub command: Option<String>,
}
