//! Shell completions and man pages, generated from the clap definitions in `cli` (clap_complete,
//! clap_mangen), so they always describe the commands as they are.

use clap::CommandFactory as _;
use clap_complete::Shell;

use crate::cli::Args;
use crate::error::Error;

/// The completion script of `shell` for `foundrygen`.
pub fn completions(shell: Shell) -> String {
    let mut command = Args::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "foundrygen", &mut script);
    String::from_utf8(script).expect("clap_complete writes UTF-8")
}

/// The man page foundrygen(1), or foundrygen-COMMAND(1) for the command `path` names
/// (`["templates", "export"]` for foundrygen-templates-export(1)), in roff.
pub fn man_page(path: &[String]) -> Result<String, Error> {
    let mut page = Args::command().disable_help_subcommand(true);
    // Building gives each subcommand its display name (`foundrygen-render`), which is its page's.
    page.build();
    for name in path {
        let names: Vec<&str> = page.get_subcommands().map(|c| c.get_name()).collect();
        let Some(sub) = page.find_subcommand(name) else {
            let help = match crate::diagnostics::did_you_mean(name, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if names.is_empty() => format!("`{}` has no subcommands", page.get_name()),
                None => format!("commands here: {}", names.join(", ")),
            };
            return Err(Error::Usage {
                message: format!("`{name}` is not a foundrygen command\n  = help: {help}"),
            });
        };
        page = sub.clone();
    }
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("foundrygen {}", env!("CARGO_PKG_VERSION")))
        .manual("foundrygen")
        .render(&mut roff)
        .map_err(|e| Error::internal("the man page could not be written", &e))?;
    Ok(String::from_utf8(roff).expect("clap_mangen writes UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_page() {
        fn walk(cmd: &clap::Command, path: &mut Vec<String>) {
            let page = man_page(path).unwrap();
            let name = std::iter::once("foundrygen".to_string())
                .chain(path.iter().cloned())
                .collect::<Vec<_>>()
                .join("-");
            let title = format!(".TH {name} 1 ");
            assert!(page.lines().any(|l| l.starts_with(&title)), "{page}");
            for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
                path.push(sub.get_name().to_string());
                walk(sub, path);
                path.pop();
            }
        }
        walk(&Args::command(), &mut Vec::new());
        let err = man_page(&["rendr".to_string()]).unwrap_err().to_string();
        assert!(err.contains("did you mean `render`?"), "{err}");
    }
}
