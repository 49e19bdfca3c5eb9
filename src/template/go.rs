//! The Go template (`templates/go.toml`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::LinkRuntimes;

/// `templates/go.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Builder image names (last path element) that mean Go.
    pub images: Vec<String>,
    /// GOPATH when the builder image sets none (Go's own default for root).
    pub default_gopath: String,
    /// Directories on a runtime image's PATH.
    pub runtime_path: Vec<String>,
    /// ENV names that only matter to the build.
    pub build_env: Vec<String>,
    /// Go flags that take a value.
    pub value_flags: Vec<String>,
    /// Modules that need cgo, and the runtime packages the binary then links, per package manager.
    pub cgo_modules: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Paths in the application directory that only the build uses.
    pub build_only: Vec<String>,
    /// Programs a RUN after the build may call and still belong to the builder.
    pub builder_programs: Vec<String>,
    /// Calls that start a program, written up to the program's string literal (`_,` skips one
    /// argument).
    pub exec_calls: Vec<String>,
    /// ARGs BuildKit sets to the target platform: a GOOS/GOARCH from them is not a cross-compile.
    pub platform_args: Vec<String>,
    /// Runtime images by link kind: `static`, `glibc`, `musl`.
    pub runtimes: BTreeMap<String, LinkRuntimes>,
}
