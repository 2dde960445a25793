//! The `mixture` command. See `mixture --help`.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("mixture: internal error (please report): {info}");
    }));
    // Ctrl-C, SIGTERM or SIGHUP: see `interrupted`.
    let _ = ctrlc::set_handler(interrupted);
    // SIGQUIT (Ctrl-\) likewise, rather than dumping core beside a temporary file.
    #[cfg(unix)]
    if let Ok(mut quit) = signal_hook::iterator::Signals::new([signal_hook::consts::SIGQUIT]) {
        std::thread::spawn(move || {
            if quit.forever().next().is_some() {
                interrupted();
            }
        });
    }
    let cli = match mixture_cli::Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version go out as clap writes them.
        Err(e) if !e.use_stderr() => e.exit(),
        // A usage error is one line too, like every other error.
        Err(e) => {
            // Its first paragraph (the usage and the hint follow a blank line).
            let text = e.render().to_string();
            let first = text.split("\n\n").next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("mixture: {}; see --help", one_line(first));
            return ExitCode::from(mixture_cli::error::EXIT_INPUT);
        }
    };
    match mixture_cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.code == 0 => ExitCode::SUCCESS, // standard output closed by its reader
        Err(e) => {
            eprintln!("mixture: {}", one_line(&e.message));
            ExitCode::from(e.code)
        }
    }
}

/// Removes the temporary files of outputs in progress (finished outputs are kept), then exits
/// as a process killed by SIGINT would (128 + 2).
fn interrupted() {
    mixture_output::remove_temporaries();
    eprintln!("mixture: interrupted; outputs not finished were not written");
    std::process::exit(130);
}

/// The message on one line of at most 400 characters, whatever a library put in it.
fn one_line(message: &str) -> String {
    let flat = message.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(400) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}
