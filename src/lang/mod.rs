//! Languages: each module reads the builder image's [`Model`] and the build context and answers
//! only what is language-specific, as a [`Program`]: which artifact the container runs and
//! where the build puts it, how it links (which runtime images can run it), which paths only
//! the build uses, how the start command changes, and which programs the code itself starts.
//! Everything else (user, system packages, files, metadata) is decided once for all languages
//! by [`crate::runtime`]. Template data comes from `templates/<lang>.toml`. This module holds
//! what the languages share: the [`Input`] and the [`Program`] answer, the start command
//! ([`run_command`], [`is_exec_shell`], [`needs_shell_at`]), `.dockerignore`
//! ([`dockerignored`]), the programs the code starts ([`scan_execs`]), and following a binary
//! through moves and PATH ([`follow_move`], [`runs_path`], [`path_dirs`]).

pub mod go;
pub mod node;
pub mod rust;

use crate::Skip;
use crate::context::BuildContext;
use crate::detect::{Language, absolute, command_words};
use crate::model::Model;
use crate::parse::{Command, Dockerfile, Instruction};
use crate::plan::Carry;
use crate::render::Edit;
use crate::template::{BaseFacts, Common, LinkRuntimes, RuntimeImage, RuntimeKind};

/// Everything a language module gets.
pub struct Input<'a, 'b> {
    /// The parsed Dockerfile.
    pub df: &'a Dockerfile<'b>,
    /// The builder image's end state.
    pub model: &'a Model,
    /// The build context.
    pub ctx: &'a dyn BuildContext,
    /// Shared template data.
    pub common: &'a Common,
    /// The builder image's base system (libc, Debian release, alpine release), read off its tag.
    pub base: BaseFacts,
    /// The runtime family asked for (command line, then config), if any.
    pub runtime: Option<RuntimeKind>,
    /// Whether a non-root runtime was asked for (`--nonroot`, config `nonroot = true`).
    pub nonroot: bool,
    /// Extra context paths to carry into the runtime stage (config `copy`).
    pub extra_copy: &'a [String],
    /// The config's `prune` setting for this language (`false`: keep devDependencies).
    pub prune: Option<bool>,
}

/// The runtime images that can run a program, already filled for this builder.
#[derive(Debug, Clone)]
pub struct Runtimes {
    /// The family chosen when nobody asks.
    pub default: RuntimeKind,
    /// The images by family, in the order they are tried.
    pub images: Vec<(RuntimeKind, RuntimeImage)>,
}

impl Runtimes {
    /// Fills `table` (names of `images`) with `fill`.
    pub fn from_table<'t>(
        table: &LinkRuntimes,
        lookup: impl Fn(&str) -> Option<&'t RuntimeImage>,
        fill: impl Fn(&str) -> String,
    ) -> Result<Runtimes, Skip> {
        let mut images = Vec::new();
        for kind in [
            RuntimeKind::Distroless,
            RuntimeKind::Alpine,
            RuntimeKind::DebianSlim,
            RuntimeKind::Scratch,
        ] {
            let Some(name) = table.get(kind) else { continue };
            let Some(img) = lookup(name) else {
                return Err(Skip::Unsupported(format!(
                    "the templates name a runtime image `{name}` they do not define"
                )));
            };
            images.push((kind, img.filled(&fill)));
        }
        Ok(Runtimes {
            default: table.default,
            images,
        })
    }

    /// The image for `kind`.
    pub fn get(&self, kind: RuntimeKind) -> Option<&RuntimeImage> {
        self.images.iter().find(|(k, _)| *k == kind).map(|(_, i)| i)
    }
}

/// A program the app's own code starts (`exec.Command("git", ...)`), and where that was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exec {
    /// The program as written.
    pub program: String,
    /// Where (`main.go`, `ENTRYPOINT script start.sh`).
    pub at: String,
}

/// What a language module decided.
#[derive(Debug, Clone)]
pub struct Program {
    /// The language.
    pub language: Language,
    /// The runtime stage starts after this instruction.
    pub split_after: usize,
    /// What the program is, for messages (`a static Go binary`).
    pub what: String,
    /// The runtime images that can run it.
    pub runtimes: Runtimes,
    /// Built binaries: where the build put them and where they go.
    pub artifacts: Vec<Carry>,
    /// Absolute paths only the build uses, removed in the builder after the build so that
    /// copying their directory leaves them behind (`/app/vendor`, `/app/target/release/deps`).
    pub build_only: Vec<String>,
    /// Edits inside the builder stage (e.g. `CGO_ENABLED=0`).
    pub builder_edits: Vec<Edit>,
    /// Instructions appended to the builder stage (e.g. `RUN npm prune --omit=dev`).
    pub builder_tail: Vec<String>,
    /// CMD/ENTRYPOINT instructions to rewrite to these exec-form words.
    pub replace_commands: Vec<(usize, Vec<String>)>,
    /// System packages the program needs at run time, named for the runtime's package manager
    /// (`libssl3` for openssl-sys, `libgcc` for a dynamic musl binary, `openssl` for Prisma).
    pub packages: Vec<String>,
    /// Programs the app's code starts.
    pub executes: Vec<Exec>,
    /// ENV names that only matter to the build and are not carried.
    pub build_env: Vec<String>,
    /// Extra runtime instructions (after the copies).
    pub runtime_lines: Vec<String>,
    /// ENV the runtime stage adds (name, value).
    pub env_added: Vec<(String, String)>,
    /// Programs the rewrite puts in the image itself (the binary, node, npm...).
    pub own: Vec<String>,
    /// Whether the program reads the system's CA bundle and time zone data (Go, Rust; Node
    /// brings its own).
    pub system_data: bool,
    /// What stays behind by a rule that is not a removal (devDependencies after a prune), as
    /// absolute globs.
    pub dropped_globs: Vec<String>,
    /// Absolute directories the build steps fill (`node_modules` after an install), where a
    /// start command may find its program.
    pub made: Vec<String>,
    /// Remarks for the summary.
    pub notes: Vec<String>,
}

impl Program {
    /// An empty answer for `language` splitting after `split_after` onto `runtimes`.
    pub fn new(language: Language, split_after: usize, what: String, runtimes: Runtimes) -> Program {
        Program {
            language,
            split_after,
            what,
            runtimes,
            artifacts: Vec::new(),
            build_only: Vec::new(),
            builder_edits: Vec::new(),
            builder_tail: Vec::new(),
            replace_commands: Vec::new(),
            packages: Vec::new(),
            executes: Vec::new(),
            build_env: Vec::new(),
            runtime_lines: Vec::new(),
            env_added: Vec::new(),
            own: Vec::new(),
            system_data: true,
            dropped_globs: Vec::new(),
            made: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// Context paths ignored by `.dockerignore` never reach the image.
pub fn dockerignored(ctx: &dyn BuildContext, path: &str) -> bool {
    let Some(text) = ctx.read(".dockerignore") else {
        return false;
    };
    let mut ignored = false;
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (neg, pat) = match line.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, line),
        };
        let pat = pat
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/');
        let pat = pat.strip_prefix("**/").unwrap_or(pat);
        let hit = crate::detect::glob_match(pat, path)
            || crate::detect::is_under(path, pat)
            || path
                .rsplit('/')
                .next()
                .is_some_and(|base| crate::detect::glob_match(pat, base));
        if hit {
            ignored = !neg;
        }
    }
    ignored
}

/// The command a container runs: ENTRYPOINT (if any) and CMD.
#[derive(Debug, Clone)]
pub struct RunCommand {
    /// Instruction index of the part that names the program (ENTRYPOINT if set, else CMD).
    pub index: usize,
    /// Its words (shell form is split into words; `["sh", "-c", "x y"]` reads as `x y`).
    pub words: Vec<String>,
    /// Whether that part is in shell form (or an exec-form `sh -c`).
    pub shell: bool,
    /// The CMD index and words when an exec-form ENTRYPOINT takes CMD as arguments.
    pub cmd: Option<(usize, Vec<String>)>,
    /// The whole shell text when the part is in shell form (or an exec-form `sh -c`).
    pub script: Option<String>,
    /// The script of an exec-form `sh -c` CMD that an exec-form ENTRYPOINT takes as arguments.
    pub cmd_script: Option<String>,
}

impl RunCommand {
    /// Every simple command of the start command: the shell text's commands, or the words.
    pub fn commands(&self) -> Vec<Vec<String>> {
        match &self.script {
            Some(s) => script_commands(s),
            None => {
                // ENTRYPOINT ["tini", "--"] + CMD ["sh", "-c", "a && b"]: `a` follows the
                // entrypoint's words, then the script's other commands run.
                let rest = self.cmd_script.as_deref().map_or(Vec::new(), script_commands);
                std::iter::once(self.all_words())
                    .chain(rest.into_iter().skip(1))
                    .collect()
            }
        }
    }

    /// All words: ENTRYPOINT then CMD.
    pub fn all_words(&self) -> Vec<String> {
        let mut w = self.words.clone();
        if let Some((_, c)) = &self.cmd {
            w.extend(c.iter().cloned());
        }
        w
    }
}

/// The simple commands of a shell text, each without its leading `NAME=value` assignments.
fn script_commands(script: &str) -> Vec<Vec<String>> {
    crate::shell::commands(script, '\\')
        .into_iter()
        .map(|ws| {
            crate::shell::split_assignments(&ws)
                .1
                .iter()
                .map(|w| w.text.clone())
                .collect()
        })
        .collect()
}

/// The words of a CMD/ENTRYPOINT, with an exec-form `sh -c "..."` read as the shell-form
/// command it runs.
fn start_words(c: &Command<'_>, escape: char) -> (Vec<String>, bool, Option<String>) {
    let (words, shell) = command_words(c, escape);
    if !shell
        && let [sh, flag, script] = words.as_slice()
        && matches!(sh.rsplit('/').next(), Some("sh" | "bash" | "ash" | "dash"))
        && flag == "-c"
    {
        let inner = crate::shell::commands(script, '\\')
            .into_iter()
            .next()
            .unwrap_or_default();
        return (inner.into_iter().map(|w| w.text).collect(), true, Some(script.clone()));
    }
    let script = match c {
        Command::Shell(s) if shell => Some(s.value.to_string()),
        _ => None,
    };
    (words, shell, script)
}

/// The effective start command of the stage, if any.
pub fn run_command(df: &Dockerfile<'_>, model: &Model) -> Option<RunCommand> {
    let mut ep = None;
    let mut cmd = None;
    for (i, ins) in df.instructions.iter().enumerate().skip(model.from + 1) {
        match ins {
            Instruction::Entrypoint(e) => {
                ep = Some((i, start_words(&e.arguments, df.escape)));
                cmd = None; // ENTRYPOINT resets an earlier CMD
            }
            Instruction::Cmd(c) => cmd = Some((i, start_words(&c.arguments, df.escape))),
            _ => {}
        }
    }
    match (ep, cmd) {
        (Some((i, (words, shell, script))), cmd) => {
            let cmd = cmd.filter(|_| !shell);
            Some(RunCommand {
                index: i,
                words,
                shell,
                cmd_script: cmd.as_ref().and_then(|(_, (_, _, s))| s.clone()),
                cmd: cmd.map(|(j, (w, _, _))| (j, w)),
                script,
            })
        }
        (None, Some((i, (words, shell, script)))) => Some(RunCommand {
            index: i,
            words,
            shell,
            cmd: None,
            script,
            cmd_script: None,
        }),
        (None, None) => None,
    }
}

/// Whether `run` is an exec-form `sh -c` at instruction `i` (rewriting it would change it).
pub fn is_exec_shell(df: &Dockerfile<'_>, i: usize) -> bool {
    let c = match df.instructions.get(i) {
        Some(Instruction::Cmd(c)) => &c.arguments,
        Some(Instruction::Entrypoint(e)) => &e.arguments,
        _ => return false,
    };
    matches!(c, Command::Exec(_)) && start_words(c, df.escape).1
}

/// Whether the CMD/ENTRYPOINT at instruction `i` needs its shell: shell form (or an exec-form
/// `sh -c`) whose text has variables, operators, redirections or several commands.
pub fn needs_shell_at(df: &Dockerfile<'_>, i: usize) -> bool {
    let c = match df.instructions.get(i) {
        Some(Instruction::Cmd(c)) => &c.arguments,
        Some(Instruction::Entrypoint(e)) => &e.arguments,
        _ => return false,
    };
    let escape = if matches!(c, Command::Shell(_)) {
        df.escape
    } else {
        '\\'
    };
    start_words(c, df.escape)
        .2
        .is_some_and(|script| crate::shell::needs_shell(&script, escape))
}

/// Programs started by the code in `sources` (context paths), found by the call patterns of a
/// language: each pattern is the text just before the program's string literal, e.g.
/// `exec.Command(` or `Command::new(`. Only literal names count.
pub fn scan_execs(ctx: &dyn BuildContext, sources: &[String], patterns: &[String]) -> Vec<Exec> {
    let mut out: Vec<Exec> = Vec::new();
    for f in sources {
        let Some(text) = ctx.read(f) else { continue };
        for pat in patterns {
            let mut rest = text.as_str();
            while let Some(p) = rest.find(pat.as_str()) {
                rest = &rest[p + pat.len()..];
                let after = rest.trim_start();
                let Some(q) = after.chars().next().filter(|c| matches!(c, '"' | '\'' | '`')) else {
                    continue;
                };
                let body = &after[1..];
                let Some(end) = body.find(q) else { continue };
                let lit = &body[..end];
                // `exec("git status")` in Node: the program is the first word.
                let program = lit.split_whitespace().next().unwrap_or("");
                let plausible = !program.is_empty()
                    && program.len() < 100
                    && program
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_./+".contains(c));
                if plausible && !out.iter().any(|e| e.program == program) {
                    out.push(Exec {
                        program: program.to_string(),
                        at: f.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Follows `mv`/`cp`/`install SRC DEST` of the file at `artifact` (an image path) to its new
/// place. `DEST` is a directory when it ends with `/`, is `.` or the working directory, or is one
/// of the directories `known_dir` names.
pub fn follow_move(words: &[String], cwd: &str, artifact: &mut String, known_dir: impl Fn(&str) -> bool) {
    let Some(first) = words.first() else { return };
    if !matches!(first.as_str(), "mv" | "cp" | "install") {
        return;
    }
    let args: Vec<&str> = words[1..]
        .iter()
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    if args.len() != 2 || absolute(cwd, args[0]) != *artifact {
        return;
    }
    let dest = absolute(cwd, args[1]);
    let name = artifact.rsplit('/').next().unwrap_or_default().to_string();
    let is_dir = args[1].ends_with('/') || args[1] == "." || dest == cwd || known_dir(&dest);
    *artifact = if is_dir { absolute(&dest, &name) } else { dest };
}

/// Resolves a start program to the image path it runs: a path through the WORKDIR, or a bare
/// name through the PATH directories.
pub fn runs_path(program: &str, workdir: &str, path_dirs: &[String], candidate: &str) -> bool {
    if program.contains('/') {
        absolute(workdir, program) == candidate
    } else {
        let (dir, name) = candidate.rsplit_once('/').unwrap_or(("", candidate));
        name == program && path_dirs.iter().any(|d| absolute("/", d) == absolute("/", dir))
    }
}

/// The PATH directories in force at instruction `i`.
pub fn path_dirs(model: &Model, i: usize) -> Vec<String> {
    model
        .state(i)
        .var("PATH")
        .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .split(':')
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect()
}

/// Test support: an [`Input`] built from a Dockerfile text and an in-memory build context, the
/// way [`crate::split`] builds it (built-in templates; no runtime, config or flag asked for).
#[cfg(test)]
pub(crate) mod testing {
    use super::Input;
    use crate::context::MemContext;
    use crate::model::{Base, Model};
    use crate::template::TemplateSet;

    /// Runs `f` on the [`Input`] for `dockerfile` with build context `ctx`.
    pub(crate) fn with_input<R>(dockerfile: &str, ctx: &MemContext, f: impl FnOnce(&Input<'_, '_>) -> R) -> R {
        let df = crate::parse::parse(dockerfile).expect("the test Dockerfile parses");
        let common = &TemplateSet::builtin().common;
        let (_, image) = crate::model::builder_image(&df).expect("the test Dockerfile has a FROM");
        let base = match common.builder(&image) {
            Some(b) => Base {
                workdir: b.workdir.clone(),
                env: b.env.clone(),
            },
            None => Base {
                workdir: "/".into(),
                env: Vec::new(),
            },
        };
        let model = Model::new(&df, &base).expect("the test Dockerfile has a stage");
        let input = Input {
            df: &df,
            model: &model,
            ctx,
            common,
            base: common.base_facts(&model.image),
            runtime: None,
            nonroot: false,
            extra_copy: &[],
            prune: None,
        };
        f(&input)
    }

    /// The words of `s`, split at spaces.
    pub(crate) fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    /// A Go program answer splitting after instruction `split`, with no runtime images.
    pub(crate) fn program(split: usize) -> super::Program {
        let runtimes = super::Runtimes {
            default: crate::template::RuntimeKind::Distroless,
            images: Vec::new(),
        };
        super::Program::new(crate::detect::Language::Go, split, "a test program".into(), runtimes)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{with_input, words};
    use super::*;
    use crate::context::MemContext;

    #[test]
    fn execs_are_read_from_call_sites() {
        let ctx = MemContext::new()
            .with(
                "main.go",
                "cmd := exec.Command(\"git\", \"log\")\nexec.Command(name)\nexec.CommandContext(ctx, \"ls\")",
            )
            .with(
                "a.js",
                "const { execSync } = require('child_process'); execSync('convert a.png b.jpg')",
            );
        let found = scan_execs(
            &ctx,
            &["main.go".into()],
            &["exec.Command(".into(), "exec.CommandContext(ctx,".into()],
        );
        assert_eq!(
            found.iter().map(|e| e.program.as_str()).collect::<Vec<_>>(),
            vec!["git", "ls"]
        );
        let found = scan_execs(&ctx, &["a.js".into()], &["execSync(".into()]);
        assert_eq!(found[0].program, "convert");
    }

    #[test]
    fn moves_are_followed() {
        let w = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        let mut a = "/app/server".to_string();
        follow_move(&w("mv server /usr/local/bin/"), "/app", &mut a, |_| false);
        assert_eq!(a, "/usr/local/bin/server");
        let mut a = "/app/server".to_string();
        follow_move(&w("cp server /bin"), "/app", &mut a, |d| d == "/bin");
        assert_eq!(a, "/bin/server");
        assert!(runs_path("server", "/", &["/bin".into()], "/bin/server"));
        assert!(runs_path("./server", "/app", &[], "/app/server"));
    }

    #[test]
    fn the_helper_builds_the_model_of_the_builder_image() {
        let ctx = MemContext::new();
        with_input(
            "FROM golang:1.22-alpine\nWORKDIR /src\nRUN go build -o /app .\n",
            &ctx,
            |input| {
                assert_eq!(input.model.image.name, "golang");
                assert!(input.base.musl);
                // The builder's own ENV (from common.toml's [[builders]]) is in the model.
                assert_eq!(input.model.state(2).var("GOPATH"), Some("/go"));
                assert_eq!(&*input.model.state(2).workdir, "/src");
            },
        );
    }

    #[test]
    fn dockerignore_patterns_and_negations() {
        let ctx = MemContext::new().with(".dockerignore", "# comment\n*.md\n!README.md\n/secrets/\n**/tmp\n");
        assert!(dockerignored(&ctx, "notes.md"));
        assert!(dockerignored(&ctx, "docs/guide.md"));
        assert!(!dockerignored(&ctx, "README.md"));
        assert!(dockerignored(&ctx, "secrets/key"));
        assert!(dockerignored(&ctx, "a/tmp"));
        assert!(!dockerignored(&ctx, "src/main.go"));
        assert!(!dockerignored(&MemContext::new(), "notes.md"));
    }

    #[test]
    fn run_command_reads_entrypoint_and_cmd() {
        let ctx = MemContext::new();
        let df = "FROM node:20\nCMD [\"old\"]\nENTRYPOINT [\"tini\", \"--\"]\nCMD [\"node\", \"server.js\"]\n";
        with_input(df, &ctx, |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            assert_eq!((run.index, run.words.clone(), run.shell), (2, words("tini --"), false));
            assert_eq!(run.cmd, Some((3, words("node server.js"))));
            assert_eq!(run.all_words(), words("tini -- node server.js"));
            assert_eq!(run.commands(), vec![words("tini -- node server.js")]);
        });
        // ENTRYPOINT resets an earlier CMD.
        with_input("FROM node:20\nCMD [\"a\"]\nENTRYPOINT [\"b\"]\n", &ctx, |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            assert_eq!((run.index, run.cmd.clone()), (2, None));
        });
        with_input("FROM node:20\nRUN true\n", &ctx, |input| {
            assert!(run_command(input.df, input.model).is_none());
        });
    }

    #[test]
    fn exec_form_sh_c_reads_as_its_script() {
        let ctx = MemContext::new();
        let df = "FROM node:20\nCMD [\"sh\", \"-c\", \"node a.js && echo done\"]\n";
        with_input(df, &ctx, |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            assert!(run.shell);
            assert_eq!(run.words, words("node a.js"));
            assert_eq!(run.script.as_deref(), Some("node a.js && echo done"));
            assert_eq!(run.commands(), vec![words("node a.js"), words("echo done")]);
            assert!(is_exec_shell(input.df, 1));
        });
        // An exec ENTRYPOINT runs the CMD script's commands too.
        let df = "FROM node:20\nENTRYPOINT [\"docker-entrypoint.sh\"]\nCMD [\"sh\", \"-c\", \"node a.js && npx prisma migrate deploy\"]\n";
        with_input(df, &ctx, |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            assert_eq!(
                run.commands(),
                vec![
                    words("docker-entrypoint.sh node a.js"),
                    words("npx prisma migrate deploy")
                ]
            );
        });
        with_input("FROM node:20\nCMD node a.js\n", &ctx, |input| {
            let run = run_command(input.df, input.model).expect("a start command");
            assert!(run.shell && run.script.as_deref() == Some("node a.js"));
            // Shell form is not an exec-form `sh -c`.
            assert!(!is_exec_shell(input.df, 1));
        });
    }

    #[test]
    fn start_commands_that_need_their_shell() {
        let df = "FROM node:20\nCMD npm start\nCMD npm start && echo done\nCMD [\"sh\", \"-c\", \"npm start -- --port $PORT\"]\nCMD [\"sh\", \"-c\", \"npm start\"]\nCMD [\"npm\", \"start\"]\nRUN x\n";
        with_input(df, &MemContext::new(), |input| {
            let needs: Vec<bool> = (1..7).map(|i| needs_shell_at(input.df, i)).collect();
            assert_eq!(needs, [false, true, true, false, false, false]);
        });
    }

    #[test]
    fn path_dirs_follow_env_path() {
        let ctx = MemContext::new();
        with_input("FROM debian:12\nENV PATH=/opt/bin:/usr/bin\nCMD x\n", &ctx, |input| {
            assert_eq!(
                path_dirs(input.model, 1),
                words("/usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin")
            );
            assert_eq!(path_dirs(input.model, 2), words("/opt/bin /usr/bin"));
        });
    }

    #[test]
    fn runtimes_are_filled_in_family_order() {
        let common = &crate::template::TemplateSet::builtin().common;
        let tpl = &crate::template::TemplateSet::builtin().go;
        let table = &tpl.runtimes["glibc"];
        let rt = Runtimes::from_table(table, |n| common.images.get(n), |p| p.replace("{debian}", "12"))
            .expect("the glibc table names known images");
        let kinds: Vec<RuntimeKind> = rt.images.iter().map(|(k, _)| *k).collect();
        assert_eq!(kinds, vec![RuntimeKind::Distroless, RuntimeKind::DebianSlim]);
        assert!(!rt.get(RuntimeKind::Distroless).expect("distroless").image.contains('{'));
        assert!(rt.get(RuntimeKind::Alpine).is_none());
        let missing = Runtimes::from_table(table, |_| None, |p| p.to_string());
        assert!(matches!(missing, Err(Skip::Unsupported(m)) if m.contains("do not define")));
    }

    #[test]
    fn start_words_read_both_forms() {
        let df = "FROM node:20\nCMD node a.js\nENTRYPOINT [\"/bin/bash\", \"-c\", \"exec node b.js\"]\nCMD [\"x\"]\n";
        with_input(df, &MemContext::new(), |input| {
            let arguments = |i: usize| match &input.df.instructions[i] {
                Instruction::Cmd(c) => &c.arguments,
                Instruction::Entrypoint(e) => &e.arguments,
                _ => panic!("not a start instruction"),
            };
            assert_eq!(
                start_words(arguments(1), '\\'),
                (words("node a.js"), true, Some("node a.js".to_string()))
            );
            assert_eq!(
                start_words(arguments(2), '\\'),
                (words("exec node b.js"), true, Some("exec node b.js".to_string()))
            );
            assert_eq!(start_words(arguments(3), '\\'), (words("x"), false, None));
        });
    }
}
