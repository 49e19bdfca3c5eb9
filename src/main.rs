//! The `dockslim` command line: parses arguments, calls the library, prints, and picks the
//! exit code. Nothing else lives here.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use dockslim::app::{self, FileReport, Request};
use dockslim::detect::Language;
use dockslim::generate;
use dockslim::report::{self, Chunk, Format, Output, Reporter, Settings};
use dockslim::template::RuntimeKind;

/// mimalloc (see `dockslim::alloc`): a split allocates many small strings.
#[global_allocator]
static GLOBAL: dockslim::alloc::Mimalloc = dockslim::alloc::Mimalloc;

/// The exit-code section of `--help` (a macro so `split --help` can add its examples).
macro_rules! exit_help {
    () => {
        "\
Exit codes:
  0  success: nothing to change (already multi-stage), the diff was printed, the file was
     written, or the file was left as is (the reason is printed on stderr)
  1  --check: at least one file would be rewritten
  2  error: missing or unreadable file, not a Dockerfile, parse error, bad config
  3  --strict: at least one file was left as is (not counting `# dockslim: ignore`)
With several paths, each is handled on its own and the exit code is the worst one
(2 before 3 before 1 before 0)."
    };
}

const EXIT_HELP: &str = exit_help!();

const SPLIT_HELP: &str = concat!(
    exit_help!(),
    "

Examples:
  Review the diff for ./Dockerfile (nothing is written):
    dockslim split
  Rewrite svc/Dockerfile in place:
    dockslim split --write svc
  Check in CI (exit 1 while a Dockerfile would be rewritten):
    dockslim split --check $(git ls-files '*Dockerfile')"
);

const VERIFY_EXIT_HELP: &str = "\
Exit codes:
  0  pass: the rewrite (or --against OTHER) builds, behaves like the original (same exit code
     and stdout, or the same answers from the server), drops no application file the program
     may read, changes the config only as announced, and is not larger
  1  the rewrite fails verification (each reason on its own line), or does not build
  2  error: the original does not build, no engine, a registry or image name problem, a bad file
  3  the file is left as is (nothing to verify; not with --against)";

/// Prints one line on stderr in a single write (stderr is unbuffered; `eprintln!` would write
/// each formatted piece on its own).
macro_rules! say {
    ($($arg:tt)*) => {{
        let mut line = format!($($arg)*);
        line.push('\n');
        let _ = std::io::stderr().write_all(line.as_bytes());
    }};
}

/// Rewrite single-stage Dockerfiles into multi-stage ones with a slim runtime stage.
#[derive(Parser, Debug)]
#[command(name = "dockslim", version, about, long_about = None, after_help = EXIT_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Split Dockerfiles into a builder and a slim runtime stage (prints a diff by default).
    #[command(after_help = SPLIT_HELP)]
    Split(SplitArgs),
    /// Build the original and the rewritten image, run or serve both, and compare behaviour,
    /// application files, config and size.
    #[command(after_help = VERIFY_EXIT_HELP)]
    Verify(VerifyArgs),
    /// Generate shell completions or man pages from this command line.
    #[command(hide = true, subcommand)]
    Generate(GenerateCmd),
}

#[derive(Subcommand, Debug)]
enum GenerateCmd {
    /// Print the completion script for SHELL.
    Completions {
        #[arg(value_enum)]
        shell: generate::Shell,
    },
    /// Write one man page per command into DIR, or print dockslim(1) without DIR.
    Man { dir: Option<PathBuf> },
}

#[derive(Args, Debug)]
struct Common {
    /// Build context directory [default: the Dockerfile's directory; the current directory
    /// for `-`].
    #[arg(long, value_name = "DIR")]
    context: Option<PathBuf>,
    /// Config file [default: dockslim.toml in the context directory or a parent, up to the
    /// repository root].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Runtime image family, instead of the automatic choice.
    #[arg(long, value_enum)]
    runtime: Option<RuntimeArg>,
    /// Language, instead of detection.
    #[arg(long, value_enum)]
    lang: Option<LangArg>,
    /// Run the program as a non-root user in the runtime stage, even where the original runs it
    /// as root (refused when it binds a port below 1024 or writes outside its own files).
    #[arg(long)]
    nonroot: bool,
}

#[derive(Args, Debug)]
struct SplitArgs {
    /// Dockerfiles, directories holding a Dockerfile or Containerfile, or `-` for standard
    /// input (the result goes to stdout) [default: ./Dockerfile, or ./Containerfile].
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Rewrite the files in place and print one summary line per file.
    #[arg(short, long, conflicts_with_all = ["check", "stdout"])]
    write: bool,
    /// Print the diff, say `PATH: would be rewritten`, and exit 1 if any file would change
    /// (for CI and pre-commit).
    #[arg(long, conflicts_with = "stdout")]
    check: bool,
    /// Print the whole new file instead of a diff.
    #[arg(long)]
    stdout: bool,
    /// Exit 3 when a file is left as is (not one that is already multi-stage, nor one with a
    /// `# dockslim: ignore` comment).
    #[arg(long)]
    strict: bool,
    /// When to colour the diff.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    /// Output format: diffs and messages, JSON (one object per file), SARIF 2.1.0, or GitHub
    /// Actions annotations.
    #[arg(long, value_enum, default_value_t = FormatArg::Text)]
    format: FormatArg,
    /// Print only errors (the new file with --stdout or `-`, and the JSON or SARIF document,
    /// still go to stdout).
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// The Dockerfile, or a directory holding one [default: ./Dockerfile].
    #[arg(value_name = "PATH")]
    path: Option<PathBuf>,
    /// Container engine to use [default: the first of docker, podman, buildah that works].
    #[arg(long, value_enum)]
    engine: Option<EngineArg>,
    /// Compare the original with this Dockerfile instead of dockslim's rewrite (a hand-written
    /// split, an older dockslim output). Nothing counts as announced; build-only files are those of
    /// dockslim's own split of the original.
    #[arg(long, value_name = "OTHER")]
    against: Option<PathBuf>,
    /// Arguments passed to the container run (one string, split on whitespace).
    #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
    run_args: Option<String>,
    /// Seconds a program may run (a server is stopped after its requests instead).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    timeout: u64,
    /// Probe the images as servers on this port [default: the TCP ports the original EXPOSEs].
    /// Repeatable; requests go to the first.
    #[arg(long = "port", value_name = "N")]
    ports: Vec<u16>,
    /// A path to GET from the servers besides `/`. Repeatable.
    #[arg(long = "path", value_name = "P")]
    paths: Vec<String>,
    /// Do not request a file of each static directory (static/, public/, assets/, ...).
    #[arg(long)]
    no_static: bool,
    /// Seconds a server may take until its port accepts connections.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    ready_timeout: u64,
    /// Show the engine's own output after a registry or image name error.
    #[arg(short, long)]
    verbose: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RuntimeArg {
    Distroless,
    Alpine,
    Scratch,
    DebianSlim,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LangArg {
    Go,
    Rust,
    Node,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum EngineArg {
    Docker,
    Podman,
    Buildah,
}

impl Common {
    fn request(&self, write: bool) -> Request {
        Request {
            context: self.context.clone(),
            config: self.config.clone(),
            lang: self.lang.map(|l| match l {
                LangArg::Go => Language::Go,
                LangArg::Rust => Language::Rust,
                LangArg::Node => Language::Node,
            }),
            runtime: self.runtime.map(|r| match r {
                RuntimeArg::Distroless => RuntimeKind::Distroless,
                RuntimeArg::Alpine => RuntimeKind::Alpine,
                RuntimeArg::Scratch => RuntimeKind::Scratch,
                RuntimeArg::DebianSlim => RuntimeKind::DebianSlim,
            }),
            write,
            nonroot: self.nonroot,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(match cli.command {
        Cmd::Split(args) => split(args),
        Cmd::Verify(args) => verify(args),
        Cmd::Generate(what) => generate(what),
    })
}

fn generate(what: GenerateCmd) -> u8 {
    let mut out = std::io::stdout().lock();
    let done = match what {
        GenerateCmd::Completions { shell } => {
            generate::completions(&mut Cli::command(), shell, "dockslim", &mut out);
            Ok(())
        }
        GenerateCmd::Man { dir: None } => generate::man_page(Cli::command(), &mut out),
        GenerateCmd::Man { dir: Some(dir) } => generate::man_pages(Cli::command(), &dir).map(|pages| {
            for p in pages {
                let _ = writeln!(out, "{}", p.display());
            }
        }),
    };
    match done {
        Ok(()) => 0,
        Err(e) => {
            say!("dockslim: error: {e}");
            2
        }
    }
}

fn split(args: SplitArgs) -> u8 {
    let req = args.common.request(args.write);
    let paths = if args.paths.is_empty() {
        vec![app::default_path()]
    } else {
        args.paths.clone()
    };
    let stdin = paths.iter().any(|p| p.as_os_str() == app::STDIN);
    if stdin && (paths.len() > 1 || args.write) {
        say!("-: error: standard input must be the only PATH and cannot be used with --write");
        return report::EXIT_ERROR;
    }
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal(),
    };
    let mut reporter = Reporter::new(Settings {
        format: match args.format {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Github => Format::Github,
        },
        output: if args.write {
            Output::Write
        } else if args.stdout || stdin {
            Output::File
        } else {
            Output::Diff
        },
        check: args.check,
        strict: args.strict,
        quiet: args.quiet,
        color,
    });
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for path in &paths {
        let report = if stdin {
            app::process_reader(std::io::stdin().lock(), &req)
        } else {
            app::process(path, &req)
        };
        let chunks = reporter.file(&report, &app::patch_path(report.display()));
        print(&mut out, chunks);
    }
    print(&mut out, reporter.finish());
    let _ = out.flush();
    reporter.exit_code()
}

/// Prints chunks in order: stdout is flushed before each stderr line so a file's output
/// comes before its message.
fn print(out: &mut impl Write, chunks: Vec<Chunk>) {
    for chunk in chunks {
        match chunk {
            Chunk::Out(text) => {
                let _ = out.write_all(text.as_bytes());
            }
            Chunk::Err(line) => {
                let _ = out.flush();
                say!("{line}");
            }
        }
    }
}

fn verify(args: VerifyArgs) -> u8 {
    use dockslim::verify::{self as v, Candidate, Engine, Rules, VerifyOptions};
    let req = args.common.request(false);
    let path = args.path.clone().unwrap_or_else(|| PathBuf::from("Dockerfile"));
    let report = app::process(&path, &req);
    let (display, rewrite) = match report {
        FileReport::Failed { display, message } => {
            say!("{display}: error: {message}");
            return 2;
        }
        FileReport::LeftAsIs { display, reason, .. } if args.against.is_none() => {
            say!("{display}: left as is: {reason}; nothing to verify");
            return 3;
        }
        FileReport::LeftAsIs { display, .. } => (display, None),
        FileReport::Changed {
            display, new, summary, ..
        } => (display, Some((new, summary))),
    };
    let (candidate, rules) = match (&args.against, &rewrite) {
        (Some(other), own) => (Candidate::File(other), Rules::for_other(own.as_ref().map(|(_, s)| s))),
        (None, Some((new, summary))) => (Candidate::Text(new), Rules::of_rewrite(summary)),
        (None, None) => return 3,
    };
    let Ok(file) = app::resolve_path(&path) else { return 2 };
    let context = args.common.context.clone().unwrap_or_else(|| match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    });
    let opts = VerifyOptions {
        engine: args.engine.map(|e| match e {
            EngineArg::Docker => Engine::Docker,
            EngineArg::Podman => Engine::Podman,
            EngineArg::Buildah => Engine::Buildah,
        }),
        run_args: args
            .run_args
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default(),
        timeout: std::time::Duration::from_secs(args.timeout),
        ports: args.ports,
        paths: args.paths,
        static_files: !args.no_static,
        ready_timeout: std::time::Duration::from_secs(args.ready_timeout),
    };
    match v::verify(&file, candidate, &context, &rules, &opts) {
        Ok(report) => {
            println!("{display}:\n{report}");
            if report.passed() { 0 } else { 1 }
        }
        Err(e) => {
            // The rewrite itself not building is a failed verification, not a tool error
            // (unless the engine could not fetch an image: then nothing was verified).
            let code = match &e {
                v::VerifyError::Build {
                    which: v::Which::Rewritten,
                    registry: None,
                    ..
                } => 1,
                _ => 2,
            };
            let what = if code == 1 { "verify failed" } else { "error" };
            say!("{display}: {what}: {e}");
            if let v::VerifyError::Build {
                log, registry: Some(_), ..
            } = &e
            {
                if args.verbose {
                    say!("  the engine's output:");
                    for line in log.lines() {
                        say!("    {line}");
                    }
                } else {
                    say!("  (--verbose shows the engine's output)");
                }
            }
            code
        }
    }
}
