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

/// Writes the demo raw trees under `raw/`.
pub fn write_raw_trees(raw: &Path) -> Result<(), DemoError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DemoError::Io { path, source }
    };
    let cafe = raw.join("cafe");
    let names = fixtures::cafe::population(1..=2);
    fixtures::cafe::write_population(&cafe, &names, 0.6).map_err(io(&cafe))?;
    fixtures::cafe::write_traps(&cafe).map_err(io(&cafe))?;
    let crema_d = raw.join("crema_d");
    let names = fixtures::crema_d::population(1001..=1002);
    fixtures::crema_d::write_population(&crema_d, &names, 0.6).map_err(io(&crema_d))?;
    fixtures::crema_d::write_traps(&crema_d).map_err(io(&crema_d))?;
    let emozionalmente = raw.join("emozionalmente");
    let rows = fixtures::emozionalmente::population(24);
    let version = fixtures::emozionalmente::Version::V1_0;
    fixtures::emozionalmente::write_population(&emozionalmente, version, &rows, 0.6).map_err(io(&emozionalmente))?;
    fixtures::emozionalmente::write_traps(&emozionalmente).map_err(io(&emozionalmente))?;
    let jl_corpus = raw.join("jl_corpus");
    let stems = fixtures::jl_corpus::population(&["female1", "male2"], 1..=1);
    fixtures::jl_corpus::write_population(&jl_corpus, &stems, Some(0.6)).map_err(io(&jl_corpus))?;
    fixtures::jl_corpus::write_traps(&jl_corpus).map_err(io(&jl_corpus))?;
    let enterface = raw.join("enterface");
    // Subject 2 (swapped names), 6 (uncut sessions, skipped), 11 and 12 (one set counted).
    let names = fixtures::enterface::population([2, 6, 11, 12]);
    fixtures::enterface::write_population(&enterface, &names, 0.6).map_err(io(&enterface))?;
    fixtures::enterface::write_traps(&enterface).map_err(io(&enterface))?;
    let emns = raw.join("emns");
    let rows = fixtures::emns::population(8);
    fixtures::emns::write_population(&emns, fixtures::emns::Layout::Extracted, &rows, 0.6).map_err(io(&emns))?;
    fixtures::emns::write_traps(&emns, fixtures::emns::Layout::Extracted, &rows).map_err(io(&emns))?;
    let mesd = raw.join("mesd");
    let names = fixtures::mesd::population(2);
    fixtures::mesd::write_population(&mesd, &names, 0.6).map_err(io(&mesd))?;
    fixtures::mesd::write_traps(&mesd).map_err(io(&mesd))?;
    let nemo = raw.join("nemo");
    let rows = fixtures::nemo::population(6);
    fixtures::nemo::write_population(&nemo, &rows, 0.6).map_err(io(&nemo))?;
    fixtures::nemo::write_traps(&nemo).map_err(io(&nemo))?;
    let oreau = raw.join("oreau");
    let names = &fixtures::oreau::population()[..14];
    fixtures::oreau::write_population(&oreau, fixtures::oreau::DOUBLED_VERSION_ONE, names, 0.6).map_err(io(&oreau))?;
    fixtures::oreau::write_traps(&oreau).map_err(io(&oreau))?;
    let pavoque = raw.join("pavoque");
    let mut recordings = fixtures::pavoque::population(4, 50..=90);
    let mut traps = fixtures::pavoque::add_traps(&mut recordings);
    fixtures::pavoque::write_population(&pavoque, &recordings, true).map_err(io(&pavoque))?;
    fixtures::pavoque::write_junk(&pavoque, &mut traps).map_err(io(&pavoque))?;
    let ravdess = raw.join("ravdess");
    let names = fixtures::ravdess::population(1..=2);
    fixtures::ravdess::write_population(&ravdess, &names, 0.6).map_err(io(&ravdess))?;
    fixtures::ravdess::write_traps(&ravdess).map_err(io(&ravdess))?;
    let subesco = raw.join("subesco");
    // The stray-bracket file, and one speaker's 44.1 and 48 kHz files.
    let files: Vec<_> = fixtures::subesco::population()
        .into_iter()
        .filter(|file| {
            ["F_02_MONIKA_S_2_SURPRISE_", "M_09_SHUMANTA_S_1_FEAR_", "M_09_SHUMANTA_S_1_SAD_"]
                .iter()
                .any(|prefix| file.name.starts_with(prefix))
        })
        .collect();
    fixtures::subesco::write_population(&subesco, fixtures::subesco::WRAPPER, &files, 0.6).map_err(io(&subesco))?;
    fixtures::subesco::write_traps(&subesco).map_err(io(&subesco))?;
    // RESD: both parquet tables with dialogues 10-12 (spaced names, dialogue 11's reversed
    // folder, 16 and 44.1 kHz rows) and the trap rows.
    let resd = raw.join("resd");
    let rows = fixtures::resd::population(10..=12);
    fixtures::resd::write_traps(&resd, &rows, 0.6).map_err(io(&resd))?;
    Ok(())
}

pub struct DemoOutcome {
    pub raw: PathBuf,
    pub build_dir: PathBuf,
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
    Ok(DemoOutcome { raw, build_dir, build, verified_samples: verified.samples, predictions, report })
}
