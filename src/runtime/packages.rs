//! Packages: the system packages the runtime stage must hold, and whether a runtime image
//! can hold them and serve every need. A package the builder installs is kept unless the
//! template says only builds use it (compilers, headers, make...); the builder image's own CA
//! bundle and time zone data are kept for programs that read them; a program the app runs
//! that the builder had is installed where the runtime lacks it. The runtime image installs
//! them with the builder's package manager family, or it cannot serve.

use super::needs::Need;
use crate::lang::{Input, Program};
use crate::model::steps::{Manager, Op};
use crate::template::{Builder, RuntimeImage, RuntimeKind};

/// System data a program reads from the image rather than from its own files.
pub const SYSTEM_DATA: [&str; 2] = ["ca-certificates", "tzdata"];

/// The packages the builder leaves for the program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wanted {
    /// Packages the Dockerfile installs that a program may use at run time.
    pub installed: Vec<String>,
    /// The package manager the Dockerfile installs them with.
    pub manager: Option<Manager>,
    /// Lines of the RUN instructions that install them.
    pub lines: Vec<usize>,
    /// apt: every install asked for `--no-install-recommends`.
    pub no_recommends: bool,
    /// The line of a RUN that changes the package sources before an install, if any.
    pub sources_changed: Option<usize>,
    /// System data the builder holds and the program reads (ca-certificates, tzdata).
    pub data: Vec<String>,
    /// Programs the builder image can run (its own and those of installed packages).
    pub builder_programs: Vec<String>,
    /// Whether the builder holds the CA bundle (its image's, or installed).
    pub builder_ca: bool,
}

/// Reads what the builder installs and holds, up to instruction `split`.
pub fn wanted(input: &Input<'_, '_>, prog: &Program, builder: Option<&Builder>) -> Wanted {
    let rules = &input.common.packages;
    let mut w = Wanted {
        no_recommends: true,
        ..Wanted::default()
    };
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut all_installed: Vec<String> = Vec::new();
    for o in input.model.ops.iter().filter(|o| o.index <= prog.split_after) {
        match &o.op {
            Op::Install {
                manager,
                packages,
                no_recommends,
                group,
            } => {
                let keep: Vec<String> = packages.iter().filter(|p| !rules.build_only(p)).cloned().collect();
                all_installed.extend(packages.iter().cloned());
                if let Some(g) = group {
                    groups.push((g.clone(), keep.clone()));
                }
                if !keep.is_empty() {
                    w.manager.get_or_insert(*manager);
                    w.no_recommends &= *no_recommends || *manager != Manager::Apt;
                    let line = input.df.line(o.index);
                    if !w.lines.contains(&line) {
                        w.lines.push(line);
                    }
                }
                for p in keep {
                    if !w.installed.contains(&p) {
                        w.installed.push(p);
                    }
                }
            }
            Op::Remove { packages, .. } => {
                for p in packages {
                    let group: Vec<String> = groups
                        .iter()
                        .filter(|(g, _)| g == p)
                        .flat_map(|(_, ps)| ps.clone())
                        .collect();
                    w.installed
                        .retain(|x| x != p && !group.contains(x) && base_name(x) != p);
                }
            }
            Op::Sources => {
                w.sources_changed.get_or_insert(input.df.line(o.index));
            }
            _ => {}
        }
    }
    // A change of package sources matters only when an install came after it.
    if let Some(line) = w.sources_changed
        && !w.lines.iter().any(|l| *l >= line)
    {
        w.sources_changed = None;
    }
    if w.installed.is_empty() {
        w.no_recommends = true;
    }
    if prog.system_data {
        for d in SYSTEM_DATA {
            let held = builder.is_some_and(|b| b.holds.iter().any(|h| h == d) || d == "tzdata" && b.zoneinfo.is_some())
                || all_installed.iter().any(|p| base_name(p) == d);
            if held {
                w.data.push(d.to_string());
            }
        }
    }
    if let Some(b) = builder {
        w.builder_programs.extend(b.programs.iter().cloned());
    }
    w.builder_ca = builder.is_some_and(|b| b.holds.iter().any(|h| h == "ca-certificates"))
        || all_installed.iter().any(|p| base_name(p) == "ca-certificates");
    for p in &all_installed {
        let name = base_name(p).to_string();
        for (prog_name, pkg) in &rules.provides {
            if *pkg == name && !w.builder_programs.contains(prog_name) {
                w.builder_programs.push(prog_name.clone());
            }
        }
        if !w.builder_programs.contains(&name) {
            w.builder_programs.push(name);
        }
    }
    w
}

/// A package name without its version pin.
pub fn base_name(p: &str) -> &str {
    p.split(['=', '>', '<', '~']).next().unwrap_or(p)
}

/// How a runtime image serves the program: the packages it must install.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fit {
    /// Packages to install, in order.
    pub install: Vec<String>,
}

/// What the runtime image must serve: the program, the packages the builder leaves it, what
/// the runtime stage runs, and the paths it copies (which provide programs named by path).
#[derive(Debug, Clone, Copy)]
pub struct Demand<'a> {
    /// The language's answer.
    pub prog: &'a Program,
    /// The packages the builder leaves.
    pub wanted: &'a Wanted,
    /// What the runtime stage runs.
    pub needs: &'a [Need],
    /// Whether the builder is musl-based.
    pub builder_musl: bool,
    /// Paths the runtime stage copies from the builder.
    pub carried: &'a [String],
}

/// Whether `image` (family `kind`) can serve `d`: hold every wanted package and serve every
/// need. The error says why not.
pub fn fit(input: &Input<'_, '_>, d: &Demand<'_>, kind: RuntimeKind, image: &RuntimeImage) -> Result<Fit, String> {
    let (prog, wanted, needs, builder_musl, carried) = (d.prog, d.wanted, d.needs, d.builder_musl, d.carried);
    let rules = &input.common.packages;
    let manager = image.manager.as_deref();
    let shown = &image.image;
    let mut install: Vec<String> = Vec::new();
    let add = |p: &str, install: &mut Vec<String>| {
        if !image.provides(p) && !install.iter().any(|x| x == p) {
            install.push(p.to_string());
        }
    };
    // What the Dockerfile installs.
    let missing: Vec<&String> = wanted.installed.iter().filter(|p| !image.provides(p)).collect();
    if let (Some(first), Some(m)) = (missing.first(), wanted.manager) {
        let at = wanted
            .lines
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let names = missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
        if m == Manager::Yum {
            return Err(format!(
                "RUN at line {at} installs {names} with yum/dnf, and dockslim has no runtime image of that family"
            ));
        }
        if manager != Some(m.name()) {
            return Err(format!(
                "RUN at line {at} installs {names} (the program may use {}), which {shown} cannot install with {}",
                if missing.len() == 1 { "it" } else { "them" },
                if m == Manager::Apt { "apt-get" } else { "apk" }
            ));
        }
        if let Some(l) = wanted.sources_changed {
            return Err(format!(
                "RUN at line {l} changes the package sources that {first} comes from; the runtime stage would not have them"
            ));
        }
        for p in missing {
            add(p, &mut install);
        }
    }
    // What the language needs.
    for p in &prog.packages {
        if image.provides(p) {
            continue;
        }
        if manager.is_none() {
            return Err(format!("{} needs {p}, which {shown} cannot install", prog.what));
        }
        add(p, &mut install);
    }
    // System data the program reads.
    for d in &wanted.data {
        if image.provides(d) || image.certs && d == "ca-certificates" {
            continue;
        }
        if manager.is_some() {
            add(d, &mut install);
        } else if kind != RuntimeKind::Scratch {
            return Err(format!("the program reads {d}, which {shown} lacks"));
        }
    }
    // Needs: a shell, and every program called.
    let builder_family = if builder_musl {
        RuntimeKind::Alpine
    } else {
        RuntimeKind::DebianSlim
    };
    for n in needs {
        if n.shell && !image.shell {
            return Err(format!("{} needs a shell, which {shown} lacks", n.what));
        }
        for p in &n.programs {
            let base = p.rsplit('/').next().unwrap_or(p);
            let present = prog
                .own
                .iter()
                .any(|o| o == p || !p.contains('/') && o.rsplit('/').next() == Some(base))
                || carried.iter().any(|c| {
                    p.contains('/') && (p == c || p.starts_with(&format!("{c}/")))
                        || !p.contains('/') && c.rsplit('/').next() == Some(base)
                })
                || image.shell && input.common.is_builtin(base)
                || input.common.has_tool(kind, base);
            if present {
                continue;
            }
            let builder_has =
                wanted.builder_programs.iter().any(|x| x == base) || input.common.has_tool(builder_family, base);
            if !builder_has && !p.contains('/') {
                // The original has no such program either: the rewrite changes nothing there.
                continue;
            }
            match manager.and_then(|m| rules.package_for(base, m)) {
                Some(pkg) if builder_has => add(&pkg, &mut install),
                _ => return Err(format!("{} runs `{p}`, which {shown} lacks", n.what)),
            }
        }
    }
    // Programs installed here that talk TLS (curl, git) need the CA bundle the builder had.
    if !install.is_empty() && wanted.builder_ca && !image.provides("ca-certificates") {
        add("ca-certificates", &mut install);
    }
    if !install.is_empty() && manager.is_none() {
        return Err(format!("{shown} cannot install {}", install.join(" ")));
    }
    Ok(Fit { install })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_pins_are_not_names() {
        assert_eq!(base_name("git=1:2.39.2-1"), "git");
        assert_eq!(base_name("curl"), "curl");
    }
}
