//! The `dockslim` command line: parses arguments, calls the library, prints, and picks the
//! exit code. Nothing else lives here.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use dockslim::app::{self, FileReport, Request};
use dockslim::detect::Language;
use dockslim::emit;
use dockslim::template::RuntimeKind;

const EXIT_HELP: &str = "\
Exit codes:
  0  success: nothing to change, the diff was printed, the file was written,
     or the file was left as is (the reason is printed on stderr)
  1  --check: at least one file would be rewritten
  2  error: missing or unreadable file, not a Dockerfile, parse error, bad config
  3  --strict: at least one file was left as is
With several paths, each is handled on its own and the exit code is the worst one
(2 before 3 before 1 before 0).";

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
    #[command(after_help = EXIT_HELP)]
    Split(SplitArgs),
    /// Build the original and the rewritten image, run or serve both, and compare behaviour,
    /// application files, config and size.
    #[command(after_help = VERIFY_EXIT_HELP)]
    Verify(VerifyArgs),
}

#[derive(Args, Debug)]
struct Common {
    /// Build context directory [default: the Dockerfile's directory].
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
}

#[derive(Args, Debug)]
struct SplitArgs {
    /// Dockerfiles, or directories holding a Dockerfile or Containerfile [default: ./Dockerfile].
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Rewrite the files in place and print one summary line per file.
    #[arg(short, long, conflicts_with_all = ["check", "stdout"])]
    write: bool,
    /// Print the diff and exit 1 if any file would change (for CI and pre-commit).
    #[arg(long, conflicts_with = "stdout")]
    check: bool,
    /// Print the whole new file instead of a diff.
    #[arg(long)]
    stdout: bool,
    /// Exit 3 when a file is left as is.
    #[arg(long)]
    strict: bool,
    /// When to colour the diff.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
    #[command(flatten)]
    common: Common,
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
        }
    }
}

/// Exit codes ranked by severity: error, strict refusal, check failure, success.
fn worst(a: u8, b: u8) -> u8 {
    let rank = |c: u8| match c {
        2 => 3,
        3 => 2,
        1 => 1,
        _ => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    ExitCode::from(match cli.command {
        Cmd::Split(args) => split(args),
        Cmd::Verify(args) => verify(args),
    })
}

fn split(args: SplitArgs) -> u8 {
    let req = args.common.request(args.write);
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("Dockerfile")]
    } else {
        args.paths.clone()
    };
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal(),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut code = 0;
    for path in &paths {
        let report = app::process(path, &req);
        let c = match report {
            FileReport::Failed { display, message } => {
                say!("{display}: error: {message}");
                2
            }
            FileReport::LeftAsIs { display, old, reason } => {
                say!("{display}: left as is: {reason}");
                if args.stdout {
                    let _ = out.write_all(old.as_bytes());
                }
                if args.strict { 3 } else { 0 }
            }
            FileReport::Changed {
                display,
                old,
                new,
                summary,
            } => {
                if args.write {
                    let _ = writeln!(out, "{display}: rewritten: {summary}");
                    0
                } else if args.stdout {
                    let _ = out.write_all(new.as_bytes());
                    let _ = out.flush(); // keep the file's output before its message
                    say!("{display}: {summary}");
                    0
                } else {
                    let diff = emit::unified_diff(&old, &new, &display);
                    let _ = out.write_all(if color { emit::colorize(&diff) } else { diff }.as_bytes());
                    let _ = out.flush(); // keep the diff before its message
                    say!("{display}: {summary}");
                    if args.check { 1 } else { 0 }
                }
            }
        };
        code = worst(code, c);
    }
    let _ = out.flush();
    code
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
