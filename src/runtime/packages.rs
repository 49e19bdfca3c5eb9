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
use std::sync::Arc;

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
    /// Programs the builder image can run: its own (shared with the template) and, in
    /// `builder_programs`, those of the packages installed.
    pub builder_image_programs: Arc<[String]>,
    /// Programs the packages the Dockerfile installs provide.
    pub builder_programs: Vec<String>,
    /// Whether the builder holds the CA bundle (its image's, or installed).
    pub builder_ca: bool,
}

/// Reads what the builder installs and holds, up to instruction `split`.
pub fn wanted(input: &Input<'_, '_>, prog: &Program, builder: Option<&Builder>) -> Wanted {
    let mut w = Wanted {
        no_recommends: true,
        ..Wanted::default()
    };
    let all_installed = installs(input, prog.split_after, &mut w);
    let held = |d: &str| {
        builder.is_some_and(|b| b.holds.iter().any(|h| h == d) || d == "tzdata" && b.zoneinfo.is_some())
            || all_installed.iter().any(|p| base_name(p) == d)
    };
    if prog.system_data {
        w.data = SYSTEM_DATA.iter().filter(|d| held(d)).map(|d| d.to_string()).collect();
    }
    w.builder_ca = held("ca-certificates");
    w.builder_image_programs = builder.map(|b| Arc::clone(&b.programs)).unwrap_or_default();
    w.builder_programs = builder_programs(input, &w.builder_image_programs, &all_installed);
    w
}

/// Reads the package installs and removals up to instruction `split` into `w` (the packages a
/// program may use, their manager and lines, whether the sources changed first); returns every
/// package installed, build-only ones included.
fn installs(input: &Input<'_, '_>, split: usize, w: &mut Wanted) -> Vec<String> {
    let rules = &input.common.packages;
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut all: Vec<String> = Vec::new();
    for o in input.model.ops.iter().filter(|o| o.index <= split) {
        match &o.op {
            Op::Install {
                manager,
                packages,
                no_recommends,
                group,
            } => {
                let keep: Vec<String> = packages.iter().filter(|p| !rules.build_only(p)).cloned().collect();
                all.extend(packages.iter().cloned());
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
    // A change of package sources matters only when an install came at or after it.
    if let Some(line) = w.sources_changed
        && !w.lines.iter().any(|l| *l >= line)
    {
        w.sources_changed = None;
    }
    if w.installed.is_empty() {
        w.no_recommends = true;
    }
    all
}

impl Wanted {
    /// Whether the builder can run `program`: its image's own, or an installed package's.
    pub fn builder_runs(&self, program: &str) -> bool {
        self.builder_image_programs.iter().any(|x| x == program) || self.builder_programs.iter().any(|x| x == program)
    }
}

/// The programs the packages installed provide, beyond the builder image's own (`image`).
fn builder_programs(input: &Input<'_, '_>, image: &[String], installed: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |name: &str| {
        if !image.iter().any(|x| x == name) && !out.iter().any(|x| x == name) {
            out.push(name.to_string());
        }
    };
    for p in installed {
        let name = base_name(p);
        for (prog_name, pkg) in &input.common.packages.provides {
            if pkg == name {
                add(prog_name);
            }
        }
        add(name);
    }
    out
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
    let mut f = Candidate {
        input,
        d,
        kind,
        image,
        install: Vec::new(),
    };
    f.dockerfile_packages()?;
    f.language_packages()?;
    f.system_data()?;
    f.needs()?;
    f.ca_for_installed_programs();
    if !f.install.is_empty() && image.manager.is_none() {
        return Err(format!("{} cannot install {}", image.image, f.install.join(" ")));
    }
    Ok(Fit { install: f.install })
}

/// One runtime image being tried, and what it would install.
struct Candidate<'a, 'i, 'b> {
    input: &'a Input<'i, 'b>,
    d: &'a Demand<'a>,
    kind: RuntimeKind,
    image: &'a RuntimeImage,
    install: Vec<String>,
}

impl Candidate<'_, '_, '_> {
    /// Adds `p` unless the image holds it or it is there already.
    fn add(&mut self, p: &str) {
        if !self.image.provides(p) && !self.install.iter().any(|x| x == p) {
            self.install.push(p.to_string());
        }
    }

    /// What the Dockerfile installs: with the same package manager, from the same sources.
    fn dockerfile_packages(&mut self) -> Result<(), String> {
        let wanted = self.d.wanted;
        let missing: Vec<String> = wanted
            .installed
            .iter()
            .filter(|p| !self.image.provides(p))
            .cloned()
            .collect();
        let (Some(first), Some(m)) = (missing.first(), wanted.manager) else {
            return Ok(());
        };
        let at = wanted
            .lines
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let names = missing.join(" ");
        if m == Manager::Yum {
            return Err(format!(
                "RUN at line {at} installs {names} with yum/dnf, and dockslim has no runtime image of that family"
            ));
        }
        if self.image.manager.as_deref() != Some(m.name()) {
            return Err(format!(
                "RUN at line {at} installs {names} (the program may use {}), which {} cannot install with {}",
                if missing.len() == 1 { "it" } else { "them" },
                self.image.image,
                if m == Manager::Apt { "apt-get" } else { "apk" }
            ));
        }
        if let Some(l) = wanted.sources_changed {
            return Err(format!(
                "RUN at line {l} changes the package sources that {first} comes from; the runtime stage would not have them"
            ));
        }
        for p in &missing {
            self.add(p);
        }
        Ok(())
    }

    /// What the language says the program links or loads.
    fn language_packages(&mut self) -> Result<(), String> {
        for p in &self.d.prog.packages {
            if self.image.provides(p) {
                continue;
            }
            if self.image.manager.is_none() {
                return Err(format!(
                    "{} needs {p}, which {} cannot install",
                    self.d.prog.what, self.image.image
                ));
            }
            self.add(p);
        }
        Ok(())
    }

    /// The CA bundle and time zone data the program reads (scratch gets copies instead).
    fn system_data(&mut self) -> Result<(), String> {
        for data in &self.d.wanted.data {
            if self.image.provides(data) || self.image.certs && data == "ca-certificates" {
                continue;
            }
            if self.image.manager.is_some() {
                self.add(data);
            } else if self.kind != RuntimeKind::Scratch {
                return Err(format!("the program reads {data}, which {} lacks", self.image.image));
            }
        }
        Ok(())
    }

    /// A shell where one is needed, and every program called: present, or installed when the
    /// builder had it.
    fn needs(&mut self) -> Result<(), String> {
        for n in self.d.needs {
            if n.shell && !self.image.shell {
                return Err(format!("{} needs a shell, which {} lacks", n.what, self.image.image));
            }
            for p in &n.programs {
                self.program(&n.what, p)?;
            }
        }
        Ok(())
    }

    /// Program `p` that `what` runs.
    fn program(&mut self, what: &str, p: &str) -> Result<(), String> {
        let (input, d) = (self.input, self.d);
        let base = crate::detect::file_name(p);
        let by_path = p.contains('/');
        let own = d
            .prog
            .own
            .iter()
            .any(|o| o == p || !by_path && crate::detect::file_name(o) == base);
        let carried = d.carried.iter().any(|c| {
            by_path && (p == c || crate::detect::is_under(p, c)) || !by_path && crate::detect::file_name(c) == base
        });
        let present = own
            || carried
            || self.image.shell && input.common.is_builtin(base)
            || input.common.has_tool(self.kind, base);
        if present {
            return Ok(());
        }
        let family = if d.builder_musl {
            RuntimeKind::Alpine
        } else {
            RuntimeKind::DebianSlim
        };
        let builder_has = d.wanted.builder_runs(base) || input.common.has_tool(family, base);
        if !builder_has && !by_path {
            // The original has no such program either: the rewrite changes nothing there.
            return Ok(());
        }
        let package = self
            .image
            .manager
            .as_deref()
            .and_then(|m| input.common.packages.package_for(base, m));
        match package {
            Some(pkg) if builder_has => {
                self.add(&pkg);
                Ok(())
            }
            _ => Err(format!("{what} runs `{p}`, which {} lacks", self.image.image)),
        }
    }

    /// Programs installed here that talk TLS (curl, git) need the CA bundle the builder had.
    fn ca_for_installed_programs(&mut self) {
        if !self.install.is_empty() && self.d.wanted.builder_ca {
            self.add("ca-certificates");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;
    use crate::lang::testing::{program, with_input};

    fn wanted_for(text: &str, split: usize) -> Wanted {
        with_input(text, &MemContext::new(), |input| {
            let builder = input.common.builder(&input.model.image);
            wanted(input, &program(split), builder)
        })
    }

    #[test]
    fn installs_minus_build_only_and_removed() {
        let w = wanted_for(
            "FROM golang:1.22\nRUN apk add --virtual .b gcc musl-dev curl && apt-get install -y --no-install-recommends git make\nRUN apk del .b\nCMD x\n",
            3,
        );
        assert_eq!(
            w.installed,
            ["git"],
            "gcc/musl-dev/make build-only; curl removed with its group"
        );
        assert_eq!(w.lines, [2]);
        assert_eq!(w.data, ["ca-certificates", "tzdata"], "the golang image holds both");
        assert!(w.builder_ca && w.builder_runs("git") && w.builder_runs("gcc") && !w.builder_runs("nginx"));
        let w = wanted_for("FROM debian:12\nRUN apt-get install -y curl\nCMD x\n", 2);
        assert_eq!(
            w.builder_programs,
            ["curl"],
            "a program the image lacks, from its package"
        );
        assert!(w.builder_runs("curl"));
        let w = wanted_for(
            "FROM golang:1.22\nRUN echo x > /etc/apt/sources.list.d/x.list\nCMD x\n",
            2,
        );
        assert_eq!(w.sources_changed, None, "no install came after it");
    }

    #[test]
    fn a_runtime_fits_when_it_can_install_what_the_builder_had() {
        let text = "FROM golang:1.22\nRUN apt-get install -y --no-install-recommends git\nCMD x\n";
        with_input(text, &MemContext::new(), |input| {
            let prog = program(2);
            let w = wanted(input, &prog, input.common.builder(&input.model.image));
            let d = Demand {
                prog: &prog,
                wanted: &w,
                needs: &[],
                builder_musl: false,
                carried: &[],
            };
            let image = |name: &str| input.common.images[name].filled(|p| crate::template::fill(p, &input.base));
            let e = fit(input, &d, RuntimeKind::Distroless, &image("distroless-static")).unwrap_err();
            assert!(e.contains("cannot install with apt-get"), "{e}");
            let ok = fit(input, &d, RuntimeKind::DebianSlim, &image("debian-slim")).unwrap();
            assert_eq!(ok.install, ["git", "ca-certificates"]);
            // A shell is a need a shell-less image cannot serve.
            let sh = Need {
                what: "CMD at line 3".into(),
                shell: true,
                programs: vec![],
            };
            let nothing = Wanted::default();
            let d = Demand {
                needs: std::slice::from_ref(&sh),
                wanted: &nothing,
                ..d
            };
            let e = fit(input, &d, RuntimeKind::Distroless, &image("distroless-static")).unwrap_err();
            assert_eq!(
                e,
                "CMD at line 3 needs a shell, which gcr.io/distroless/static-debian12:latest lacks"
            );
        });
    }

    #[test]
    fn version_pins_are_not_names() {
        assert_eq!(base_name("git=1:2.39.2-1"), "git");
        assert_eq!(base_name("curl"), "curl");
    }
}
