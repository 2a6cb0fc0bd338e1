//! Evaluation stage: turns free-text model answers into labels and scores them (see eval.md).

/// Arguments of `cameo eval` (placeholder until the evaluation stage lands).
#[derive(Debug, clap::Args)]
pub struct EvalArgs {}

/// Runs `cameo eval`.
pub fn run(_args: EvalArgs) -> anyhow::Result<()> {
    anyhow::bail!("cameo eval is not implemented yet")
}
