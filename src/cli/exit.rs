//! Exit codes and the one error line. The codes (README, "Exit codes"):
//! 0 success; 1 an error naming the file (missing, unreadable or damaged input, a failed check);
//! 2 a usage error (the command line is wrong: an unknown flag, value or corpus id, a path of
//! the wrong kind); 3 a partial build (some corpora failed, the others were built and written);
//! 130 / 143 stopped by SIGINT / SIGTERM (what is kept is said, a rerun resumes).
use super::output::Closed;

pub const OK: i32 = 0;
pub const ERROR: i32 = 1;
pub const USAGE: i32 = 2;
pub const PARTIAL: i32 = 3;

/// A command that ended with a status other than 0 after printing its results (a partial
/// build, a failed check), with the line to print.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Status {
    pub code: i32,
    pub message: String,
}

/// The exit status for an error.
pub fn code(error: &anyhow::Error) -> i32 {
    if let Some(status) = error.downcast_ref::<Status>() {
        return status.code;
    }
    if error.downcast_ref::<Closed>().is_some() {
        return OK;
    }
    if let Some(interrupted) = interrupted(error) {
        return 128 + interrupted.number;
    }
    if is_usage(error) {
        USAGE
    } else {
        ERROR
    }
}

/// The signal that stopped the work, if that is what the error is (the library's errors hold
/// it transparently, so it is not in the cause chain).
fn interrupted(error: &anyhow::Error) -> Option<&cameo::interrupt::Interrupted> {
    use cameo::build::BuildError;
    fn from_build(build: &BuildError) -> Option<&cameo::interrupt::Interrupted> {
        match build {
            BuildError::Interrupted(interrupted) => Some(interrupted),
            _ => None,
        }
    }
    error
        .downcast_ref::<cameo::interrupt::Interrupted>()
        .or_else(|| error.downcast_ref::<BuildError>().and_then(from_build))
        .or_else(|| match error.downcast_ref::<cameo::demo::DemoError>() {
            Some(cameo::demo::DemoError::Build(build)) => from_build(build),
            _ => None,
        })
        .or_else(|| match error.downcast_ref::<cameo::eval::EvalError>() {
            Some(cameo::eval::EvalError::Interrupted(interrupted)) => Some(interrupted),
            _ => None,
        })
        .or_else(|| match error.downcast_ref::<cameo::fetch::FetchError>() {
            Some(cameo::fetch::FetchError::Interrupted(interrupted)) => Some(interrupted),
            _ => None,
        })
}

/// Whether the error says the command line is wrong.
fn is_usage(error: &anyhow::Error) -> bool {
    use cameo::build::BuildError;
    // A locked --out and a thread count the machine cannot start are fixed on the command line.
    let build_usage = |build: &BuildError| {
        matches!(build, BuildError::Usage(_) | BuildError::Locked { .. } | BuildError::ThreadPool { .. })
    };
    error.downcast_ref::<BuildError>().is_some_and(build_usage)
        || matches!(error.downcast_ref::<cameo::demo::DemoError>(), Some(cameo::demo::DemoError::Build(b)) if build_usage(b))
        || matches!(
            error.downcast_ref::<cameo::scan::ScanCommandError>(),
            Some(cameo::scan::ScanCommandError::Usage(_))
        )
        || matches!(error.downcast_ref::<cameo::fetch::FetchError>(), Some(cameo::fetch::FetchError::Usage(_)))
        || matches!(
            error.downcast_ref::<cameo::new_corpus::NewCorpusError>(),
            Some(cameo::new_corpus::NewCorpusError::Usage(_))
        )
        // compare's contract: any error is a usage error (exit 1 means the builds differ).
        || error.downcast_ref::<cameo::compare::CompareError>().is_some()
}

/// The error as one line: each cause once (a cause already in the text is not repeated), no
/// line breaks.
pub fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || line.contains(text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(text);
    }
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_said_is_not_repeated() {
        let io = std::io::Error::from_raw_os_error(17);
        let error = anyhow::Error::new(cameo::build::BuildError::Io { path: "out/x".into(), source: io });
        let line = one_line(&error);
        assert_eq!(line.matches("os error 17").count(), 1, "{line}");
        assert!(line.starts_with("out/x: "), "{line}");
        let nested = anyhow::anyhow!("first\nsecond").context("outer");
        assert_eq!(one_line(&nested), "outer: first second");
    }
}
