//! The unified record of one sample and the CAMEO label vocabulary.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The 17 CAMEO emotion labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Emotion {
    Anger,
    Disgust,
    Fear,
    Happiness,
    Neutral,
    Sadness,
    Surprise,
    Calm,
    Excitement,
    Sarcasm,
    Anxiety,
    Apology,
    Assertiveness,
    Concern,
    Encouragement,
    Enthusiasm,
    Poker,
}

/// The seven primary emotional states (over 93% of the collection's samples, the paper's Table 6).
pub const PRIMARY_LABELS: [&str; 7] = ["anger", "disgust", "fear", "happiness", "neutral", "sadness", "surprise"];

impl Emotion {
    pub const ALL: [Emotion; 17] = [
        Emotion::Anger,
        Emotion::Disgust,
        Emotion::Fear,
        Emotion::Happiness,
        Emotion::Neutral,
        Emotion::Sadness,
        Emotion::Surprise,
        Emotion::Calm,
        Emotion::Excitement,
        Emotion::Sarcasm,
        Emotion::Anxiety,
        Emotion::Apology,
        Emotion::Assertiveness,
        Emotion::Concern,
        Emotion::Encouragement,
        Emotion::Enthusiasm,
        Emotion::Poker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Emotion::Anger => "anger",
            Emotion::Disgust => "disgust",
            Emotion::Fear => "fear",
            Emotion::Happiness => "happiness",
            Emotion::Neutral => "neutral",
            Emotion::Sadness => "sadness",
            Emotion::Surprise => "surprise",
            Emotion::Calm => "calm",
            Emotion::Excitement => "excitement",
            Emotion::Sarcasm => "sarcasm",
            Emotion::Anxiety => "anxiety",
            Emotion::Apology => "apology",
            Emotion::Assertiveness => "assertiveness",
            Emotion::Concern => "concern",
            Emotion::Encouragement => "encouragement",
            Emotion::Enthusiasm => "enthusiasm",
            Emotion::Poker => "poker",
        }
    }
}

impl fmt::Display for Emotion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Emotion {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Emotion::ALL.into_iter().find(|e| e.as_str() == text).ok_or_else(|| {
            let names: Vec<&str> = Emotion::ALL.iter().map(|e| e.as_str()).collect();
            format!("unknown CAMEO label '{text}' (one of: {})", names.join(", "))
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Female,
    Male,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
        }
    }
}

/// Where a record's transcription came from (the `transcription_source` column; null exactly
/// when the transcription is null). See the README section "Transcriptions".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TranscriptionSource {
    /// The text as the corpus gives it (its own transcript, or the sentence its code, file name
    /// or sidecar names), not checked against the audio.
    Corpus,
    /// One of the corpus' own sentences, confirmed by speech recognition: the labelled sentence
    /// when the recognised text agrees with it, or the sentence actually heard when the label is
    /// clearly wrong.
    Aligned,
    /// The text a speech recogniser produced (corpora that publish no transcription).
    Asr,
}

impl TranscriptionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TranscriptionSource::Corpus => "corpus",
            TranscriptionSource::Aligned => "aligned",
            TranscriptionSource::Asr => "asr",
        }
    }
}

/// One sample of a build: a line of metadata.jsonl and a row of the parquet shards, with the
/// columns in the order of the reference release.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub file_id: String,
    /// `audio/<split>/<file_id>`, relative to the build folder.
    pub audio: String,
    pub emotion: Emotion,
    pub transcription: Option<String>,
    pub speaker_id: Option<String>,
    pub gender: Option<Gender>,
    pub age: Option<String>,
    pub dataset: String,
    pub language: String,
    pub license: String,
    /// Seconds.
    pub duration: f64,
    /// The original file relative to `raw/<split>/`, plus `#start-end` or `#row` for parts.
    pub source: String,
    /// Where `transcription` came from (added column, after the reference ones); absent in
    /// builds made before the column existed, read as null.
    #[serde(default)]
    pub transcription_source: Option<TranscriptionSource>,
}

impl Record {
    /// The split (corpus id) this record belongs to, from its audio path.
    pub fn split(&self) -> &str {
        self.audio.split('/').nth(1).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_through_text_and_json() {
        for emotion in Emotion::ALL {
            assert_eq!(emotion.as_str().parse::<Emotion>().unwrap(), emotion);
            assert_eq!(serde_json::to_string(&emotion).unwrap(), format!("\"{emotion}\""));
        }
        assert!("happy".parse::<Emotion>().unwrap_err().contains("unknown CAMEO label 'happy'"));
    }
}
