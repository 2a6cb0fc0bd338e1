//! The `cameo` command line: parse the arguments, run the subcommand (src/cli), and end with
//! the documented exit code; an error is one line on stderr.
mod cli;

use clap::error::ErrorKind;
use clap::Parser;

/// `--help` and `--version` print as clap prints them; any other parse error is one line and
/// exit code 2, like every usage error.
fn exit_on_parse_error(error: clap::Error) -> ! {
    if matches!(error.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        let _ = error.print();
        std::process::exit(cli::exit::OK);
    }
    if error.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        let _ = error.print();
        std::process::exit(cli::exit::USAGE);
    }
    let text = error.render().to_string();
    let first = text.lines().find(|line| !line.trim().is_empty()).unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let hint = match error.get(clap::error::ContextKind::SuggestedArg) {
        Some(clap::error::ContextValue::String(suggested)) => format!(" (did you mean '{suggested}'?)"),
        _ => String::new(),
    };
    // The help to point at: that of the subcommand given, if one was.
    let command = <cli::args::Cli as clap::CommandFactory>::command();
    let subcommand = std::env::args()
        .skip(1)
        .find(|word| command.get_subcommands().any(|sub| sub.get_name() == word))
        .map(|word| format!(" {word}"))
        .unwrap_or_default();
    eprintln!("error: {first}{hint}; see `cameo{subcommand} --help`");
    std::process::exit(cli::exit::USAGE);
}

fn main() {
    cameo::allocator::keep_freed_memory_for_reuse();
    // A reader that closes early (`cameo stats DIR | head -1`) must not make a stray print!
    // panic with a backtrace: such a write ends the process quietly with status 0, as the
    // results it was asked for have been taken. Any other panic reports as usual.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(cli::exit::OK);
        }
        default_hook(info);
    }));
    let args = match cli::args::Cli::try_parse() {
        Ok(args) => args,
        Err(error) => exit_on_parse_error(error),
    };
    if let Err(error) = cli::run(args) {
        let code = cli::exit::code(&error);
        let line = cli::exit::one_line(&error);
        // A status without a message (compare's "they differ") has said everything already.
        if code != cli::exit::OK && !line.is_empty() {
            eprintln!("error: {line}");
        }
        std::process::exit(code);
    }
}
