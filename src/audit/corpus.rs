//! The audit of one corpus: its license as the manifest states it, checked against what the
//! license's terms are known to allow, with how it was verified and which sources disagree.
use crate::license_terms::{self, Permissions};
use crate::manifest::Manifest;
use serde::Serialize;

/// How a manifest's license was verified: the status word its `verified` note starts with
/// (VERIFIED, DOC, UNVERIFIED, CONFLICTING, …) and the rest of the note.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub status: String,
    pub note: String,
}

impl Verification {
    pub fn parse(verified: &str) -> Verification {
        if let Some((head, rest)) = verified.split_once(':') {
            let first_word = head.split_whitespace().next().unwrap_or("");
            if !first_word.is_empty() && first_word.chars().all(|c| c.is_ascii_uppercase()) {
                return Verification { status: head.trim().to_string(), note: rest.trim().to_string() };
            }
        }
        Verification { status: "UNSTATED".into(), note: verified.trim().to_string() }
    }

    /// Whether the license was read from the corpus' own files (not from a secondary source).
    pub fn is_verified(&self) -> bool {
        self.status.starts_with("VERIFIED")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CorpusAudit {
    pub split: String,
    pub dataset: String,
    /// The human form, as the samples' `license` field writes it.
    pub license: String,
    pub spdx: String,
    pub url: Option<String>,
    pub permissions: Permissions,
    /// Whether cameo knows the license's terms (and so could check the manifest's flags).
    pub terms_known: bool,
    /// Where the manifest's flags say something the license does not.
    pub contradictions: Vec<String>,
    pub verification: Verification,
    /// Other sources that state a different license.
    pub conflicts: Vec<String>,
    /// Facts about the corpus that could not be verified.
    pub unverified: Vec<String>,
    /// Whether cameo ships the license's full text (from the SPDX list).
    pub text_shipped: bool,
    pub attribution: String,
    pub citation: String,
    /// Samples of this corpus in the audited build.
    pub samples: Option<usize>,
}

pub fn audit_corpus(manifest: &Manifest, samples: Option<usize>) -> CorpusAudit {
    let license = &manifest.license;
    let permissions = license.permissions();
    CorpusAudit {
        split: manifest.id.clone(),
        dataset: manifest.name.clone(),
        license: license.name.clone(),
        spdx: license.spdx.clone(),
        url: license.url.clone(),
        permissions,
        terms_known: license_terms::known(&license.spdx).is_some(),
        contradictions: license_terms::contradictions(&license.spdx, &permissions),
        verification: Verification::parse(&license.verified),
        conflicts: license.conflicts.clone(),
        unverified: manifest.unverified.clone(),
        text_shipped: crate::license_terms::license_text(&license.spdx).is_some(),
        attribution: license.attribution.clone(),
        citation: license.citation.clone(),
        samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_is_the_upper_case_head_of_the_note() {
        let parsed = Verification::parse("VERIFIED (raw): the LICENSE file says so: really");
        assert_eq!(parsed.status, "VERIFIED (raw)");
        assert_eq!(parsed.note, "the LICENSE file says so: really");
        assert!(parsed.is_verified());
        let parsed = Verification::parse("CONFLICTING (DOC): the card says CC BY 4.0");
        assert_eq!((parsed.status.as_str(), parsed.is_verified()), ("CONFLICTING (DOC)", false));
        let parsed = Verification::parse("read on the homepage: CC BY");
        assert_eq!(parsed.status, "UNSTATED");
        assert_eq!(parsed.note, "read on the homepage: CC BY");
    }
}
