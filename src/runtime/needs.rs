//! Needs: what the runtime stage must be able to run besides the program itself: the RUN and
//! SHELL instructions left after the split, CMD/ENTRYPOINT/HEALTHCHECK (a shell for shell form,
//! the programs they call), a shell script the container starts (its interpreter and the
//! programs it calls), and the programs the app's own code starts.

use crate::lang::{Exec, Input, RunCommand};
use crate::parse::{Command, HealthcheckArguments, Instruction};
use crate::shell;

/// Something the runtime stage must run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// Where it comes from (`RUN at line 9`, `the program (main.go)`).
    pub what: String,
    /// Whether it needs `/bin/sh`.
    pub shell: bool,
    /// Programs it calls.
    pub programs: Vec<String>,
}

/// Every need of the instructions after `split` and of the commands that move into the
/// runtime stage.
pub fn instructions(input: &Input<'_, '_>, split: usize, replaced: &[(usize, Vec<String>)]) -> Vec<Need> {
    let (df, model) = (input.df, input.model);
    let mut out = Vec::new();
    let cmd_is_args = df
        .instructions
        .iter()
        .skip(model.from + 1)
        .filter_map(|i| match i {
            Instruction::Entrypoint(e) => Some(matches!(e.arguments, Command::Exec(_))),
            _ => None,
        })
        .next_back()
        .unwrap_or(false);
    for (i, ins) in df.instructions.iter().enumerate().skip(model.from + 1) {
        let at = |what: &str| format!("{what} at line {}", df.line(i));
        if let Some((_, words)) = replaced.iter().find(|(j, _)| *j == i) {
            let what = if matches!(ins, Instruction::Entrypoint(_)) {
                "ENTRYPOINT"
            } else {
                "CMD"
            };
            let state = model.state(i);
            out.push(Need {
                what: at(what),
                shell: false,
                programs: words
                    .first()
                    .map(|p| if p.contains('/') { state.resolve(p) } else { p.clone() })
                    .into_iter()
                    .collect(),
            });
            continue;
        }
        let (what, cmd) = match ins {
            Instruction::Cmd(c) if cmd_is_args && matches!(c.arguments, Command::Exec(_)) => continue,
            Instruction::Run(r) if i > split => ("RUN", &r.arguments),
            Instruction::Cmd(c) => ("CMD", &c.arguments),
            Instruction::Entrypoint(e) => ("ENTRYPOINT", &e.arguments),
            Instruction::Healthcheck(h) => match &h.arguments {
                HealthcheckArguments::Cmd { arguments, .. } => ("HEALTHCHECK", arguments),
                _ => continue,
            },
            Instruction::Shell(_) if i > split => {
                out.push(Need {
                    what: at("SHELL"),
                    shell: true,
                    programs: vec![],
                });
                continue;
            }
            _ => continue,
        };
        let (shell_needed, programs) = match cmd {
            Command::Exec(e) => {
                let words: Vec<&str> = e.value.iter().map(|w| &*w.value).collect();
                match words.as_slice() {
                    [sh, "-c", script] if is_shell(sh) => (true, programs_of(script, df.escape)),
                    [first, ..] => (false, vec![first.to_string()]),
                    [] => (false, vec![]),
                }
            }
            Command::Shell(s) => {
                let progs = if what == "RUN" {
                    model
                        .commands(i)
                        .iter()
                        .filter_map(|c| c.program_words().first().map(|w| w.text.clone()))
                        .collect()
                } else {
                    programs_of(s.value, df.escape)
                };
                (what == "RUN" || shell::needs_shell(s.value, df.escape), progs)
            }
            _ => (true, Vec::new()),
        };
        let state = model.state(i);
        let programs = programs
            .into_iter()
            .map(|p| {
                if p.contains('/') && !p.contains('$') {
                    state.resolve(&p)
                } else {
                    p
                }
            })
            .collect();
        out.push(Need {
            what: at(what),
            shell: shell_needed,
            programs,
        });
    }
    out
}

fn is_shell(p: &str) -> bool {
    matches!(p.rsplit('/').next(), Some("sh" | "bash" | "ash" | "dash"))
}

/// The programs a shell script calls (first words of its simple commands; words that expand
/// are skipped: their value is unknown).
pub fn programs_of(script: &str, escape: char) -> Vec<String> {
    let mut out = Vec::new();
    for c in shell::commands(script, escape) {
        let mut words = shell::split_assignments(&c).1;
        // Shell keywords: the program is the word after `then`, `do`, `!`...; `for`, `case`
        // and the closing words run nothing themselves.
        while let Some(k) = words.first().map(|w| w.text.as_str()) {
            match k {
                "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "!" | "{" | "time" => words = &words[1..],
                _ => break,
            }
        }
        let Some(w) = words.first() else { continue };
        if matches!(
            w.text.as_str(),
            "fi" | "done" | "esac" | "}" | "for" | "case" | "in" | ";;" | "function"
        ) {
            continue;
        }
        if w.expands || w.text.is_empty() {
            continue;
        }
        // `exec "$@"` and `exec node x`: the program is what exec runs.
        let w = if w.text == "exec" {
            match words.get(1) {
                Some(n) if !n.expands && !n.text.starts_with('-') => n,
                _ => continue,
            }
        } else {
            w
        };
        if !out.contains(&w.text) {
            out.push(w.text.clone());
        }
    }
    out
}

/// The needs of a shell script the container starts (`ENTRYPOINT ["./start.sh"]`): its
/// interpreter and the programs it calls. `script_text` is the script's text.
pub fn script(run: &RunCommand, name: &str, script_text: &str) -> Need {
    let interpreter = script_text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#!"))
        .map(|l| {
            let mut words = l.split_whitespace();
            let first = words.next().unwrap_or("/bin/sh");
            // `#!/usr/bin/env bash`
            if first.ends_with("/env") {
                words.next().unwrap_or("sh").to_string()
            } else {
                first.to_string()
            }
        })
        .unwrap_or_else(|| "/bin/sh".to_string());
    let mut programs = vec![interpreter.clone()];
    let shellish = matches!(
        interpreter.rsplit('/').next(),
        Some("sh" | "bash" | "ash" | "dash" | "zsh")
    );
    if shellish {
        programs.extend(programs_of(script_text, '\\'));
    }
    let _ = run;
    Need {
        what: format!("the start script {name}"),
        shell: shellish,
        programs,
    }
}

/// The needs of the programs the app's code starts.
pub fn execs(execs: &[Exec]) -> Vec<Need> {
    execs
        .iter()
        .map(|e| Need {
            what: format!("the program ({} starts `{}`)", e.at, e.program),
            shell: false,
            programs: vec![e.program.clone()],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_programs() {
        assert_eq!(
            programs_of(
                "set -e\nif [ -n \"$X\" ]; then echo hi; fi\nmigrate up && exec \"$@\"\nexec node server.js",
                '\\'
            ),
            vec!["set", "[", "echo", "migrate", "node"]
        );
        let run = RunCommand {
            index: 0,
            words: vec!["./start.sh".into()],
            shell: false,
            cmd: None,
            script: None,
        };
        let n = script(
            &run,
            "start.sh",
            "#!/usr/bin/env bash\ncurl -f http://x || exit 1\n./server\n",
        );
        assert!(n.shell);
        assert_eq!(n.programs, vec!["bash", "curl", "exit", "./server"]);
        let n = script(&run, "x", "#!/usr/bin/python3\nprint(1)\n");
        assert_eq!(n.programs, vec!["/usr/bin/python3"]);
        assert!(!n.shell);
    }
}
