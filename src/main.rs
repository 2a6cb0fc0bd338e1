//! The `cameo` command line: parse arguments, call the library, print one-line errors.
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cameo",
    version,
    about = "Rebuild and evaluate the CAMEO emotional speech benchmark"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate audio language models on a build (parse, score, run, leaderboard).
    Eval(cameo::eval::EvalArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Eval(args) => cameo::eval::run(args),
    };
    if let Err(error) = result {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}
