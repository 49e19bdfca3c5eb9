//! Rust: not split yet; every Rust Dockerfile is left as is with that reason.

use serde::Deserialize;

use super::Input;
use crate::Skip;
use crate::plan::Spec;

/// `templates/rust.toml`.
#[derive(Debug, Clone, Deserialize)]
pub struct Template {
    /// Builder image names (last path element) that mean Rust.
    pub images: Vec<String>,
    /// The builder image's own WORKDIR.
    pub default_workdir: String,
}

/// Analyses a Rust Dockerfile.
pub fn analyze(_input: &Input<'_, '_>, _tpl: &Template) -> Result<Spec, Skip> {
    Err(Skip::Unsupported("Rust is not supported yet".into()))
}
