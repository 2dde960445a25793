//! The `mixture` command. See `mixture --help`.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A bug must still end in one line, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("mixture: internal error (please report): {info}");
    }));
    let cli = mixture_cli::Cli::parse();
    match mixture_cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mixture: {e}");
            ExitCode::from(e.code)
        }
    }
}
