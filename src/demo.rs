//! `cameo demo`: generates small raw trees for every corpus with an adapter (real layouts,
//! generated audio, the traps of the real downloads), builds them, verifies the build,
//! scores a pretend model's answers with the evaluation stage, and prints what was made.
//! Needs no network.
use crate::build::{run_build, BuildOptions, BuildOutcome};
use crate::fixtures;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{}: cannot write the demo raw tree: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Build(#[from] crate::build::BuildError),
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
    #[error(transparent)]
    Eval(#[from] crate::eval::EvalError),
}

/// Writes the demo raw trees under `raw/`: one per corpus fixture.
pub fn write_raw_trees(raw: &Path) -> Result<(), DemoError> {
    for fixture in fixtures::FIXTURES {
        let root = raw.join(fixture.id());
        fixture.write_demo(&root).map_err(|source| DemoError::Io { path: root.clone(), source })?;
    }
    Ok(())
}

#[derive(Debug)]
pub struct DemoOutcome {
    pub raw: PathBuf,
    pub build_dir: PathBuf,
    /// The build's options (raw = `raw`, out = `build_dir`) and what it did.
    pub options: BuildOptions,
    pub build: BuildOutcome,
    pub verified_samples: usize,
    pub predictions: PathBuf,
    pub report: crate::eval::report::Report,
}

/// The answers of a pretend audio model: right about two times in three, in the wordy styles
/// real models answer in, sometimes off the label list. Deterministic (keyed by file_id).
pub fn write_fake_predictions(build_dir: &Path, path: &Path) -> Result<(), DemoError> {
    let records = crate::verify::read_metadata(&build_dir.join("metadata.jsonl"))?;
    let mut lines = String::new();
    for record in &records {
        let pick = u32::from_str_radix(&record.file_id[..4], 16).expect("hex file_id") % 12;
        let wrong = crate::record::Emotion::ALL[(pick as usize) % 7];
        let response = match pick {
            0..=3 => record.emotion.to_string(),
            4..=5 => format!("The speaker sounds {}.", record.emotion),
            6 | 7 => format!("I would say {}", record.emotion),
            8 | 9 => format!("{wrong}"),
            10 => "It is hard to tell.".to_string(),
            _ => format!("Probably {wrong}, maybe {}.", record.emotion),
        };
        let line = serde_json::json!({"file_id": record.file_id, "response": response, "model": "demo-fake-model", "temperature": 0.0});
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    crate::fsutil::write_atomic(path, lines.as_bytes())
        .map_err(|source| DemoError::Io { path: path.to_path_buf(), source })
}

/// Generates, builds and verifies the demo in `out` (`out/raw`, `out/build`).
/// `quiet`: no progress on stderr.
pub fn run_demo(out: &Path, jobs: usize, quiet: bool) -> Result<DemoOutcome, DemoError> {
    let raw = out.join("raw");
    write_raw_trees(&raw)?;
    let build_dir = out.join("build");
    let options = BuildOptions {
        raw: raw.clone(),
        out: build_dir.clone(),
        corpora: Vec::new(),
        jobs,
        strict: false,
        manifests: None,
        quiet,
        shard: None,
        transcribe: None,
        third_party_genders: false,
    };
    let build = run_build(&options)?;
    let verified = crate::verify::verify(&build_dir)?;
    let predictions = out.join("fake-model.jsonl");
    write_fake_predictions(&build_dir, &predictions)?;
    let metadata = crate::eval::records::Metadata::read(&build_dir.join("metadata.jsonl"))?;
    let answers = crate::eval::records::Predictions::read(&predictions, &metadata)?;
    let (report, _) = crate::eval::score::score(&metadata, &answers, Default::default());
    Ok(DemoOutcome { raw, build_dir, options, build, verified_samples: verified.samples, predictions, report })
}
