//! dockslim rewrites a single-stage Dockerfile into a multi-stage one: the original image
//! becomes a named builder stage and a slim runtime stage receives only what the program
//! needs at run time.
//!
//! The pipeline is `parse` → `model` (the builder image's end state) → `detect` (the
//! language) → `lang::*` (a [`lang::Program`]: the artifact, how it links, what only the build
//! uses) → `runtime` (the runtime stage, preserving what the program observes: a
//! [`plan::Spec`]) → `plan` (span edits) → `render` (apply them) → `emit` (diff or write).
//! [`split`] runs it on text; [`app`] adds the file-system edge the command line uses.

pub mod alloc;
pub mod app;
pub mod check;
pub mod config;
pub mod context;
pub mod detect;
pub mod dirs;
pub mod emit;
pub mod generate;
pub mod ignore;
pub mod lang;
pub mod model;
pub mod parse;
pub mod plan;
pub mod render;
pub mod report;
pub mod runtime;
pub mod shell;
pub mod summary;
pub mod template;
pub mod verify;

use std::fmt;

use config::Config;
use context::BuildContext;
use detect::Language;
use parse::Instruction;
use plan::Summary;
use template::{RuntimeKind, TemplateSet};

/// Why a Dockerfile is left as is. Not an error: the file is fine, dockslim just cannot split
/// it safely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// It already has this many stages.
    MultiStage(usize),
    /// No Go, Rust or Node.js build was found.
    UnknownLanguage,
    /// Anything else, said in words.
    Unsupported(String),
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::MultiStage(n) => write!(f, "already multi-stage ({n} stages)"),
            Skip::UnknownLanguage => f.write_str("no Go, Rust or Node.js build found (--lang chooses one)"),
            Skip::Unsupported(s) => f.write_str(s),
        }
    }
}

/// Input that is not a Dockerfile dockslim can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The parser rejected the file.
    #[error("parse error at line {}: {}", .0.line, .0.message)]
    Parse(parse::ParseError),
    /// There is no FROM instruction.
    #[error("not a Dockerfile: no FROM instruction")]
    NoFrom,
    /// The file holds nothing but blank lines (and maybe a BOM).
    #[error("empty file, not a Dockerfile")]
    Empty,
    /// A planning defect: the edits did not apply or their result did not parse. Never
    /// written to disk.
    #[error("internal error, nothing written: {0}")]
    Internal(String),
}

/// How to split.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// Language override (`--lang`).
    pub lang: Option<Language>,
    /// Runtime override (`--runtime`); the config's choice applies when `None`.
    pub runtime: Option<RuntimeKind>,
    /// The config file's settings.
    pub config: &'a Config,
    /// Templates.
    pub templates: &'a TemplateSet,
}

/// What [`split`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The new text and what changed.
    Rewritten {
        /// The whole rewritten file.
        text: String,
        /// Builder, runtime and carried files.
        summary: Summary,
    },
    /// Nothing changes, for this reason.
    LeftAsIs(Skip),
}

/// Splits the Dockerfile `text`, whose build context is `ctx`.
pub fn split(text: &str, ctx: &dyn BuildContext, opts: &Options<'_>) -> Result<Outcome, Error> {
    if let Some(skip) = ignore::directive(text) {
        return Ok(Outcome::LeftAsIs(skip));
    }
    let (bom, body) = parse::strip_bom(text);
    let df = read(body)?;
    if let Some(skip) = single_stage_problem(&df)? {
        return Ok(Outcome::LeftAsIs(skip));
    }
    let (from, image) = model::builder_image(&df).ok_or(Error::NoFrom)?;
    if image.name == "scratch" {
        return Ok(Outcome::LeftAsIs(Skip::Unsupported(
            "it builds FROM scratch: nothing to slim".into(),
        )));
    }
    let (edits, summary) = match rewrite(&df, from, image, ctx, opts)? {
        Ok(planned) => planned,
        Err(skip) => return Ok(Outcome::LeftAsIs(skip)),
    };
    let out = render::apply(body, &edits).map_err(|e| Error::Internal(e.to_string()))?;
    let runtime_layers = check::runtime_layers(&df, &edits, &out)?;
    if let Some(skip) = too_many_layers(
        df.instructions.iter().filter(|i| check::makes_layer(i)).count(),
        runtime_layers,
    ) {
        return Ok(Outcome::LeftAsIs(skip));
    }
    let text = if bom { format!("\u{feff}{out}") } else { out };
    Ok(Outcome::Rewritten { text, summary })
}

/// Parses the Dockerfile text (BOM already stripped).
fn read(body: &str) -> Result<parse::Dockerfile<'_>, Error> {
    if body.trim().is_empty() {
        return Err(Error::Empty);
    }
    parse::parse(body).map_err(|e| match e.line {
        // Line 0: the parser found no stage at all (only comments or directives).
        0 => Error::NoFrom,
        _ => Error::Parse(e),
    })
}

/// Why a parsed Dockerfile is not a single stage dockslim may split: no FROM (an error),
/// several stages, ONBUILD. (FROM scratch is judged once the builder image is read.)
fn single_stage_problem(df: &parse::Dockerfile<'_>) -> Result<Option<Skip>, Error> {
    let stages = df
        .instructions
        .iter()
        .filter(|i| matches!(i, Instruction::From(_)))
        .count();
    if stages == 0 {
        return Err(Error::NoFrom);
    }
    if stages > 1 {
        return Ok(Some(Skip::MultiStage(stages)));
    }
    if let Some(i) = df
        .instructions
        .iter()
        .position(|i| matches!(i, Instruction::Onbuild(_)))
    {
        let why = format!(
            "ONBUILD at line {} makes this a base image for other builds",
            df.line(i)
        );
        return Ok(Some(Skip::Unsupported(why)));
    }
    Ok(None)
}

/// The pipeline on a single-stage Dockerfile: model, language, runtime assembly, edits.
fn rewrite(
    df: &parse::Dockerfile<'_>,
    from: usize,
    image: detect::ImageRef,
    ctx: &dyn BuildContext,
    opts: &Options<'_>,
) -> Result<Result<(Vec<render::Edit>, Summary), Skip>, Error> {
    let tpl = opts.templates;
    let base = match tpl.common.builder(&image) {
        Some(b) => model::Base {
            workdir: b.workdir.clone(),
            env: b.env.clone(),
        },
        None => model::Base {
            workdir: "/".into(),
            env: Vec::new(),
        },
    };
    let model = model::Model::with_image(df, from, image, &base).ok_or(Error::NoFrom)?;
    let images = [
        (Language::Go, tpl.go.images.as_slice()),
        (Language::Rust, tpl.rust.images.as_slice()),
        (Language::Node, tpl.node.images.as_slice()),
    ];
    let Some(lang) = opts.lang.or_else(|| detect::detect_language(df, &model, ctx, &images)) else {
        return Ok(Err(Skip::UnknownLanguage));
    };
    let lang_cfg = opts.config.lang(lang);
    let extra_copy: Vec<String> = opts.config.copy.iter().chain(&lang_cfg.copy).cloned().collect();
    let input = lang::Input {
        df,
        model: &model,
        ctx,
        common: &tpl.common,
        base: tpl.common.base_facts(&model.image),
        runtime: opts.runtime.or(lang_cfg.runtime).or(opts.config.runtime),
        nonroot: lang_cfg.nonroot.or(opts.config.nonroot).unwrap_or(false),
        extra_copy: &extra_copy,
        prune: lang_cfg.prune,
    };
    let program = match lang {
        Language::Go => lang::go::analyze(&input, &tpl.go),
        Language::Rust => lang::rust::analyze(&input, &tpl.rust),
        Language::Node => lang::node::analyze(&input, &tpl.node),
    };
    Ok(program
        .and_then(|p| runtime::assemble(&input, p))
        .and_then(|spec| plan::plan(df, &model, spec)))
}

/// The most layers a runtime stage may add when the original made fewer.
const MAX_NEW_LAYERS: usize = 100;

/// Docker does not run an image of more than about 125 layers ("max depth exceeded"): a
/// runtime stage that adds more layers than the original did, and more than
/// [`MAX_NEW_LAYERS`], could turn a working image into one that does not start. (Measured
/// with Docker 20.10: on alpine's one layer, the build stops at the 125th COPY; 100 COPYs build
/// and run.)
fn too_many_layers(original: usize, runtime: usize) -> Option<Skip> {
    (runtime > original && runtime > MAX_NEW_LAYERS).then(|| {
        Skip::Unsupported(format!(
            "the runtime stage would add {runtime} layers (one per COPY or RUN), more than the original's \
             {original}: Docker does not run images of more than about 125 layers"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_not_a_single_stage() {
        assert_eq!(read("  \n").unwrap_err(), Error::Empty);
        assert_eq!(read("# only a comment\n").unwrap_err(), Error::NoFrom);
        assert!(matches!(read("FROM a\nHEALTHCHECK\n").unwrap_err(), Error::Parse(_)));
        let stage = |t: &str| single_stage_problem(&read(t).unwrap()).unwrap().map(|s| s.to_string());
        assert_eq!(
            stage("FROM a AS b\nFROM c\n").as_deref(),
            Some("already multi-stage (2 stages)")
        );
        assert_eq!(
            stage("FROM a\nONBUILD RUN x\n").as_deref(),
            Some("ONBUILD at line 2 makes this a base image for other builds")
        );
        assert_eq!(stage("FROM scratch\nCOPY a /\n"), None, "judged by split");
        let scratch = split(
            "FROM scratch\nCOPY a /\n",
            &context::MemContext::new(),
            &Options {
                lang: None,
                runtime: None,
                config: &Config::default(),
                templates: TemplateSet::builtin(),
            },
        );
        assert_eq!(
            scratch,
            Ok(Outcome::LeftAsIs(Skip::Unsupported(
                "it builds FROM scratch: nothing to slim".into()
            )))
        );
        assert_eq!(stage("FROM golang:1.22\nRUN go build\n"), None);
    }

    #[test]
    fn a_runtime_stage_may_not_add_more_layers_than_docker_runs() {
        assert_eq!(too_many_layers(3, 100), None, "at the limit");
        assert!(matches!(too_many_layers(3, 101), Some(Skip::Unsupported(m)) if m.contains("101 layers")));
        assert_eq!(too_many_layers(245, 242), None, "no more than the original made");
        assert_eq!(too_many_layers(101, 101), None);
    }

    /// One `mkdir -p` of `dirs` directories, each carried to the runtime stage by a COPY.
    fn mkdirs(dirs: usize) -> Result<Outcome, Error> {
        let list: Vec<String> = (0..dirs).map(|i| format!("/srv/d{i}")).collect();
        let text = format!(
            "FROM golang:1.22\nWORKDIR /app\nCOPY . .\nRUN mkdir -p {}\nRUN go build -o /app/server .\nCMD [\"/app/server\"]\n",
            list.join(" ")
        );
        let ctx = context::MemContext::new()
            .with("go.mod", "module example.com/app\n\ngo 1.22\n")
            .with("main.go", "package main\n\nfunc main() {}\n");
        let opts = Options {
            lang: None,
            runtime: None,
            config: &Config::default(),
            templates: TemplateSet::builtin(),
        };
        split(&text, &ctx, &opts)
    }

    #[test]
    fn one_run_that_makes_many_carried_directories_is_left_as_is() {
        assert!(matches!(mkdirs(90), Ok(Outcome::Rewritten { .. })));
        let reason = "the runtime stage would add 131 layers (one per COPY or RUN), more than the original's 3: \
                      Docker does not run images of more than about 125 layers";
        assert_eq!(mkdirs(130), Ok(Outcome::LeftAsIs(Skip::Unsupported(reason.into()))));
    }
}
