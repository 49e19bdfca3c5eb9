//! User: the runtime stage runs the program as the user the original ran it as. No USER means
//! root (the image variant that runs as root, never a `:nonroot` tag by default). A user the
//! runtime image does not know comes with the builder's /etc/passwd and /etc/group, and a user
//! the Dockerfile created with a home directory gets that directory. A non-root runtime is an
//! explicit choice (`--nonroot`): then the program's files are owned by that user, and a port
//! below 1024 or a directory it may write outside them is a refusal.

use crate::Skip;
use crate::lang::Input;
use crate::model::steps::Op;
use crate::parse::Instruction;
use crate::plan::Carry;
use crate::template::RuntimeImage;

/// Who the program runs as, and what that takes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPlan {
    /// The runtime image reference (its root or non-root variant).
    pub image: String,
    /// That variant's own WORKDIR, when not `/`.
    pub workdir: Option<String>,
    /// The runtime user as USER names it.
    pub name: String,
    /// A USER line the runtime stage adds (only for a non-root runtime asked for).
    pub line: Option<String>,
    /// `--chown` for the program's files (only for a non-root runtime asked for).
    pub chown: Option<String>,
    /// Files that define the user: /etc/passwd, /etc/group, its home.
    pub carries: Vec<Carry>,
    /// Whether the user differs from the original's (a non-root runtime was asked for).
    pub changed: bool,
    /// Remarks.
    pub notes: Vec<String>,
}

/// Whether USER `u` means root.
pub fn is_root(u: &str) -> bool {
    let name = u.split(':').next().unwrap_or(u);
    name.is_empty() || name == "root" || name == "0"
}

/// Plans the user for `image`. `split` is the last builder instruction; `owned` the directories
/// the runtime stage copies whole (the app directory...).
pub fn plan(input: &Input<'_, '_>, image: &RuntimeImage, split: usize, owned: &[String]) -> Result<UserPlan, Skip> {
    let end = input.model.end();
    let original = end.user.as_deref().map(|u| end.expand(u));
    match original.as_deref() {
        Some(u) if !is_root(u) => Ok(named(input, image, u, split)),
        _ if input.nonroot => nonroot(input, image, owned),
        _ => Ok(UserPlan {
            image: image.image.clone(),
            workdir: image.workdir.clone(),
            name: "root".into(),
            ..UserPlan::default()
        }),
    }
}

/// The original runs as `u`, not root: keep it.
fn named(input: &Input<'_, '_>, image: &RuntimeImage, u: &str, split: usize) -> UserPlan {
    let mut plan = UserPlan {
        image: image.image.clone(),
        workdir: image.workdir.clone(),
        name: u.to_string(),
        ..UserPlan::default()
    };
    if input.nonroot {
        plan.notes.push(format!("the original already runs as {u}"));
    }
    let known = |part: &str| {
        part.is_empty()
            || part.chars().all(|c| c.is_ascii_digit())
            || part.starts_with('$')
            || image.users.iter().any(|x| x == part)
    };
    let (name, group) = u.split_once(':').unwrap_or((u, ""));
    // A RUN left in the runtime stage that creates the user makes it there itself.
    let n = input.df.instructions.len();
    let created_later = (split + 1..n).any(|i| {
        input
            .model
            .commands(i)
            .iter()
            .any(|c| matches!(c.program(), Some("useradd" | "adduser" | "groupadd" | "addgroup")))
    });
    if !(created_later || known(name) && known(group)) {
        for f in ["/etc/passwd", "/etc/group"] {
            plan.carries.push(Carry::same(f));
        }
    }
    for o in input.model.ops.iter().filter(|o| o.index <= split) {
        if let Op::User(a) = &o.op
            && a.name == name
            && let Some(home) = &a.home
        {
            plan.carries.push(Carry::same(home));
        }
    }
    plan
}

/// The original runs as root and a non-root runtime was asked for.
fn nonroot(input: &Input<'_, '_>, image: &RuntimeImage, owned: &[String]) -> Result<UserPlan, Skip> {
    let df = input.df;
    for (i, ins) in df.instructions.iter().enumerate().skip(input.model.from + 1) {
        let Instruction::Expose(_) = ins else { continue };
        let state = input.model.state(i);
        for port in df.source(i).split_whitespace().skip(1) {
            let port = state.expand(port);
            let number: String = port.chars().take_while(|c| c.is_ascii_digit()).collect();
            if number.parse::<u32>().is_ok_and(|p| p < 1024) {
                return Err(Skip::Unsupported(format!(
                    "EXPOSE at line {} names port {number}, which a non-root program cannot bind (--nonroot was asked for)",
                    df.line(i)
                )));
            }
        }
    }
    for (i, ins) in df.instructions.iter().enumerate().skip(input.model.from + 1) {
        let Instruction::Volume(_) = ins else { continue };
        let state = input.model.state(i);
        let text = df.source(i);
        let body = text.split_once(char::is_whitespace).map_or("", |(_, b)| b);
        let paths: Vec<String> = if body.trim_start().starts_with('[') {
            serde_json::from_str::<Vec<String>>(body.trim()).unwrap_or_default()
        } else {
            body.split_whitespace().map(str::to_string).collect()
        };
        for p in paths {
            let p = state.resolve(&p);
            if !owned.iter().any(|o| p == *o || crate::detect::is_under(&p, o)) {
                return Err(Skip::Unsupported(format!(
                    "VOLUME {p} at line {} is owned by root, and a non-root program could not write there (--nonroot was asked for)",
                    df.line(i)
                )));
            }
        }
    }
    let (image_ref, workdir, name, line) = match (&image.nonroot, &image.nonroot_user) {
        (Some(n), _) => (
            n.clone(),
            image.nonroot_workdir.clone(),
            "65532:65532".to_string(),
            None,
        ),
        (None, Some(u)) => (image.image.clone(), image.workdir.clone(), u.clone(), Some(u.clone())),
        (None, None) => {
            return Err(Skip::Unsupported(format!(
                "{} has no non-root user (--nonroot was asked for)",
                image.image
            )));
        }
    };
    let chown = if name.chars().all(|c| c.is_ascii_digit() || c == ':') {
        name.clone()
    } else {
        format!("{name}:{name}")
    };
    Ok(UserPlan {
        image: image_ref,
        workdir,
        notes: vec![format!(
            "runs as {name} instead of root, as asked; its files are owned by it"
        )],
        name,
        line,
        chown: Some(chown),
        carries: Vec::new(),
        changed: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_spellings() {
        assert!(is_root("root") && is_root("0") && is_root("0:0") && is_root("root:root"));
        assert!(!is_root("node") && !is_root("1000:1000") && !is_root("app:root"));
    }
}
