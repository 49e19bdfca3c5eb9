//! Generate: shell completions and man pages, made from the command line's own clap
//! definition (`dockslim generate completions SHELL`, `dockslim generate man [DIR]`), so they
//! never drift from `--help`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

pub use clap_complete::Shell;

/// Writes the completion script of `shell` for `cmd` (named `bin`) to `out`.
pub fn completions(cmd: &mut clap::Command, shell: Shell, bin: &str, out: &mut dyn Write) {
    clap_complete::generate(shell, cmd, bin, out);
}

/// Writes the man page of `cmd` itself (not its subcommands) to `out`.
pub fn man_page(cmd: clap::Command, out: &mut dyn Write) -> io::Result<()> {
    clap_mangen::Man::new(cmd).render(out)
}

/// Writes one man page per command into `dir` (`dockslim.1`, `dockslim-split.1`, ...; hidden
/// commands left out) and returns their paths, the top command's first.
pub fn man_pages(cmd: clap::Command, dir: &Path) -> io::Result<Vec<PathBuf>> {
    fn walk(cmd: clap::Command, dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
        out.push(clap_mangen::Man::new(cmd.clone()).generate_to(dir)?);
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            walk(sub.clone(), dir, out)?;
        }
        Ok(())
    }
    std::fs::create_dir_all(dir)?;
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    walk(cmd, dir, &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, Command};

    fn cli() -> Command {
        Command::new("tool")
            .about("A tool.")
            .subcommand(Command::new("run").about("Runs.").arg(Arg::new("fast").long("fast")))
            .subcommand(Command::new("secret").hide(true))
    }

    #[test]
    fn completions_name_subcommands_and_flags() {
        let mut out = Vec::new();
        completions(&mut cli(), Shell::Bash, "tool", &mut out);
        let script = String::from_utf8(out).unwrap();
        assert!(script.contains("complete -F _tool"), "{script}");
        assert!(script.contains("--fast"));
    }

    #[test]
    fn man_pages_one_per_visible_command() {
        let dir = tempfile::tempdir().unwrap();
        let pages = man_pages(cli(), dir.path()).unwrap();
        let names: Vec<_> = pages
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["tool.1", "tool-run.1"]);
        let run = std::fs::read_to_string(&pages[1]).unwrap();
        assert!(run.contains("\n.TH tool-run 1 "), "{run}");
        assert!(run.contains("\\-\\-fast"), "{run}");
        let mut top = Vec::new();
        man_page(cli(), &mut top).unwrap();
        assert!(String::from_utf8(top).unwrap().contains("A tool."));
    }
}
