//! Needs: what the runtime stage must be able to run besides the program itself: the RUN and
//! SHELL instructions left after the split, CMD/ENTRYPOINT/HEALTHCHECK (a shell for shell form,
//! the programs they call), a shell script the container starts (its interpreter and the
//! programs it calls), and the programs the app's own code starts.

use crate::lang::{Exec, Input};
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
    // With an exec-form ENTRYPOINT, an exec-form CMD is only its arguments.
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
    let mut out = Vec::new();
    for (i, ins) in df.instructions.iter().enumerate().skip(model.from + 1) {
        let need = match replaced.iter().find(|(j, _)| *j == i) {
            Some((_, words)) => Some(replaced_need(input, i, ins, words)),
            None => instruction_need(input, i, ins, split, cmd_is_args),
        };
        out.extend(need);
    }
    out
}

/// `CMD at line 12`: concatenated, since every start instruction gets one and few are shown.
fn at_line(what: &str, line: usize) -> String {
    [what, " at line ", &line.to_string()].concat()
}

/// A CMD/ENTRYPOINT the language rewrote: its new program.
fn replaced_need(input: &Input<'_, '_>, i: usize, ins: &Instruction<'_>, words: &[String]) -> Need {
    let what = if matches!(ins, Instruction::Entrypoint(_)) {
        "ENTRYPOINT"
    } else {
        "CMD"
    };
    Need {
        what: at_line(what, input.df.line(i)),
        shell: false,
        programs: resolved(input, i, words.first().cloned().into_iter().collect()),
    }
}

/// What instruction `i` needs from the runtime image, if anything: a RUN or SHELL left after
/// the split, and CMD, ENTRYPOINT and HEALTHCHECK wherever they are.
fn instruction_need(
    input: &Input<'_, '_>,
    i: usize,
    ins: &Instruction<'_>,
    split: usize,
    cmd_is_args: bool,
) -> Option<Need> {
    let (df, model) = (input.df, input.model);
    let at = |what: &str| at_line(what, df.line(i));
    let (what, cmd) = match ins {
        Instruction::Cmd(c) if cmd_is_args && matches!(c.arguments, Command::Exec(_)) => return None,
        Instruction::Run(r) if i > split => ("RUN", &r.arguments),
        Instruction::Cmd(c) => ("CMD", &c.arguments),
        Instruction::Entrypoint(e) => ("ENTRYPOINT", &e.arguments),
        Instruction::Healthcheck(h) => match &h.arguments {
            HealthcheckArguments::Cmd { arguments, .. } => ("HEALTHCHECK", arguments),
            _ => return None,
        },
        Instruction::Shell(_) if i > split => {
            return Some(Need {
                what: at("SHELL"),
                shell: true,
                programs: vec![],
            });
        }
        _ => return None,
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
        Command::Shell(s) if what == "RUN" => {
            let progs = model
                .commands(i)
                .iter()
                .filter_map(|c| c.program_words().first().map(|w| w.text.clone()))
                .collect();
            (true, progs)
        }
        Command::Shell(s) => (shell::needs_shell(s.value, df.escape), programs_of(s.value, df.escape)),
        _ => (true, Vec::new()),
    };
    Some(Need {
        what: at(what),
        shell: shell_needed,
        programs: resolved(input, i, programs),
    })
}

/// Programs named by path, resolved against instruction `i`'s WORKDIR.
fn resolved(input: &Input<'_, '_>, i: usize, programs: Vec<String>) -> Vec<String> {
    let state = input.model.state(i);
    programs
        .into_iter()
        .map(|p| {
            if p.contains('/') && !p.contains('$') {
                state.resolve(&p)
            } else {
                p
            }
        })
        .collect()
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
pub fn script(name: &str, script_text: &str) -> Need {
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
    use crate::context::MemContext;
    use crate::lang::testing::with_input;

    #[test]
    fn what_the_runtime_stage_runs() {
        let text = "FROM golang:1.22\nWORKDIR /app\nRUN go build -o app .\nRUN mkdir -p /data && ./app --init\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\nENTRYPOINT [\"./app\"]\nCMD [\"--port\", \"80\"]\n";
        let needs = with_input(text, &MemContext::new(), |input| instructions(input, 2, &[]));
        let shown: Vec<(String, bool, Vec<String>)> =
            needs.into_iter().map(|n| (n.what, n.shell, n.programs)).collect();
        assert_eq!(
            shown,
            [
                ("RUN at line 4".into(), true, vec!["mkdir".into(), "/app/app".into()]),
                ("HEALTHCHECK at line 5".into(), true, vec!["curl".into(), "exit".into()]),
                ("ENTRYPOINT at line 6".into(), false, vec!["/app/app".into()]),
            ],
            "the exec-form CMD is the ENTRYPOINT's arguments"
        );
        // A CMD the language rewrote needs its new program.
        let text = "FROM rust:1.82\nWORKDIR /app\nCMD [\"cargo\", \"run\"]\n";
        let needs = with_input(text, &MemContext::new(), |input| {
            instructions(input, 1, &[(2, vec!["/app/target/debug/x".into()])])
        });
        assert_eq!(needs[0].programs, ["/app/target/debug/x"]);
    }

    #[test]
    fn script_programs() {
        assert_eq!(
            programs_of(
                "set -e\nif [ -n \"$X\" ]; then echo hi; fi\nmigrate up && exec \"$@\"\nexec node server.js",
                '\\'
            ),
            vec!["set", "[", "echo", "migrate", "node"]
        );
        let n = script(
            "start.sh",
            "#!/usr/bin/env bash\ncurl -f http://x || exit 1\n./server\n",
        );
        assert!(n.shell);
        assert_eq!(n.programs, vec!["bash", "curl", "exit", "./server"]);
        let n = script("x", "#!/usr/bin/python3\nprint(1)\n");
        assert_eq!(n.programs, vec!["/usr/bin/python3"]);
        assert!(!n.shell);
    }
}
