//! `LICENSES/` of a build: the full text of every license its corpora use (from the SPDX
//! license list, see scripts/update-license-texts) and an ATTRIBUTION file crediting each corpus.
use crate::fsutil::StagedWrites;
use crate::manifest::Manifest;
use std::collections::BTreeSet;
use std::path::Path;

/// Writes `LICENSES/<SPDX>.txt` for every license used and `LICENSES/ATTRIBUTION.md`.
pub fn write_licenses(out: &Path, manifests: &[Manifest], staged: &mut StagedWrites) -> std::io::Result<()> {
    let folder = out.join("LICENSES");
    let ids: BTreeSet<&str> = manifests.iter().map(|m| m.license.spdx.as_str()).collect();
    for id in ids {
        let text = match crate::license_terms::license_text(id) {
            Some(text) => text.to_string(),
            None => {
                // No standard text exists (e.g. a LicenseRef for research-use terms): record
                // what the corpus says instead of inventing a text.
                let users: Vec<&Manifest> = manifests.iter().filter(|m| m.license.spdx == id).collect();
                let mut text = format!("{id}: no standard license text exists.\n\n");
                for manifest in users {
                    text.push_str(&format!(
                        "{}: {}\n{}\n\n",
                        manifest.name, manifest.license.name, manifest.license.verified
                    ));
                }
                text
            }
        };
        staged.write(&folder.join(format!("{id}.txt")), text.as_bytes())?;
    }
    let mut attribution = String::from("# Attribution\n\nThis collection is derived from the following corpora.\n\n");
    for manifest in manifests {
        attribution.push_str(&format!(
            "## {}\n\n- License: {} (SPDX `{}`){}\n- Credit: {}\n- Citation: {}\n\n",
            manifest.name,
            manifest.license.name,
            manifest.license.spdx,
            manifest.license.url.as_deref().map(|u| format!(", {u}")).unwrap_or_default(),
            manifest.license.attribution,
            manifest.license.citation
        ));
    }
    staged.write(&folder.join("ATTRIBUTION.md"), attribution.as_bytes())
}

/// The `LICENSES/` sink.
#[derive(Debug)]
pub struct Licenses;

impl super::Sink for Licenses {
    fn write(&self, collection: &super::Collection, staged: &mut StagedWrites) -> Result<(), super::SinkError> {
        write_licenses(collection.out, collection.manifests, staged)
            .map_err(super::SinkError::io(&collection.out.join("LICENSES")))
    }
}
