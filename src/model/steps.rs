//! Steps: what one simple command of a RUN does to the image, read from its words. Each kind
//! of effect that the runtime stage must reproduce or may leave behind has its own reader:
//! package installs and removals (apt, apk, yum/dnf), package sources, users, ownership, and
//! paths written by file commands. Anything else is [`Op::Other`].

use crate::detect::{absolute, file_name};

/// A system package manager family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Manager {
    /// apt-get / apt / aptitude (Debian, Ubuntu).
    Apt,
    /// apk (Alpine).
    Apk,
    /// yum / dnf / microdnf (Fedora, RHEL).
    Yum,
}

impl Manager {
    /// The family's name as the templates spell it.
    pub fn name(self) -> &'static str {
        match self {
            Manager::Apt => "apt",
            Manager::Apk => "apk",
            Manager::Yum => "yum",
        }
    }
}

/// A user (or group) a RUN creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserAdd {
    /// The name.
    pub name: String,
    /// Whether it is only a group.
    pub group_only: bool,
    /// Its home directory, when the command creates one.
    pub home: Option<String>,
}

/// One effect of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Installs packages.
    Install {
        /// Which package manager.
        manager: Manager,
        /// Package arguments as written (`curl`, `git=1:2.39*`, `.build-deps` excluded).
        packages: Vec<String>,
        /// apt: `--no-install-recommends` was given.
        no_recommends: bool,
        /// apk: the `--virtual NAME` group the packages were installed under.
        group: Option<String>,
    },
    /// Removes packages (or an apk virtual group).
    Remove {
        /// Which package manager.
        manager: Manager,
        /// Names removed.
        packages: Vec<String>,
    },
    /// Changes where packages come from (a repository, a key).
    Sources,
    /// Creates a user or group.
    User(UserAdd),
    /// Changes ownership of paths.
    Chown {
        /// `user[:group]` as written.
        owner: String,
        /// Absolute paths.
        paths: Vec<String>,
    },
    /// Creates or changes files at these absolute paths.
    Write(Vec<String>),
    /// Something else: its effect is not known.
    Other,
}

/// The package manager a program name means.
pub fn manager_of(program: &str) -> Option<Manager> {
    match file_name(program) {
        "apt-get" | "apt" | "aptitude" => Some(Manager::Apt),
        "apk" => Some(Manager::Apk),
        "yum" | "dnf" | "microdnf" | "tdnf" => Some(Manager::Yum),
        _ => None,
    }
}

/// Whether a command running `program` can have an effect [`classify`] reads (anything else
/// is [`Op::Other`] without looking further).
pub fn may_affect(program: &str) -> bool {
    let p = file_name(program);
    manager_of(p).is_some()
        || matches!(
            p,
            "add-apt-repository"
                | "apt-key"
                | "apt-add-repository"
                | "useradd"
                | "adduser"
                | "groupadd"
                | "addgroup"
                | "chown"
                | "mkdir"
                | "touch"
                | "cp"
                | "mv"
                | "install"
                | "ln"
                | "rsync"
                | "curl"
                | "wget"
                | "tar"
                | "unzip"
                | "git"
        )
}

/// What `words` (a simple command without leading assignments) does, run in `cwd`.
pub fn classify<S: AsRef<str>>(words: &[S], cwd: &str) -> Op {
    let words: Vec<&str> = words.iter().map(AsRef::as_ref).collect();
    classify_words(&words, cwd)
}

fn classify_words(words: &[&str], cwd: &str) -> Op {
    let Some(&first) = words.first() else { return Op::Other };
    let prog = file_name(first);
    if let Some(m) = manager_of(prog) {
        return packages(m, &words[1..]);
    }
    let args = &words[1..];
    let abs = |p: &str| absolute(cwd, p);
    match prog {
        "add-apt-repository" | "apt-key" | "apt-add-repository" => Op::Sources,
        "useradd" | "adduser" => user_add(prog, args, false),
        "groupadd" | "addgroup" => user_add(prog, args, true),
        "chown" => chown(args, cwd),
        "mkdir" | "touch" => Op::Write(operands(args, &["-m", "--mode"]).iter().map(|p| abs(p)).collect()),
        "cp" | "mv" | "install" | "ln" | "rsync" => match operands(
            args,
            &["-t", "-m", "-o", "-g", "-S", "--mode", "--owner", "--group", "--suffix"],
        )
        .last()
        {
            Some(dest) => Op::Write(vec![abs(dest)]),
            None => Op::Other,
        },
        "curl" => flag_value(args, &["-o", "--output"]).map_or(Op::Other, |p| Op::Write(vec![abs(&p)])),
        "wget" => flag_value(args, &["-O", "--output-document", "-P", "--directory-prefix"])
            .map_or_else(|| Op::Write(vec![cwd.to_string()]), |p| Op::Write(vec![abs(&p)])),
        "tar" => flag_value(args, &["-C", "--directory"])
            .map_or_else(|| Op::Write(vec![cwd.to_string()]), |p| Op::Write(vec![abs(&p)])),
        "unzip" => {
            flag_value(args, &["-d"]).map_or_else(|| Op::Write(vec![cwd.to_string()]), |p| Op::Write(vec![abs(&p)]))
        }
        "git" if args.first() == Some(&"clone") => {
            let ops = operands(
                &args[1..],
                &["-b", "--branch", "--depth", "-o", "--origin", "-c", "--config"],
            );
            match ops.as_slice() {
                [url] => Op::Write(vec![abs(url
                    .rsplit('/')
                    .next()
                    .unwrap_or(url)
                    .trim_end_matches(".git"))]),
                [_, dir, ..] => Op::Write(vec![abs(dir)]),
                [] => Op::Other,
            }
        }
        _ => Op::Other,
    }
}

/// Operands of a command: words that are neither flags nor the values of `value_flags`.
fn operands<'w>(args: &[&'w str], value_flags: &[&str]) -> Vec<&'w str> {
    let mut out = Vec::with_capacity(args.len());
    let mut it = args.iter().copied();
    while let Some(a) = it.next() {
        if a == "--" {
            out.extend(it.by_ref());
            break;
        }
        if a.starts_with('-') && a.len() > 1 {
            if value_flags.contains(&a) {
                it.next();
            }
            continue;
        }
        out.push(a);
    }
    out
}

/// The value of the first of `flags` (`-o X`, `-oX`, `--output=X`).
fn flag_value(args: &[&str], flags: &[&str]) -> Option<String> {
    let mut it = args.iter().copied();
    while let Some(a) = it.next() {
        for f in flags {
            if a == *f {
                return it.next().map(str::to_string);
            }
            if let Some(v) = a.strip_prefix(&format!("{f}=")) {
                return Some(v.to_string());
            }
            if f.len() == 2 && !f.starts_with("--") && a.len() > 2 && a.starts_with(f) && !a.starts_with("--") {
                return Some(a[2..].to_string());
            }
        }
    }
    None
}

fn packages(m: Manager, args: &[&str]) -> Op {
    let verb_at = args.iter().position(|a| !a.starts_with('-'));
    let Some(at) = verb_at else { return Op::Other };
    let verb = args[at];
    let rest = &args[at + 1..];
    let install = match m {
        Manager::Apt => verb == "install",
        Manager::Apk => verb == "add",
        Manager::Yum => verb == "install",
    };
    let remove = match m {
        Manager::Apt => matches!(verb, "remove" | "purge" | "autoremove"),
        Manager::Apk => verb == "del",
        Manager::Yum => matches!(verb, "remove" | "erase"),
    };
    let mut group = None;
    let mut names = Vec::new();
    let mut it = rest.iter().copied();
    while let Some(a) = it.next() {
        match a {
            "--virtual" | "-t" if m == Manager::Apk => group = it.next().map(str::to_string),
            "--repository" | "-X" | "-o" | "--option" | "--setopt" => {
                it.next();
            }
            a if a.starts_with('-') => {}
            a => names.push(a.to_string()),
        }
    }
    let no_recommends = rest
        .iter()
        .chain(args[..at].iter())
        .any(|a| *a == "--no-install-recommends");
    if install {
        Op::Install {
            manager: m,
            packages: names,
            no_recommends,
            group,
        }
    } else if remove {
        Op::Remove {
            manager: m,
            packages: names,
        }
    } else {
        Op::Other
    }
}

fn user_add(prog: &str, args: &[&str], group_only: bool) -> Op {
    let mut name = None;
    let mut home = None;
    let mut create = prog == "adduser"; // Debian's adduser and busybox's create the home by default
    let mut is_group = group_only;
    let mut it = args.iter().copied();
    while let Some(a) = it.next() {
        match a {
            "-m" | "--create-home" => create = true,
            "-M" | "--no-create-home" | "-H" => create = false,
            "-d" | "--home" | "--home-dir" | "-h" => home = it.next().map(str::to_string),
            "--group" if prog == "adduser" => is_group = true,
            "-u" | "-g" | "-G" | "-s" | "--uid" | "--gid" | "--shell" | "--ingroup" | "-c" | "--comment"
            | "--gecos" | "-k" | "--skel" | "-e" | "-f" | "-K" | "-p" | "--groups" => {
                it.next();
            }
            a if a.starts_with('-') => {}
            a if name.is_none() => name = Some(a.to_string()),
            _ => {}
        }
    }
    let Some(name) = name else { return Op::Other };
    let home = (create && !is_group).then(|| home.unwrap_or_else(|| format!("/home/{name}")));
    Op::User(UserAdd {
        name,
        group_only: is_group,
        home,
    })
}

fn chown(args: &[&str], cwd: &str) -> Op {
    let ops = operands(args, &["--reference"]);
    match ops.split_first() {
        Some((owner, paths)) if !paths.is_empty() => Op::Chown {
            owner: owner.to_string(),
            paths: paths.iter().map(|p| absolute(cwd, p)).collect(),
        },
        _ => Op::Other,
    }
}

/// The commands a wrapper runs: `sh -c STR`, `su [-] user -c STR`, `sudo -u x cmd...`,
/// `gosu user cmd...`, `env A=b cmd...`. Returns the inner script (to lex again) or the inner
/// words, and the user it runs as when the wrapper switches user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inner {
    /// A script to split into commands again.
    Script(String),
    /// The words of one command.
    Words(Vec<String>),
}

/// Whether `program` may run other commands ([`unwrap`] looks inside).
pub fn is_wrapper(program: &str) -> bool {
    matches!(
        program,
        "sh" | "bash"
            | "dash"
            | "ash"
            | "zsh"
            | "su"
            | "sudo"
            | "runuser"
            | "doas"
            | "gosu"
            | "su-exec"
            | "chpst"
            | "env"
            | "nice"
            | "nohup"
            | "time"
            | "exec"
            | "command"
            | "stdbuf"
            | "ionice"
    )
}

/// Unwraps one level of wrapper; `None` when `words` is not one.
pub fn unwrap(words: &[String]) -> Option<(Inner, Option<String>)> {
    let first = words.first()?;
    let prog = file_name(first);
    let rest = &words[1..];
    match prog {
        "sh" | "bash" | "dash" | "ash" | "zsh" => {
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                if a.starts_with('-') && a.contains('c') && !a.starts_with("--") {
                    return it.next().map(|s| (Inner::Script(s.clone()), None));
                }
                if !a.starts_with('-') {
                    return None;
                }
            }
            None
        }
        "su" => {
            let mut user = None;
            let mut script = None;
            let mut it = rest.iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "-c" | "--command" => script = it.next().cloned(),
                    "-s" | "--shell" | "-g" | "--group" => {
                        it.next();
                    }
                    "-" | "-l" | "--login" | "-m" | "-p" => {}
                    a if a.starts_with('-') => {}
                    a => user = Some(a.to_string()),
                }
            }
            script.map(|s| (Inner::Script(s), Some(user.unwrap_or_else(|| "root".into()))))
        }
        "sudo" | "runuser" | "doas" => {
            let mut user = None;
            let mut it = rest.iter().enumerate();
            while let Some((i, a)) = it.next() {
                match a.as_str() {
                    "-u" | "--user" => user = it.next().map(|(_, u)| u.clone()),
                    "--" => return Some((Inner::Words(rest[i + 1..].to_vec()), user)),
                    "-c" if prog == "runuser" => return it.next().map(|(_, s)| (Inner::Script(s.clone()), user)),
                    a if a.starts_with('-') => {}
                    _ if prog == "runuser" && user.is_none() => user = Some(a.clone()),
                    _ => return Some((Inner::Words(rest[i..].to_vec()), user)),
                }
            }
            None
        }
        "gosu" | "su-exec" | "chpst" => {
            let (user, cmd) = rest.split_first()?;
            (!cmd.is_empty()).then(|| (Inner::Words(cmd.to_vec()), Some(user.clone())))
        }
        "env" | "nice" | "nohup" | "time" | "exec" | "command" | "stdbuf" | "ionice" => {
            let cmd: Vec<String> = rest
                .iter()
                .skip_while(|a| a.starts_with('-') || crate::shell::is_assignment(a))
                .cloned()
                .collect();
            (!cmd.is_empty()).then_some((Inner::Words(cmd), None))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn package_installs_and_removals() {
        assert_eq!(
            classify(
                &w("apt-get install -y --no-install-recommends ca-certificates git=1:2.39"),
                "/"
            ),
            Op::Install {
                manager: Manager::Apt,
                packages: vec!["ca-certificates".into(), "git=1:2.39".into()],
                no_recommends: true,
                group: None
            }
        );
        assert_eq!(
            classify(&w("apk add --no-cache --virtual .build-deps gcc musl-dev"), "/"),
            Op::Install {
                manager: Manager::Apk,
                packages: vec!["gcc".into(), "musl-dev".into()],
                no_recommends: false,
                group: Some(".build-deps".into())
            }
        );
        assert_eq!(
            classify(&w("apk del .build-deps"), "/"),
            Op::Remove {
                manager: Manager::Apk,
                packages: vec![".build-deps".into()]
            }
        );
        assert_eq!(classify(&w("apt-get update"), "/"), Op::Other);
        assert!(matches!(
            classify(&w("dnf install -y git"), "/"),
            Op::Install {
                manager: Manager::Yum,
                ..
            }
        ));
        assert_eq!(classify(&w("add-apt-repository ppa:x/y"), "/"), Op::Sources);
    }

    #[test]
    fn users_and_homes() {
        let u = |s: &str| match classify(&w(s), "/") {
            Op::User(u) => u,
            other => panic!("{other:?}"),
        };
        assert_eq!(u("useradd -r app").home, None);
        assert_eq!(u("useradd --create-home app").home.as_deref(), Some("/home/app"));
        assert_eq!(
            u("useradd -m -d /srv/app -u 1001 app").home.as_deref(),
            Some("/srv/app")
        );
        assert_eq!(u("adduser -D -H app").home, None);
        assert_eq!(u("adduser -D app").home.as_deref(), Some("/home/app"));
        assert!(u("addgroup -S app").group_only);
        assert!(u("adduser --system --group app").group_only);
    }

    #[test]
    fn ownership_and_writes() {
        assert_eq!(
            classify(&w("chown -R app:app /app ./data"), "/srv"),
            Op::Chown {
                owner: "app:app".into(),
                paths: vec!["/app".into(), "/srv/data".into()]
            }
        );
        assert_eq!(
            classify(&w("mkdir -p /data logs"), "/app"),
            Op::Write(vec!["/data".into(), "/app/logs".into()])
        );
        assert_eq!(
            classify(&w("cp -r conf /etc/app/"), "/app"),
            Op::Write(vec!["/etc/app".into()])
        );
        assert_eq!(
            classify(&w("curl -fsSL -o /usr/local/bin/x https://e/x"), "/"),
            Op::Write(vec!["/usr/local/bin/x".into()])
        );
        assert_eq!(
            classify(&w("git clone https://e/repo.git"), "/src"),
            Op::Write(vec!["/src/repo".into()])
        );
        assert_eq!(classify(&w("go build ."), "/app"), Op::Other);
    }

    #[test]
    fn wrappers() {
        assert_eq!(unwrap(&w("sh -c x")), Some((Inner::Script("x".into()), None)));
        assert_eq!(unwrap(&w("bash -lc x")), Some((Inner::Script("x".into()), None)));
        let su = vec!["su".to_string(), "-".into(), "app".into(), "-c".into(), "npm ci".into()];
        assert_eq!(unwrap(&su), Some((Inner::Script("npm ci".into()), Some("app".into()))));
        assert_eq!(
            unwrap(&w("gosu app yarn install")),
            Some((Inner::Words(w("yarn install")), Some("app".into())))
        );
        assert_eq!(
            unwrap(&w("sudo -u app npm ci")),
            Some((Inner::Words(w("npm ci")), Some("app".into())))
        );
        assert_eq!(
            unwrap(&w("env A=1 go build")),
            Some((Inner::Words(w("go build")), None))
        );
        assert_eq!(unwrap(&w("go build")), None);
        assert_eq!(unwrap(&w("sh script.sh")), None);
    }
}
