//! Model: the builder image's end state, read once from the single stage. One walk over the
//! instructions records, before each one, the WORKDIR, ENV, ARG and USER in force (ENV and
//! ARG as views into one append-only [`vars::VarLog`], so the walk stays linear); every
//! placement of files (COPY/ADD from the context, here-documents, URLs, with `--chown`); and
//! every RUN's simple commands, parsed once with their working directory and user, wrappers
//! such as `sh -c` and `su - app -c` unwrapped, and classified into [`steps::Op`]s: packages,
//! package sources, users, ownership and written paths. The language modules and the runtime
//! assembly read the image through this model only.

pub mod steps;
pub mod vars;

use std::borrow::Cow;
use std::rc::Rc;

use crate::context::BuildContext;
use crate::detect::{ImageRef, absolute, expand, expand_cow, file_name, glob_match, parse_arg, parse_env};
use crate::parse::{Command, Dockerfile, Instruction, Source};
use crate::shell::{self, Word};
use steps::{Inner, Op};
use vars::VarLog;

/// What the builder's base image sets itself.
#[derive(Debug, Clone, Default)]
pub struct Base {
    /// Its WORKDIR (`/` when it sets none).
    pub workdir: String,
    /// Its ENV, in order.
    pub env: Vec<(String, String)>,
}

/// The state of the stage just before an instruction runs.
#[derive(Debug, Clone)]
pub struct State {
    /// Absolute WORKDIR.
    pub workdir: Rc<str>,
    /// Whether a WORKDIR instruction was seen.
    pub workdir_set: bool,
    /// The last USER, if any.
    pub user: Option<Rc<str>>,
    env: Rc<VarLog>,
    /// The values of `env`'s definitions as written, before expansion, at the same positions.
    env_raw: Rc<Vec<Rc<str>>>,
    env_len: usize,
    env_base: usize,
    args: Rc<VarLog>,
    args_len: usize,
}

impl State {
    /// The value of an ENV or ARG default as the Dockerfile wrote it (`${TARGETOS}` unexpanded).
    pub fn raw(&self, name: &str) -> Option<&str> {
        match self.env.find(self.env_len, name) {
            Some(p) => Some(&*self.env_raw[p]),
            None => self.args.get(self.args_len, name).map(|v| v.unwrap_or("")),
        }
    }

    /// The value of an ENV (base image's included) or ARG default.
    pub fn var(&self, name: &str) -> Option<&str> {
        match self.env.get(self.env_len, name) {
            Some(v) => v,
            None => self.args.get(self.args_len, name).flatten(),
        }
    }

    /// Whether `name` is set by an ENV of the Dockerfile or the base image.
    pub fn has_env(&self, name: &str) -> bool {
        self.env.get(self.env_len, name).is_some()
    }

    /// ENV set by the Dockerfile itself (not the base image), in order.
    pub fn own_env(&self) -> impl Iterator<Item = (&str, &str)> {
        self.env.range(self.env_base, self.env_len)
    }

    /// Resolves `path` against the WORKDIR (expanding variables).
    pub fn resolve(&self, path: &str) -> String {
        let path = expand(path, |k| self.var(k).map(str::to_string));
        absolute(&self.workdir, &path)
    }

    /// Expands variables in `s`.
    pub fn expand(&self, s: &str) -> String {
        expand(s, |k| self.var(k).map(str::to_string))
    }
}

/// A COPY or ADD into the image.
#[derive(Debug, Clone)]
pub struct CopyFact {
    /// Instruction index.
    pub index: usize,
    /// Context-relative sources (normalised, `.` for the whole context); URLs and
    /// here-documents are not listed.
    pub sources: Vec<String>,
    /// Absolute destination as written (a trailing `/` kept).
    pub dest: String,
    /// Whether a source is a here-document (the file at `dest` is written by the Dockerfile).
    pub heredoc: bool,
    /// Whether a source is a URL (ADD).
    pub url: bool,
    /// `--chown` as written.
    pub chown: Option<String>,
}

/// One simple command of a RUN.
#[derive(Debug, Clone)]
pub struct Cmd {
    /// Its words (leading `NAME=value` assignments included).
    pub words: Vec<Word>,
    /// The working directory it runs in.
    pub cwd: Rc<str>,
    /// Set when a wrapper (`sh -c`, `su -c`, `gosu`) runs it: its words' offsets then point at
    /// the wrapper's word, and no edit may be made inside it.
    pub nested: bool,
    /// The user a wrapper switched to, if any.
    pub user: Option<String>,
}

impl Cmd {
    /// The words after leading assignments.
    pub fn program_words(&self) -> &[Word] {
        shell::split_assignments(&self.words).1
    }

    /// The leading `NAME=value` assignments.
    pub fn assignments(&self) -> &[Word] {
        shell::split_assignments(&self.words).0
    }

    /// The texts of the words after leading assignments.
    pub fn texts(&self) -> Vec<String> {
        self.program_words().iter().map(|w| w.text.clone()).collect()
    }

    /// The program (first word after assignments, without its directory).
    pub fn program(&self) -> Option<&str> {
        self.program_words().first().map(|w| file_name(&w.text))
    }
}

/// An effect of a RUN command, with where it happened.
#[derive(Debug, Clone)]
pub struct OpAt {
    /// Instruction index.
    pub index: usize,
    /// The working directory.
    pub cwd: Rc<str>,
    /// What it does.
    pub op: Op,
}

/// The builder image's end state.
#[derive(Debug)]
pub struct Model {
    /// Index of the stage's FROM.
    pub from: usize,
    /// The builder image.
    pub image: ImageRef,
    /// The stage's existing name (`AS name`).
    pub stage_name: Option<String>,
    /// State before each instruction (one extra at the end: after the last one).
    states: Vec<State>,
    /// COPY/ADD instructions.
    pub copies: Vec<CopyFact>,
    /// The simple commands of each instruction (empty for all but RUN).
    commands: Vec<Vec<Cmd>>,
    /// What the RUN commands do, in order.
    pub ops: Vec<OpAt>,
}

/// The index of the FROM and the builder image it names (global ARG defaults substituted).
pub fn builder_image(df: &Dockerfile<'_>) -> Option<(usize, ImageRef)> {
    let from = df.instructions.iter().position(|i| matches!(i, Instruction::From(_)))?;
    let mut args = Vec::new();
    for ins in &df.instructions[..from] {
        if let Instruction::Arg(a) = ins {
            args.extend(parse_arg(&a.arguments.value));
        }
    }
    let Instruction::From(f) = &df.instructions[from] else {
        return None;
    };
    let lookup = |k: &str| args.iter().rev().find(|(n, _)| n == k).and_then(|(_, v)| v.clone());
    Some((from, ImageRef::parse(&expand(&f.image.value, lookup))))
}

/// The walk's running state: the logs it appends to and the current view.
struct Walk {
    env: VarLog,
    /// `env`'s values as written, at the same positions.
    env_raw: Vec<Rc<str>>,
    args: VarLog,
    workdir: Rc<str>,
    workdir_set: bool,
    user: Option<Rc<str>>,
}

/// What the walk collects, instruction by instruction.
struct Parts {
    snaps: Vec<Snap>,
    copies: Vec<CopyFact>,
    commands: Vec<Vec<Cmd>>,
    ops: Vec<OpAt>,
}

impl Parts {
    /// The parts for the instructions up to the FROM at `from` (nothing but their states).
    /// `len` is the number of instructions, for which the per-instruction lists make room.
    fn before(from: usize, len: usize, w: &Walk) -> Parts {
        let room = len.max(from + 1) + 1;
        let mut snaps = Vec::with_capacity(room);
        snaps.extend((0..=from).map(|_| w.snap()));
        let mut commands = Vec::with_capacity(room);
        commands.extend((0..=from).map(|_| Vec::new()));
        Parts {
            snaps,
            copies: Vec::new(),
            commands,
            ops: Vec::new(),
        }
    }
}

/// The ARG defaults declared before the FROM at `from`.
fn global_args(df: &Dockerfile<'_>, from: usize) -> VarLog {
    let mut globals = VarLog::default();
    for ins in &df.instructions[..from] {
        if let Instruction::Arg(a) = ins {
            for (k, v) in parse_arg(&a.arguments.value) {
                globals.push(k.into(), v.map(Rc::from));
            }
        }
    }
    globals
}

impl Walk {
    /// The walk at the start of the stage: the base image's WORKDIR and ENV.
    fn new(base: &Base) -> Walk {
        let mut w = Walk {
            env: VarLog::default(),
            env_raw: Vec::new(),
            args: VarLog::default(),
            workdir: Rc::from(base.workdir.as_str()),
            workdir_set: false,
            user: None,
        };
        for (k, v) in &base.env {
            let (k, v): (Rc<str>, Rc<str>) = (k.as_str().into(), v.as_str().into());
            w.env.push(k, Some(Rc::clone(&v)));
            w.env_raw.push(v);
        }
        w
    }

    /// The state now, without the shared logs.
    fn snap(&self) -> Snap {
        Snap {
            workdir: self.workdir.clone(),
            workdir_set: self.workdir_set,
            user: self.user.clone(),
            env_len: self.env.len(),
            args_len: self.args.len(),
        }
    }

    /// Applies instruction `index`; returns its simple commands (RUN).
    fn step(
        &mut self,
        df: &Dockerfile<'_>,
        index: usize,
        ins: &Instruction<'_>,
        globals: &VarLog,
        m: &mut Parts,
    ) -> Vec<Cmd> {
        match ins {
            Instruction::Workdir(d) => {
                self.workdir = Rc::from(self.resolve(&d.arguments.value));
                self.workdir_set = true;
            }
            Instruction::Env(e) => {
                for (k, v) in parse_env(&e.arguments.value, df.escape) {
                    // One copy of each value, shared with the raw list when nothing expands.
                    let (k, raw): (Rc<str>, Rc<str>) = (Rc::from(&*k), Rc::from(&*v));
                    let expanded = match expand_cow(&v, |n| self.var(n)) {
                        Cow::Borrowed(_) => Rc::clone(&raw),
                        Cow::Owned(e) => e.into(),
                    };
                    self.env_raw.push(raw);
                    self.env.push(k, Some(expanded));
                }
            }
            Instruction::Arg(a) => {
                for (k, v) in parse_arg(&a.arguments.value) {
                    let v = v.or_else(|| globals.get(globals.len(), &k).flatten().map(str::to_string));
                    self.args.push(k.into(), v.map(Rc::from));
                }
            }
            Instruction::User(u) => self.user = Some(Rc::from(&*u.arguments.value)),
            Instruction::Copy(c) if !c.options.iter().any(|o| o.name.value == "from") => {
                m.copies.push(copy_fact(
                    index,
                    &c.src,
                    &c.dest.value,
                    chown_of(&c.options),
                    self,
                    false,
                ));
            }
            Instruction::Add(c) => {
                m.copies.push(copy_fact(
                    index,
                    &c.src,
                    &c.dest.value,
                    chown_of(&c.options),
                    self,
                    true,
                ));
            }
            Instruction::Run(_) => return self.run(df, index, &mut m.ops),
            _ => {}
        }
        Vec::new()
    }

    /// The simple commands of RUN `index`, and their effects (into `ops`).
    fn run(&self, df: &Dockerfile<'_>, index: usize, ops: &mut Vec<OpAt>) -> Vec<Cmd> {
        let raw = raw_commands(df, index);
        let mut cmds = Vec::with_capacity(raw.len());
        let mut cwd = Rc::clone(&self.workdir);
        for words in raw {
            let at = At {
                cwd,
                user: None,
                nested: false,
            };
            cwd = expand_cmds(words, at, &mut cmds, 0);
        }
        for c in cmds.iter().filter(|c| c.program().is_some_and(steps::may_affect)) {
            let expanded: Vec<Cow<'_, str>> = c
                .program_words()
                .iter()
                .map(|w| expand_cow(&w.text, |n| self.var(n)))
                .collect();
            let op = steps::classify(&expanded, &c.cwd);
            if op != Op::Other {
                ops.push(OpAt {
                    index,
                    cwd: c.cwd.clone(),
                    op,
                });
            }
        }
        cmds
    }

    /// The per-instruction states, sharing the finished logs.
    fn states(self, snaps: Vec<Snap>, env_base: usize) -> Vec<State> {
        let env = Rc::new(self.env);
        let env_raw = Rc::new(self.env_raw);
        let args = Rc::new(self.args);
        snaps
            .into_iter()
            .map(|s| State {
                workdir: s.workdir,
                workdir_set: s.workdir_set,
                user: s.user,
                env: Rc::clone(&env),
                env_raw: Rc::clone(&env_raw),
                env_len: s.env_len,
                env_base,
                args: Rc::clone(&args),
                args_len: s.args_len,
            })
            .collect()
    }

    fn var(&self, name: &str) -> Option<String> {
        match self.env.get(self.env.len(), name) {
            Some(v) => v.map(str::to_string),
            None => self.args.get(self.args.len(), name).flatten().map(str::to_string),
        }
    }

    fn resolve(&self, path: &str) -> String {
        absolute(&self.workdir, &expand(path, |k| self.var(k)))
    }
}

/// A snapshot of the walk before instruction `i`, without the shared logs (filled at the end).
struct Snap {
    workdir: Rc<str>,
    workdir_set: bool,
    user: Option<Rc<str>>,
    env_len: usize,
    args_len: usize,
}

impl Model {
    /// Walks the stage of `df`, whose base image sets `base`.
    pub fn new(df: &Dockerfile<'_>, base: &Base) -> Option<Model> {
        let (from, image) = builder_image(df)?;
        Model::with_image(df, from, image, base)
    }

    /// [`Model::new`] for the FROM at `from` naming `image`, as [`builder_image`] found them.
    pub fn with_image(df: &Dockerfile<'_>, from: usize, image: ImageRef, base: &Base) -> Option<Model> {
        let globals = global_args(df, from);
        let Instruction::From(f) = &df.instructions[from] else {
            return None;
        };
        let stage_name = f.as_.as_ref().map(|(_, n)| n.value.to_string());
        let mut w = Walk::new(base);
        // Room for one definition per ENV instruction (the usual case), at once.
        let envs = df.instructions[from..]
            .iter()
            .filter(|i| matches!(i, Instruction::Env(_)))
            .count();
        w.env.reserve(envs);
        w.env_raw.reserve(envs);
        let env_base = w.env.len();
        let mut m = Parts::before(from, df.instructions.len(), &w);
        for (index, ins) in df.instructions.iter().enumerate().skip(from + 1) {
            m.snaps.push(w.snap());
            let cmds = w.step(df, index, ins, &globals, &mut m);
            m.commands.push(cmds);
        }
        m.snaps.push(w.snap());
        let states = w.states(m.snaps, env_base);
        Some(Model {
            from,
            image,
            stage_name,
            states,
            copies: m.copies,
            commands: m.commands,
            ops: m.ops,
        })
    }

    /// The state before instruction `i` (or after the last one).
    pub fn state(&self, i: usize) -> &State {
        &self.states[i.min(self.states.len() - 1)]
    }

    /// The state after the last instruction.
    pub fn end(&self) -> &State {
        &self.states[self.states.len() - 1]
    }

    /// The simple commands of instruction `i` (empty unless it is a RUN).
    pub fn commands(&self, i: usize) -> &[Cmd] {
        self.commands.get(i).map_or(&[], Vec::as_slice)
    }

    /// The `NAME=value` pairs of ENV instruction `i`, as written (none for other instructions):
    /// the definitions it added to the ENV log, with their values before expansion.
    pub fn env_pairs(&self, i: usize) -> impl Iterator<Item = (&str, &str)> {
        let (before, after) = (self.state(i), self.state(i + 1));
        (before.env_len..after.env_len).map(|p| (before.env.name(p), &*before.env_raw[p]))
    }

    /// The number of instructions.
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// Whether the Dockerfile has no instruction (never: a model has a FROM).
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// Where context path `rel` ends up in the image, counting COPYs before instruction
    /// `before`. `None` when no COPY brought it in.
    pub fn image_path_of(&self, ctx: &dyn BuildContext, rel: &str, before: usize) -> Option<String> {
        let rel = rel.trim_start_matches("./").trim_end_matches('/');
        self.copies.iter().rev().filter(|c| c.index < before).find_map(|c| {
            let many = c.sources.len() > 1 || c.dest.ends_with('/');
            c.sources.iter().find_map(|s| {
                let dest = c.dest.trim_end_matches('/');
                let dest = if dest.is_empty() { "/" } else { dest };
                if s == "." {
                    return Some(absolute(dest, rel));
                }
                if s == rel {
                    // A file copied into a directory keeps its name; a directory's contents go to dest.
                    return Some(if many && !ctx.is_dir(rel) {
                        absolute(dest, file_name(rel))
                    } else {
                        dest.to_string()
                    });
                }
                if let Some(rest) = rel.strip_prefix(s.as_str()).and_then(|r| r.strip_prefix('/')) {
                    return Some(absolute(dest, rest));
                }
                if s.contains('*') && glob_match(s, rel) {
                    return Some(absolute(dest, file_name(rel)));
                }
                None
            })
        })
    }
}

impl Model {
    /// The context directory whose contents land at image directory `dir` (by a COPY before
    /// instruction `before`): a whole-context or directory copy that covers it, or the
    /// directory of a file copied into it.
    pub fn context_dir_of(&self, ctx: &dyn BuildContext, dir: &str, before: usize) -> Option<String> {
        let dir = dir.trim_end_matches('/');
        let dir = if dir.is_empty() { "/" } else { dir };
        for c in self.copies.iter().rev().filter(|c| c.index < before) {
            let dest = c.dest.trim_end_matches('/');
            let dest = if dest.is_empty() { "/" } else { dest };
            let rest = if dir == dest {
                Some(String::new())
            } else if dest == "/" {
                Some(dir.trim_start_matches('/').to_string())
            } else {
                dir.strip_prefix(dest)
                    .and_then(|r| r.strip_prefix('/'))
                    .map(str::to_string)
            };
            for s in &c.sources {
                if s == "." {
                    if let Some(r) = &rest {
                        return Some(r.clone());
                    }
                } else if ctx.is_dir(s) {
                    if let Some(r) = &rest {
                        return Some(crate::context::join(s, r));
                    }
                } else if let Some(p) = self.image_path_of(ctx, s, c.index + 1)
                    && p.rsplit_once('/').map(|(d, _)| if d.is_empty() { "/" } else { d }) == Some(dir)
                {
                    return Some(s.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string()));
                }
            }
        }
        None
    }
}

fn chown_of(options: &[parse_dockerfile::Flag<'_>]) -> Option<String> {
    options
        .iter()
        .find(|o| o.name.value == "chown")
        .and_then(|o| o.value.as_ref().map(|v| v.value.to_string()))
}

fn copy_fact(index: usize, src: &[Source<'_>], dest: &str, chown: Option<String>, w: &Walk, add: bool) -> CopyFact {
    let url = |p: &str| add && p.contains("://");
    let sources = src
        .iter()
        .filter_map(|s| match s {
            Source::Path(p) if !url(&p.value) => {
                let v = p.value.trim_start_matches("./").trim_end_matches('/');
                Some(if v.is_empty() || v == "." {
                    ".".to_string()
                } else {
                    v.to_string()
                })
            }
            _ => None,
        })
        .collect();
    let dest_abs = {
        let r = w.resolve(dest);
        if (dest.ends_with('/') || dest == "." || dest.ends_with("/.")) && !r.ends_with('/') {
            format!("{r}/")
        } else {
            r
        }
    };
    CopyFact {
        index,
        sources,
        dest: dest_abs,
        heredoc: src.iter().any(|s| matches!(s, Source::HereDoc(_))),
        url: src.iter().any(|s| matches!(s, Source::Path(p) if url(&p.value))),
        chown,
    }
}

/// The simple commands of RUN `i` as the parser gives them (shell form, exec form,
/// here-documents), with offsets into the Dockerfile text.
fn raw_commands(df: &Dockerfile<'_>, i: usize) -> Vec<Vec<Word>> {
    let Instruction::Run(r) = &df.instructions[i] else {
        return Vec::new();
    };
    let shift = |mut ws: Vec<Word>, by: usize| {
        for w in &mut ws {
            w.start += by;
            w.end += by;
        }
        ws
    };
    let mut out: Vec<Vec<Word>> = match &r.arguments {
        Command::Shell(s) => shell::commands(s.value, df.escape)
            .into_iter()
            .map(|ws| shift(ws, s.span.start))
            .collect(),
        Command::Exec(e) => vec![
            e.value
                .iter()
                .map(|w| Word {
                    text: w.value.to_string(),
                    start: w.span.start,
                    end: w.span.end,
                    expands: false,
                })
                .collect(),
        ],
        _ => Vec::new(),
    };
    for h in &r.here_docs {
        for ws in shell::commands(&h.value, '\\') {
            out.push(shift(ws, h.span.start));
        }
    }
    out
}

/// Where a simple command runs: its directory, its user, and whether a wrapper runs it.
#[derive(Clone)]
struct At {
    cwd: Rc<str>,
    user: Option<String>,
    nested: bool,
}

impl At {
    fn cmd(&self, words: Vec<Word>) -> Cmd {
        Cmd {
            words,
            cwd: self.cwd.clone(),
            nested: self.nested,
            user: self.user.clone(),
        }
    }
}

/// Pushes `words` (and what wrappers in it run) onto `out`; returns the directory after it
/// (a `cd` changes it).
fn expand_cmds(words: Vec<Word>, mut at: At, out: &mut Vec<Cmd>, depth: usize) -> Rc<str> {
    let program_words = shell::split_assignments(&words).1;
    let first = program_words.first().map(|w| file_name(&w.text));
    if first == Some("cd") {
        at.cwd = absolute(&at.cwd, program_words.get(1).map_or("/root", |w| w.text.as_str())).into();
        out.push(at.cmd(words));
        return at.cwd;
    }
    if depth >= 4 || !first.is_some_and(steps::is_wrapper) {
        out.push(at.cmd(words));
        return at.cwd;
    }
    let texts: Vec<String> = program_words.iter().map(|w| w.text.clone()).collect();
    let Some((inner, switched)) = steps::unwrap(&texts) else {
        out.push(at.cmd(words));
        return at.cwd;
    };
    let span = (words.first().map_or(0, |w| w.start), words.last().map_or(0, |w| w.end));
    out.push(at.cmd(words));
    expand_inner(inner, inner_at(&texts, switched, &at), span, out, depth + 1);
    at.cwd
}

/// Where a wrapper (`su`, `sh -c`, `env`...) runs its command: as the user it switches to,
/// in that user's home for a login shell.
fn inner_at(texts: &[String], switched: Option<String>, at: &At) -> At {
    let login = texts.iter().any(|t| t == "-" || t == "-l" || t == "--login");
    let cwd = match (&switched, login) {
        (Some(u), true) if u != "root" => format!("/home/{u}").into(),
        (Some(_), true) => "/root".into(),
        _ => at.cwd.clone(),
    };
    At {
        cwd,
        user: switched.or_else(|| at.user.clone()),
        nested: true,
    }
}

/// Expands what a wrapper runs: its words, or each command of its script in turn.
fn expand_inner(inner: Inner, mut at: At, span: (usize, usize), out: &mut Vec<Cmd>, depth: usize) {
    match inner {
        Inner::Words(ts) => {
            expand_cmds(spanned(ts, span), at, out, depth);
        }
        Inner::Script(s) => {
            for ws in shell::commands(&s, '\\') {
                let ts: Vec<String> = ws.into_iter().map(|w| w.text).collect();
                at.cwd = expand_cmds(spanned(ts, span), at.clone(), out, depth);
            }
        }
    }
}

/// Words made from texts a wrapper unwrapped, all placed at the wrapper's span.
fn spanned(texts: Vec<String>, span: (usize, usize)) -> Vec<Word> {
    texts
        .into_iter()
        .map(|text| Word {
            text,
            start: span.0,
            end: span.1,
            expands: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn model(text: &str) -> (Model, crate::parse::Dockerfile<'_>) {
        let df = parse(text).unwrap();
        let base = Base {
            workdir: "/go".into(),
            env: vec![("GOPATH".into(), "/go".into())],
        };
        (Model::new(&df, &base).unwrap(), df)
    }

    #[test]
    fn walks_workdir_env_and_copies() {
        let (m, _df) = model(
            "FROM golang:1.22\nWORKDIR /app\nENV A=1 B=\"two words\"\nCOPY . .\nWORKDIR sub\nCOPY templates ./templates\nCOPY a.yml b.yml ./conf/\n",
        );
        let ctx = crate::context::MemContext::new().with("templates/x.html", "");
        assert_eq!(&*m.state(1).workdir, "/go");
        assert_eq!(&*m.state(2).workdir, "/app");
        assert_eq!(m.state(3).var("B"), Some("two words"));
        assert_eq!(m.state(3).var("GOPATH"), Some("/go"));
        assert_eq!(
            m.state(3).own_env().collect::<Vec<_>>(),
            vec![("A", "1"), ("B", "two words")]
        );
        assert_eq!(&*m.state(6).workdir, "/app/sub");
        assert_eq!(m.image_path_of(&ctx, "main.go", 4).as_deref(), Some("/app/main.go"));
        assert_eq!(
            m.image_path_of(&ctx, "templates/x.html", 9).as_deref(),
            Some("/app/sub/templates/x.html")
        );
        assert_eq!(
            m.image_path_of(&ctx, "templates", 9).as_deref(),
            Some("/app/sub/templates")
        );
        assert_eq!(
            m.image_path_of(&ctx, "a.yml", 9).as_deref(),
            Some("/app/sub/conf/a.yml")
        );
        assert_eq!(m.image_path_of(&ctx, "x", 3), None);
    }

    #[test]
    fn base_env_expands_and_later_env_sees_earlier() {
        let (m, _df) = model("FROM golang:1.22\nENV GOBIN=$GOPATH/bin\nENV X=${GOBIN}/x\n");
        assert_eq!(m.end().var("GOBIN"), Some("/go/bin"));
        assert_eq!(m.end().var("X"), Some("/go/bin/x"));
        assert!(m.end().has_env("GOPATH"));
    }

    #[test]
    fn run_commands_track_cd_wrappers_and_ops() {
        let (m, _df) = model(
            "FROM golang:1.22\nWORKDIR /app\nRUN apt-get update && apt-get install -y git && cd sub && go build -o x .\nRUN su - app -c \"npm ci && mkdir -p data\"\nRUN useradd -m app && chown -R app /app\n",
        );
        let cmds = m.commands(2);
        assert_eq!(cmds.len(), 4);
        assert_eq!(&*cmds[3].cwd, "/app/sub");
        assert_eq!(cmds[3].program(), Some("go"));
        let su = m.commands(3);
        assert_eq!(su.len(), 3);
        assert!(su[1].nested && su[1].user.as_deref() == Some("app"));
        assert_eq!(&*su[1].cwd, "/home/app");
        assert_eq!(su[1].texts(), vec!["npm", "ci"]);
        let kinds: Vec<String> = m
            .ops
            .iter()
            .map(|o| format!("{}:{:?}", o.index, std::mem::discriminant(&o.op)))
            .collect();
        assert_eq!(kinds.len(), 4, "{kinds:?}");
        assert!(matches!(&m.ops[1].op, Op::Write(p) if p == &vec!["/home/app/data".to_string()]));
        assert!(matches!(&m.ops[3].op, Op::Chown { owner, .. } if owner == "app"));
    }

    #[test]
    fn many_env_lines_stay_linear() {
        let mut text = String::from("FROM golang:1.22\n");
        for i in 0..2000usize {
            text.push_str(&format!("ENV V{i}=x$V{}\n", i.saturating_sub(1)));
        }
        let (m, _df) = model(&text);
        assert_eq!(m.end().var("V1999").map(str::len), Some(2000));
    }

    fn expanded(script: &str) -> Vec<(String, String, bool, Option<String>)> {
        let mut out = Vec::new();
        let mut at = At {
            cwd: "/app".into(),
            user: None,
            nested: false,
        };
        for words in shell::commands(script, '\\') {
            at.cwd = expand_cmds(words, at.clone(), &mut out, 0);
        }
        out.into_iter()
            .map(|c| (c.texts().join(" "), c.cwd.to_string(), c.nested, c.user))
            .collect()
    }

    #[test]
    fn cd_moves_later_commands() {
        let cmds = expanded("cd web && npm ci && cd / && ls");
        let cwds: Vec<&str> = cmds.iter().map(|c| c.1.as_str()).collect();
        assert_eq!(cwds, ["/app/web", "/app/web", "/", "/"]);
    }

    #[test]
    fn wrappers_run_their_script_nested() {
        let cmds = expanded("sh -c 'cd sub && make'");
        assert_eq!(cmds[0], ("sh -c cd sub && make".into(), "/app".into(), false, None));
        assert_eq!(cmds[1].1, "/app/sub");
        assert_eq!(cmds[2], ("make".into(), "/app/sub".into(), true, None));
    }

    #[test]
    fn a_login_shell_runs_in_the_users_home() {
        let cmds = expanded("su - app -c 'git clone x'");
        let last = cmds.last().unwrap();
        assert_eq!((last.0.as_str(), last.1.as_str()), ("git clone x", "/home/app"));
        assert_eq!(last.3.as_deref(), Some("app"));
        let at = At {
            cwd: "/srv".into(),
            user: Some("old".into()),
            nested: false,
        };
        let texts = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            &*inner_at(&texts(&["su", "root", "-l"]), Some("root".into()), &at).cwd,
            "/root"
        );
        let kept = inner_at(&texts(&["sh", "-c", "x"]), None, &at);
        assert_eq!(
            (&*kept.cwd, kept.user.as_deref(), kept.nested),
            ("/srv", Some("old"), true)
        );
    }

    #[test]
    fn wrappers_stop_unwrapping_at_depth_four() {
        let cmds = expanded("sudo sudo sudo sudo sudo sudo ls");
        let texts: Vec<&str> = cmds.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(texts.len(), 5, "{texts:?}");
        assert_eq!(texts[4], "sudo sudo ls");
    }
}
