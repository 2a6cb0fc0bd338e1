//! Which uses the license terms allow for each split and for the collection as a whole: a use
//! is allowed for the whole only when every split allows it; any share-alike or attribution
//! condition of a split applies to the whole. Redistribution is claimed only under licenses
//! whose terms cameo knows (every one of them allows it); for other terms (a `LicenseRef-…`)
//! only what the manifest states is repeated.
use crate::license_terms::Permissions;
use crate::manifest::Manifest;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct SplitUses {
    pub split: String,
    pub license: String,
    pub samples: Option<usize>,
    pub permissions: Permissions,
    /// Whether cameo knows the license's terms (else the manifest's flags are all there is).
    pub terms_known: bool,
    /// What the terms allow, in words.
    pub allowed: Vec<String>,
    /// What a user must do in return.
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CollectionUses {
    /// Commercial use and derivatives when every split allows them; share-alike and
    /// attribution when any split requires them.
    pub whole: Permissions,
    pub allowed: Vec<String>,
    pub summary: String,
    pub per_split: Vec<SplitUses>,
    /// Splits whose license allows commercial use, and their samples (when counted).
    pub commercial_splits: Vec<String>,
    pub commercial_samples: Option<usize>,
    pub notes: Vec<String>,
}

fn allowed(permissions: &Permissions, terms_known: bool) -> Vec<String> {
    let mut uses = vec![if terms_known {
        "non-commercial use and redistribution".to_string()
    } else {
        "non-commercial use (redistribution not established: terms unknown)".to_string()
    }];
    if permissions.commercial_use {
        uses.push("commercial use".into());
    }
    if permissions.derivatives {
        uses.push("modified versions".into());
    }
    uses
}

fn conditions(permissions: &Permissions, license: &str) -> Vec<String> {
    let mut conditions = Vec::new();
    if permissions.attribution {
        conditions.push("credit the corpus (LICENSES/ATTRIBUTION.md)".to_string());
    }
    if permissions.share_alike && permissions.derivatives {
        conditions.push(format!("share modified versions under {license}"));
    }
    if !permissions.derivatives {
        conditions.push("no modified versions".into());
    }
    if !permissions.commercial_use {
        conditions.push("no commercial use".into());
    }
    conditions
}

/// "… allowed only for the splits …" for a use some splits do not allow.
fn only_for(use_name: &str, splits: &[&SplitUses], total_samples: Option<usize>) -> String {
    if splits.is_empty() {
        return format!("No split allows {use_name}.");
    }
    let names: Vec<&str> = splits.iter().map(|s| s.split.as_str()).collect();
    let share = match total_samples {
        Some(all) => format!(" ({} of {all} samples)", splits.iter().filter_map(|s| s.samples).sum::<usize>()),
        None => String::new(),
    };
    let mut text = format!("{use_name} is allowed only for the splits {}{share}.", names.join(", "));
    // Sentence case for the note.
    text.replace_range(..1, &text[..1].to_uppercase());
    text
}

/// The uses of the collection made of these corpora; `samples` counts a build's samples per
/// split (absent when auditing manifests alone).
pub fn collection_uses(manifests: &[&Manifest], samples: Option<&BTreeMap<String, usize>>) -> CollectionUses {
    let per_split: Vec<SplitUses> = manifests
        .iter()
        .map(|manifest| {
            let permissions = manifest.license.permissions();
            let terms_known = crate::license_terms::known(&manifest.license.spdx).is_some();
            SplitUses {
                split: manifest.id.clone(),
                license: manifest.license.name.clone(),
                samples: samples.map(|counts| counts.get(&manifest.id).copied().unwrap_or(0)),
                permissions,
                terms_known,
                allowed: allowed(&permissions, terms_known),
                conditions: conditions(&permissions, &manifest.license.name),
            }
        })
        .collect();
    let whole = Permissions {
        commercial_use: per_split.iter().all(|s| s.permissions.commercial_use),
        derivatives: per_split.iter().all(|s| s.permissions.derivatives),
        share_alike: per_split.iter().any(|s| s.permissions.share_alike),
        attribution: per_split.iter().any(|s| s.permissions.attribution),
    };
    let commercial: Vec<&SplitUses> = per_split.iter().filter(|s| s.permissions.commercial_use).collect();
    let commercial_samples = samples.map(|_| commercial.iter().filter_map(|s| s.samples).sum::<usize>());
    let total_samples = samples.map(|counts| counts.values().sum::<usize>());

    let mut notes = Vec::new();
    if !whole.commercial_use {
        notes.push(only_for("commercial use", &commercial, total_samples));
    }
    if !whole.derivatives {
        let modifiable: Vec<&SplitUses> = per_split.iter().filter(|s| s.permissions.derivatives).collect();
        notes.push(only_for("modifying", &modifiable, total_samples));
    }
    let mut share_alike: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for split in per_split.iter().filter(|s| s.permissions.share_alike) {
        share_alike.entry(split.license.as_str()).or_default().push(split.split.as_str());
    }
    if share_alike.len() > 1 {
        let parts: Vec<String> =
            share_alike.iter().map(|(license, splits)| format!("{license} ({})", splits.join(", "))).collect();
        notes.push(format!(
            "Several share-alike licenses: {}. One work that merges these splits cannot carry all of them; \
             keep each split under its own license when sharing modified versions.",
            parts.join(", ")
        ));
    }
    let unknown: Vec<&str> = manifests
        .iter()
        .filter(|m| crate::license_terms::known(&m.license.spdx).is_none())
        .map(|m| m.id.as_str())
        .collect();
    if !unknown.is_empty() {
        notes.push(format!(
            "License terms not in cameo's table for {}: their permissions are as the manifests state them.",
            unknown.join(", ")
        ));
    }
    let allowed_whole = allowed(&whole, per_split.iter().all(|s| s.terms_known));
    let summary = format!(
        "The collection as a whole allows: {}.{}",
        allowed_whole.join("; "),
        match conditions(&whole, "each split's own license").as_slice() {
            [] => String::new(),
            list => format!(" Conditions: {}.", list.join("; ")),
        }
    );
    let commercial_splits = commercial.iter().map(|s| s.split.clone()).collect();
    CollectionUses { whole, allowed: allowed_whole, summary, per_split, commercial_splits, commercial_samples, notes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(id: &str, spdx: &str, name: &str, flags: (bool, bool, bool)) -> Manifest {
        let (commercial_use, derivatives, share_alike) = flags;
        let text = format!(
            "id = \"{id}\"\nname = \"{id}\"\nlanguage = \"English\"\nlanguage_code = \"en\"\nexpected_count = 0\n\
             [license]\nspdx = \"{spdx}\"\nname = \"{name}\"\ncommercial_use = {commercial_use}\n\
             derivatives = {derivatives}\nshare_alike = {share_alike}\nattribution = \"x\"\ncitation = \"x\"\n\
             verified = \"DOC: x\"\n[labels]\n\"a\" = \"anger\"\n"
        );
        Manifest::parse(&text, id).unwrap()
    }

    #[test]
    fn research_only_terms_forbid_modifying_the_whole_and_claim_no_redistribution() {
        let research = manifest("research", "LicenseRef-research", "Research use", (false, false, false));
        let open = manifest("open", "CC-BY-SA-4.0", "CC BY-SA 4.0", (true, true, true));
        let counts = BTreeMap::from([("research".to_string(), 3), ("open".to_string(), 5)]);
        let uses = collection_uses(&[&research, &open], Some(&counts));
        assert_eq!(uses.allowed, ["non-commercial use (redistribution not established: terms unknown)"]);
        assert_eq!(
            uses.summary,
            "The collection as a whole allows: non-commercial use (redistribution not established: terms unknown). \
             Conditions: credit the corpus (LICENSES/ATTRIBUTION.md); no modified versions; no commercial use."
        );
        assert_eq!(
            uses.notes,
            [
                "Commercial use is allowed only for the splits open (5 of 8 samples).",
                "Modifying is allowed only for the splits open (5 of 8 samples).",
                "License terms not in cameo's table for research: their permissions are as the manifests state them.",
            ]
        );
        assert_eq!(
            uses.per_split[1].conditions,
            ["credit the corpus (LICENSES/ATTRIBUTION.md)", "share modified versions under CC BY-SA 4.0"]
        );
        assert_eq!(uses.commercial_samples, Some(5));
    }
}
