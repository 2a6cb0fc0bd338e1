//! Which uses the license terms allow for each split and for the collection as a whole: a use
//! is allowed for the whole only when every split allows it; any share-alike or attribution
//! condition of a split applies to the whole.
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

fn allowed(permissions: &Permissions) -> Vec<String> {
    let mut uses = vec!["non-commercial use and redistribution".to_string()];
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
    if permissions.share_alike {
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

/// The uses of the collection made of these corpora; `samples` counts a build's samples per
/// split (absent when auditing manifests alone).
pub fn collection_uses(manifests: &[&Manifest], samples: Option<&BTreeMap<String, usize>>) -> CollectionUses {
    let per_split: Vec<SplitUses> = manifests
        .iter()
        .map(|manifest| {
            let permissions = manifest.license.permissions();
            SplitUses {
                split: manifest.id.clone(),
                license: manifest.license.name.clone(),
                samples: samples.map(|counts| counts.get(&manifest.id).copied().unwrap_or(0)),
                permissions,
                allowed: allowed(&permissions),
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
        let names: Vec<&str> = commercial.iter().map(|s| s.split.as_str()).collect();
        let share = match (commercial_samples, total_samples) {
            (Some(part), Some(all)) => format!(" ({part} of {all} samples)"),
            _ => String::new(),
        };
        notes.push(if names.is_empty() {
            "No split allows commercial use.".to_string()
        } else {
            format!("Commercial use is allowed only for the splits {}{share}.", names.join(", "))
        });
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
    let allowed_whole = allowed(&whole);
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
