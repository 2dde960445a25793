//! The `mixture` command. See `mixture --help`.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("mixture: internal error (please report): {info}");
    }));
    // Ctrl-C, SIGTERM or SIGHUP: remove the temporary files of outputs in progress (finished
    // outputs are kept), then exit as a process killed by SIGINT would (128 + 2).
    let _ = ctrlc::set_handler(|| {
        mixture_output::remove_temporaries();
        eprintln!("mixture: interrupted; outputs not finished were not written");
        std::process::exit(130);
    });
    let cli = mixture_cli::Cli::parse();
    match mixture_cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.code == 0 => ExitCode::SUCCESS, // standard output closed by its reader
        Err(e) => {
            eprintln!("mixture: {e}");
            ExitCode::from(e.code)
        }
    }
}
