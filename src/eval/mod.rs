//! Evaluation stage (eval.md): turns free-text model answers into labels and scores them,
//! runs models over a build, and ranks the results.
//!
//! One job per module: `parse` (post-processing), `metrics` (scikit-learn-compatible
//! figures), `records` (reading metadata and predictions), `score` (joins and breakdowns),
//! `report` (the report's JSON and tables), `table` (text/Markdown rendering), `template`
//! (the instruction), `audio` (FLAC to WAV), `client` (one request, its retries and its
//! outcome), `resume` (earlier results and the run header), `runner` (the run over a build
//! and its endpoints), `leaderboard` and
//! `plot` (Tables 4-6 and PNGs), `published` (the paper's figures), `error`. The command line
//! (`cameo eval …`) is the binary's (src/cli/eval.rs).

pub mod audio;
pub mod client;
pub mod error;
pub mod leaderboard;
pub mod metrics;
pub mod parse;
pub mod plot;
pub mod published;
pub mod records;
pub mod report;
pub mod resume;
pub mod runner;
pub mod score;
pub mod table;
pub mod template;

pub use error::EvalError;
