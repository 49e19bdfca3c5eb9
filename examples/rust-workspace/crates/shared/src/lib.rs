//! Code the services share.

/// The line each service prints first.
pub fn banner(service: &str) -> String {
    format!("{service} {} (shared {})", "ready", env!("CARGO_PKG_VERSION"))
}
