//! Runtime: the one step that assembles the runtime stage for every language from the builder
//! image's model and the language's [`Program`]. Its rule is *preserve by default*: the stage
//! keeps everything the program could observe (its user, its files, the system packages and
//! data it may use, the programs it runs) unless a rule proves it build-only; what it can
//! neither keep nor prove, it refuses with the reason. Each rule has its own pass: [`needs`]
//! (what must run there), [`files`] (what is copied), [`packages`] (what is installed, and which
//! runtime image can), [`user`] (who runs it).

pub mod files;
pub mod needs;
pub mod packages;
pub mod user;

use crate::Skip;
use crate::detect::file_name;
use crate::lang::{Input, Program, RunCommand, run_command};
use crate::plan::{Carry, Spec};
use crate::summary::ConfigChange;
use crate::template::{RuntimeImage, RuntimeKind};
use needs::Need;
use packages::{Fit, Wanted};

/// Assembles the runtime stage for `prog`.
pub fn assemble(input: &Input<'_, '_>, mut prog: Program) -> Result<Spec, Skip> {
    let (df, model) = (input.df, input.model);
    let Some(run) = run_command(df, model) else {
        return Err(Skip::Unsupported("no CMD or ENTRYPOINT starts the program".into()));
    };
    let app = model.state(run.index).workdir.clone();
    let builder = input.common.builder(&model.image);
    start_program_produced(input, &prog, &run, &app)?;
    let needs = all_needs(input, &prog, &run);
    let mut files = files::plan(input, &prog, &app, &needs, None)?;
    files.dropped.append(&mut prog.dropped_globs);
    let wanted = packages::wanted(input, &prog, builder);
    let carried: Vec<String> = files.carries.iter().map(|c| c.to.clone()).collect();
    let (kind, image, fit, choice_note) = choose(input, &prog, &wanted, &needs, input.base.musl, &carried)?;
    let user = user::plan(input, &image, prog.split_after, &files.whole)?;
    // What the language said, moved into the spec: `prog` is not read for these again.
    let mut env_added = std::mem::take(&mut prog.env_added);
    let mut carries = all_copies(&prog, &user, &mut files);
    system_data_copies(&wanted, builder, kind, &image, &mut carries, &mut env_added);
    let runtime_lines = install_lines(input, &image, &fit, &wanted)?;
    let mut tail_lines = std::mem::take(&mut prog.runtime_lines);
    tail_lines.extend(user.line.iter().map(|u| [&keyword(input, "USER"), " ", u].concat()));
    let mut notes = std::mem::take(&mut prog.notes);
    notes.extend(choice_note);
    notes.extend(user.notes);
    let mut builder_tail = std::mem::take(&mut prog.builder_tail);
    builder_tail.extend(cleanup_line(input, prog.split_after, &files.cleanup, &mut notes));
    let mut announced: Vec<ConfigChange> = env_added
        .iter()
        .map(|(k, _)| ConfigChange::EnvAdded(k.clone()))
        .collect();
    if user.changed {
        announced.push(ConfigChange::User);
    }
    let mut image = image;
    image.image = user.image;
    image.workdir = user.workdir;
    Ok(Spec {
        language: prog.language,
        runtime: kind,
        image,
        split_after: prog.split_after,
        builder_edits: prog.builder_edits,
        builder_tail,
        carries,
        runtime_lines,
        tail_lines,
        env_added,
        replace_commands: prog.replace_commands,
        build_env: prog.build_env,
        user: user.name,
        packages: fit.install,
        dropped: files.dropped,
        announced,
        notes,
    })
}

/// Every copy, in order: what defines the user, then the files (owned by a non-root user
/// asked for), merged.
fn all_copies(prog: &Program, user: &user::UserPlan, files: &mut files::Files) -> Vec<Carry> {
    if let Some(owner) = &user.chown {
        for c in files
            .carries
            .iter_mut()
            .filter(|c| c.from == c.to && !prog.artifacts.contains(c))
        {
            c.chown = Some(owner.clone());
        }
    }
    if user.carries.is_empty() {
        // The files' carries are merged already.
        return std::mem::take(&mut files.carries);
    }
    let mut carries = user.carries.clone();
    carries.append(&mut files.carries);
    files::merge(carries)
}

/// The RUN that installs the packages the runtime image must add.
fn install_lines(input: &Input<'_, '_>, image: &RuntimeImage, fit: &Fit, wanted: &Wanted) -> Result<Vec<String>, Skip> {
    if fit.install.is_empty() {
        return Ok(Vec::new());
    }
    let manager = image.manager.as_deref().unwrap_or("apt");
    let no_recommends = wanted.no_recommends || manager != "apt";
    let Some(cmd) = input
        .common
        .packages
        .install_command(manager, &fit.install, no_recommends)
    else {
        return Err(Skip::Unsupported(format!(
            "the templates have no install command for {manager}"
        )));
    };
    Ok(vec![[&keyword(input, "RUN"), " ", &cmd].concat()])
}

/// The builder's last RUN: removes the build-only paths inside what crosses whole.
fn cleanup_line(input: &Input<'_, '_>, split: usize, cleanup: &[String], notes: &mut Vec<String>) -> Option<String> {
    if cleanup.is_empty() {
        return None;
    }
    let cwd = &input.model.state(split + 1).workdir;
    let shown: Vec<String> = cleanup.iter().map(|p| relative(cwd, p)).collect();
    notes.push(format!("build-only {} removed before the copy", shown.join(", ")));
    Some(format!("{} rm -rf {}", keyword(input, "RUN"), shown.join(" ")))
}

/// A start command that runs a file of the application by path (`./start.sh`) needs that file:
/// copied from the context, built, or written by a RUN. Otherwise the original fails the same
/// way, or gets it from somewhere dockslim cannot see: left as is.
fn start_program_produced(input: &Input<'_, '_>, prog: &Program, run: &RunCommand, app: &str) -> Result<(), Skip> {
    let words = run.all_words();
    let Some(first) = words.first().filter(|w| w.contains('/') && !w.contains('$')) else {
        return Ok(());
    };
    if prog.replace_commands.iter().any(|(i, _)| *i == run.index) {
        return Ok(());
    }
    let model = input.model;
    let path = model.state(run.index).resolve(first);
    let split = prog.split_after;
    let ours =
        first.starts_with("./") || first.starts_with("../") || !first.starts_with('/') || files::under(&path, app);
    if !ours || input.common.is_system_dir(app) && !first.starts_with('.') {
        return Ok(());
    }
    let parent = crate::detect::dir_name(&path);
    let produced = prog.artifacts.iter().any(|a| a.from == path || a.to == path)
        || prog.made.iter().any(|d| files::under(&path, d))
        || context_source(input, &path, split + 1).is_some_and(|rel| !crate::lang::dockerignored(input.ctx, &rel))
        || model.copies.iter().any(|c| c.index <= split && (c.heredoc || c.url) && files::under(&path, c.dest.trim_end_matches('/')))
        || model.ops.iter().any(|o| {
            o.index <= split && matches!(&o.op, crate::model::steps::Op::Write(ps) if ps.iter().any(|p| files::under(&path, p)))
        })
        // A RUN whose effect is unknown, in that directory, may have made it.
        || (model.from + 1..=split).any(|i| {
            model.commands(i).iter().any(|c| {
                &*c.cwd == parent && !c.program().is_some_and(crate::model::steps::may_affect)
            })
        });
    if produced {
        return Ok(());
    }
    Err(Skip::Unsupported(format!(
        "the start command runs {first}, which neither the build context nor a build step provides"
    )))
}

/// Every need of the runtime stage: its instructions, the start script, the programs the code runs.
fn all_needs(input: &Input<'_, '_>, prog: &Program, run: &RunCommand) -> Vec<Need> {
    let mut out = needs::instructions(input, prog.split_after, &prog.replace_commands);
    out.extend(needs::execs(&prog.executes));
    if let Some(n) = start_script(input, run) {
        out.push(n);
    }
    out
}

/// The needs of a shell script the container starts, when it comes from the build context.
fn start_script(input: &Input<'_, '_>, run: &RunCommand) -> Option<Need> {
    let words = run.all_words();
    let first = words.first()?;
    if run.shell || input.common.is_builtin(first) {
        return None;
    }
    let state = input.model.state(run.index);
    let path = if first.contains('/') {
        state.resolve(first)
    } else {
        return None;
    };
    let rel = context_source(input, &path, run.index)?;
    let text = input.ctx.read(&rel)?;
    let looks_like_script = text.starts_with("#!") || rel.ends_with(".sh");
    looks_like_script.then(|| needs::script(&rel, &text))
}

/// The context path a COPY placed at image path `path` before instruction `before`.
pub fn context_source(input: &Input<'_, '_>, path: &str, before: usize) -> Option<String> {
    let model = input.model;
    for c in model.copies.iter().rev().filter(|c| c.index < before) {
        let dest = c.dest.trim_end_matches('/');
        for s in &c.sources {
            let candidate = if s == "." {
                path.strip_prefix(dest)
                    .and_then(|r| r.strip_prefix('/'))
                    .map(str::to_string)
            } else if path == dest && !c.dest.ends_with('/') && c.sources.len() == 1 {
                Some(s.clone())
            } else {
                path.strip_prefix(dest)
                    .and_then(|r| r.strip_prefix('/'))
                    .map(|r| {
                        if input.ctx.is_dir(s) {
                            format!("{s}/{r}")
                        } else {
                            r.to_string()
                        }
                    })
                    .filter(|r| r == file_name(s) || crate::detect::is_under(r, s))
            };
            if let Some(rel) = candidate
                && input.ctx.is_file(&rel)
            {
                return Some(rel);
            }
        }
    }
    None
}

/// A runtime chosen: its kind, its image, what it installs and copies, and the note saying why
/// it is not the default.
type Chosen = (RuntimeKind, RuntimeImage, Fit, Option<String>);

/// Picks the runtime family and image: the one asked for, else the default, else the first
/// other family that can serve.
fn choose(
    input: &Input<'_, '_>,
    prog: &Program,
    wanted: &Wanted,
    needs: &[Need],
    musl: bool,
    carried: &[String],
) -> Result<Chosen, Skip> {
    let rt = &prog.runtimes;
    let demand = packages::Demand {
        prog,
        wanted,
        needs,
        builder_musl: musl,
        carried,
    };
    let mut foreign: Option<Chosen> = None;
    let mut problems = Problems::default();
    for kind in candidates(input.runtime, rt.default) {
        let Some(image) = rt.get(kind) else {
            if input.runtime.is_some() {
                return Err(Skip::Unsupported(format!("{} cannot run on {kind}", prog.what)));
            }
            continue;
        };
        match packages::fit(input, &demand, kind, image) {
            Ok(fit) => {
                let note = problems.first.clone().map(|p| format!("{kind} runtime because {p}"));
                if input.runtime.is_none() && is_foreign(kind, &fit, musl) {
                    foreign.get_or_insert((kind, image.clone(), fit, note));
                    continue;
                }
                return Ok((kind, image.clone(), fit, note));
            }
            Err(p) => problems.record(p, wanted, image),
        }
    }
    foreign.ok_or_else(|| problems.into_skip(input.runtime, &prog.what))
}

/// The runtimes to try, in order: the one asked for, or the language's default then the others.
fn candidates(asked: Option<RuntimeKind>, default: RuntimeKind) -> Vec<RuntimeKind> {
    match asked {
        Some(r) => vec![r],
        None => {
            let mut c = vec![default];
            c.extend(
                [RuntimeKind::Alpine, RuntimeKind::DebianSlim]
                    .into_iter()
                    .filter(|k| *k != default),
            );
            c
        }
    }
}

/// Packages installed on another distribution than the builder's are other builds of the program
/// (another git, another openssl): a fit there gives way to one on the builder's own.
fn is_foreign(kind: RuntimeKind, fit: &Fit, builder_musl: bool) -> bool {
    let own_family = if builder_musl {
        RuntimeKind::Alpine
    } else {
        RuntimeKind::DebianSlim
    };
    let programs = fit.install.iter().any(|p| !packages::SYSTEM_DATA.contains(&p.as_str()));
    kind != own_family && kind != RuntimeKind::Distroless && programs
}

/// Why runtimes did not fit: the first reason, and the first from a runtime of the Dockerfile's
/// own package manager family (the one that says what really stands in the way).
#[derive(Default)]
struct Problems {
    first: Option<String>,
    family: Option<String>,
}

impl Problems {
    fn record(&mut self, problem: String, wanted: &Wanted, image: &RuntimeImage) {
        if wanted
            .manager
            .is_some_and(|m| image.manager.as_deref() == Some(m.name()))
        {
            self.family.get_or_insert(problem.clone());
        }
        self.first.get_or_insert(problem);
    }

    fn into_skip(self, asked: Option<RuntimeKind>, what: &str) -> Skip {
        let problem = self
            .family
            .or(self.first)
            .unwrap_or_else(|| format!("no runtime image can run {what}"));
        Skip::Unsupported(match asked {
            Some(r) => format!("{problem} (runtime {r} was asked for)"),
            None => problem,
        })
    }
}

/// Copies for a runtime image without a package manager that lacks the system data the program
/// reads (scratch): the builder's CA bundle and time zone data.
fn system_data_copies(
    wanted: &Wanted,
    builder: Option<&crate::template::Builder>,
    kind: RuntimeKind,
    image: &RuntimeImage,
    carries: &mut Vec<Carry>,
    env: &mut Vec<(String, String)>,
) {
    if kind != RuntimeKind::Scratch && image.manager.is_some() {
        return;
    }
    for d in &wanted.data {
        if image.provides(d) {
            continue;
        }
        match d.as_str() {
            "ca-certificates" if image.certs => carries.push(Carry::same("/etc/ssl/certs/ca-certificates.crt")),
            "tzdata" => {
                if let Some(z) = builder.and_then(|b| b.zoneinfo.clone()) {
                    if z.ends_with(".zip") {
                        env.push(("ZONEINFO".into(), z.clone()));
                    }
                    carries.push(Carry::same(&z));
                }
            }
            _ => {}
        }
    }
}

/// `path` relative to `cwd` when inside it, else absolute.
fn relative(cwd: &str, path: &str) -> String {
    match path
        .strip_prefix(cwd.trim_end_matches('/'))
        .and_then(|r| r.strip_prefix('/'))
    {
        Some(r) if !r.is_empty() && cwd != "/" => r.to_string(),
        _ => path.to_string(),
    }
}

/// An instruction keyword in the case the Dockerfile writes its FROM in.
pub fn keyword(input: &Input<'_, '_>, k: &str) -> String {
    if input.df.is_lowercase(input.model.from) {
        k.to_ascii_lowercase()
    } else {
        k.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(relative("/app", "/app/vendor"), "vendor");
        assert_eq!(relative("/app", "/go/pkg"), "/go/pkg");
        assert_eq!(relative("/", "/go/pkg"), "/go/pkg");
    }

    #[test]
    fn candidates_start_with_the_asked_or_default_runtime() {
        use RuntimeKind::*;
        assert_eq!(candidates(Some(Scratch), Distroless), [Scratch]);
        assert_eq!(candidates(None, Distroless), [Distroless, Alpine, DebianSlim]);
        assert_eq!(candidates(None, Alpine), [Alpine, DebianSlim]);
    }

    #[test]
    fn programs_from_another_distribution_are_foreign() {
        let fit = |p: &[&str]| Fit {
            install: p.iter().map(|s| s.to_string()).collect(),
        };
        assert!(is_foreign(RuntimeKind::Alpine, &fit(&["git"]), false));
        assert!(!is_foreign(RuntimeKind::Alpine, &fit(&["git"]), true));
        assert!(!is_foreign(
            RuntimeKind::Alpine,
            &fit(&["ca-certificates", "tzdata"]),
            false
        ));
        assert!(!is_foreign(RuntimeKind::Distroless, &fit(&["git"]), true));
        assert!(is_foreign(RuntimeKind::DebianSlim, &fit(&["curl"]), true));
    }

    #[test]
    fn the_own_family_problem_is_the_one_said() {
        let wanted = packages::Wanted {
            manager: Some(crate::model::steps::Manager::Apt),
            ..Default::default()
        };
        let image = |m: Option<&str>| RuntimeImage {
            manager: m.map(String::from),
            ..Default::default()
        };
        let mut p = Problems::default();
        p.record("no shell".into(), &wanted, &image(None));
        p.record("no apt package x".into(), &wanted, &image(Some("apt")));
        let Skip::Unsupported(said) = p.into_skip(None, "the binary") else {
            panic!("unsupported")
        };
        assert_eq!(said, "no apt package x");
        let Skip::Unsupported(said) = Problems::default().into_skip(Some(RuntimeKind::Scratch), "app") else {
            panic!("unsupported")
        };
        assert_eq!(said, "no runtime image can run app (runtime scratch was asked for)");
    }
}
