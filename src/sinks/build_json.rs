//! `build.json`: what a build is (tool, pipeline, the canonical audio format), its totals, every
//! split's report, this run's facts and the transcription stage's QA section. Typed, so its
//! text cannot drift from the code: the audio facts come from the audio module's constants.
use super::{Collection, Sink, SinkError};
use crate::collection::run::RunFacts;
use crate::collection::split::SplitReport;
use crate::fsutil::StagedWrites;
use serde::Serialize;
use std::collections::BTreeMap;

pub const FILE_NAME: &str = "build.json";

#[derive(Serialize)]
struct BuildJsonFile<'a> {
    tool: &'static str,
    version: &'static str,
    pipeline: &'static str,
    audio: crate::audio::CanonicalFormat,
    totals: Totals,
    splits: BTreeMap<&'a str, &'a SplitReport>,
    run: &'a RunFacts,
    #[serde(skip_serializing_if = "Option::is_none")]
    transcription: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Totals {
    samples: usize,
    duplicates: usize,
    rejects: usize,
    skipped: usize,
}

/// The `build.json` sink.
#[derive(Debug)]
pub struct BuildJson;

impl Sink for BuildJson {
    fn write(&self, collection: &Collection, staged: &mut StagedWrites) -> Result<(), SinkError> {
        let states = collection.states;
        let file = BuildJsonFile {
            tool: "cameo",
            version: env!("CARGO_PKG_VERSION"),
            pipeline: crate::collection::PIPELINE_VERSION,
            audio: crate::audio::canonical_format(),
            totals: Totals {
                samples: states.iter().map(|s| s.records.len()).sum(),
                duplicates: states.iter().map(|s| s.report.duplicates.len()).sum(),
                rejects: states.iter().map(|s| s.report.rejects.len()).sum(),
                skipped: states.iter().map(|s| s.report.skipped.len()).sum(),
            },
            splits: states.iter().map(|s| (s.report.split.as_str(), &s.report)).collect(),
            run: collection.run,
            transcription: crate::transcribe::report::build_json_section(states),
        };
        let path = collection.out.join(FILE_NAME);
        let text = serde_json::to_vec_pretty(&file).expect("build.json serialises");
        staged.write(&path, &text).map_err(SinkError::io(&path))
    }
}
