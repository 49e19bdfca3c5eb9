//! The Rust template (`templates/rust.toml`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::LinkRuntimes;

/// `templates/rust.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Builder image names (last path element) that mean Rust.
    pub images: Vec<String>,
    /// CARGO_HOME when the builder image sets none (cargo's own default for root).
    pub default_cargo_home: String,
    /// Directories on a runtime image's PATH.
    pub runtime_path: Vec<String>,
    /// Architectures (first element of a target triple) the runtime image runs.
    pub native_arch: Vec<String>,
    /// Builder images whose glibc matches the Debian release of their tag.
    pub glibc_builders: Vec<String>,
    /// The Debian release of a rust image whose tag names none, by the Rust version it starts at.
    pub tag_releases: Vec<TagRelease>,
    /// Debian releases with a distroless/cc image.
    pub distroless_releases: Vec<String>,
    /// ENV names (a trailing `*` matches any suffix) that only matter to the build.
    pub build_env: Vec<String>,
    /// Cargo flags that take a value.
    pub value_flags: Vec<String>,
    /// Programs a RUN after the build may call and still belong to the builder.
    pub builder_programs: Vec<String>,
    /// Subdirectories of a profile's output directory that only the build uses.
    pub target_build_only: Vec<String>,
    /// Calls in Rust source that start a program, up to its string literal.
    pub exec_calls: Vec<String>,
    /// Runtime packages (apk) of a binary linked dynamically against musl.
    pub musl_dynamic_packages: Vec<String>,
    /// `-dev` packages the full (non-slim, non-alpine) rust image holds.
    pub full_image_dev: Vec<String>,
    /// `-dev` packages that leave nothing to link at run time.
    pub build_only_dev: Vec<String>,
    /// Crates used only while building (a `-sys` crate only they pull in links nothing into the binary).
    pub build_helpers: Vec<String>,
    /// `-sys` crates that need no library at run time on Linux.
    pub static_sys: Vec<String>,
    /// `-sys` crates that link a system library.
    pub sys: BTreeMap<String, SysCrate>,
    /// System libraries a `build.rs` may link (`cargo:rustc-link-lib=NAME`) and their runtime
    /// packages (`apt`, `apk`).
    pub link_libs: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Runtime images by link kind.
    pub runtimes: BTreeMap<String, LinkRuntimes>,
}

/// The Debian release rust images are built on from a Rust version on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagRelease {
    /// The first Rust version (`1.70`) on this release.
    pub from: String,
    /// The Debian codename.
    pub codename: String,
}

/// A `-sys` crate that links a system library.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SysCrate {
    /// `-dev` packages that make it link the system library; without any of them it builds
    /// its own copy statically. Empty: it always links the system library.
    #[serde(default)]
    pub dev: Vec<String>,
    /// Crates whose presence in Cargo.lock means the library is compiled in.
    #[serde(default)]
    pub vendored_by: Vec<String>,
    /// Cargo features that compile the library in, when a manifest enables one.
    #[serde(default)]
    pub vendored_feature: Vec<String>,
    /// Runtime Debian packages by codename (`default` for any other).
    pub packages: BTreeMap<String, Vec<String>>,
    /// Codenames whose distroless/cc image already holds the library.
    #[serde(default)]
    pub in_distroless: Vec<String>,
}
