//! What of a build goes to the Hugging Face hub, each file with the reason it is in or out. The
//! hub needs the card (its YAML `configs` tell the viewer and `load_dataset` which parquet files
//! make each split, and `dataset_info` their features) and the parquet shards (every sample,
//! audio embedded); the licenses travel with the data; `audio/` stays home because the shards
//! hold every FLAC byte for byte.
use std::path::{Path, PathBuf};

/// One top-level entry of the build folder (or one file of data/ or LICENSES/), and its fate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlanEntry {
    /// `/`-separated path relative to the build folder (a folder ends in `/`).
    pub path: String,
    pub upload: bool,
    pub files: usize,
    pub bytes: u64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Plan {
    pub entries: Vec<PlanEntry>,
}

impl Plan {
    /// The files to upload, relative to the build folder, in path order.
    pub fn uploads(&self) -> Vec<String> {
        self.entries.iter().filter(|e| e.upload && !e.path.ends_with('/')).map(|e| e.path.clone()).collect()
    }

    pub fn upload_bytes(&self) -> u64 {
        self.entries.iter().filter(|e| e.upload && !e.path.ends_with('/')).map(|e| e.bytes).sum()
    }

    pub fn left_out_bytes(&self) -> u64 {
        self.entries.iter().filter(|e| !e.upload).map(|e| e.bytes).sum()
    }
}

/// Files and bytes below `path`.
fn size_of(path: &Path) -> std::io::Result<(usize, u64)> {
    let mut files = 0;
    let mut bytes = 0;
    for entry in walkdir::WalkDir::new(path) {
        let entry = entry.map_err(std::io::Error::other)?;
        if entry.file_type().is_file() {
            files += 1;
            bytes += entry.metadata().map_err(std::io::Error::other)?.len();
        }
    }
    Ok((files, bytes))
}

/// Why a top-level entry of a build stays out of the upload (None: it is uploaded).
fn left_out_because(name: &str) -> Option<&'static str> {
    match name {
        "README.md" | "build.json" | "data" | "LICENSES" => None,
        "audio" => Some(
            "every FLAC file is embedded byte for byte in the parquet shards; uploading it would store each recording twice",
        ),
        "metadata.jsonl" => Some(
            "the same records as the parquet shards, and its audio paths point into audio/, which is not uploaded",
        ),
        crate::checksums::FILE_NAME => Some(
            "lists audio/ and metadata.jsonl, which are not uploaded (the hub keeps its own SHA-256 of every large file)",
        ),
        ".cameo" => Some("the local resume cache and per-split state of `cameo build`"),
        _ => Some("not written by `cameo build`"),
    }
}

/// Decides the fate of everything in the build folder `build`.
pub fn plan(build: &Path) -> std::io::Result<Plan> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(build)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    names.sort();
    let mut plan = Plan::default();
    for path in names {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let is_dir = path.is_dir();
        let (files, bytes) = size_of(&path)?;
        let shown = if is_dir { format!("{name}/") } else { name.clone() };
        match (name.as_str(), left_out_because(&name)) {
            (_, Some(reason)) => {
                plan.entries.push(PlanEntry { path: shown, upload: false, files, bytes, reason: reason.into() })
            }
            ("README.md", None) => plan.entries.push(PlanEntry {
                path: shown,
                upload: true,
                files,
                bytes,
                reason: "the dataset card: its YAML configs name each split's parquet files for the viewer and \
                         load_dataset, dataset_info gives the features (audio at 16 kHz), license and languages"
                    .into(),
            }),
            ("build.json", None) => plan.entries.push(PlanEntry {
                path: shown,
                upload: true,
                files,
                bytes,
                reason: "provenance the card refers to: every source file's SHA-256, duplicates, rejects; \
                         the viewer ignores it (the configs name the data files)"
                    .into(),
            }),
            (folder, None) => {
                let (reason, wanted): (&str, fn(&str) -> bool) = if folder == "data" {
                    (
                        "the parquet shards: every sample with its FLAC embedded, what the viewer and load_dataset read",
                        |file| file.ends_with(".parquet") && !crate::fsutil::is_partial(file),
                    )
                } else {
                    (
                        "the license texts and per-corpus attribution the licenses require to travel with the data \
                         (the card's license_link points here)",
                        |file| !crate::fsutil::is_partial(file),
                    )
                };
                plan.entries.push(PlanEntry { path: shown.clone(), upload: true, files, bytes, reason: reason.into() });
                for entry in walkdir::WalkDir::new(&path).sort_by_file_name() {
                    let entry = entry.map_err(std::io::Error::other)?;
                    if !entry.file_type().is_file() {
                        continue;
                    }
                    let relative = entry.path().strip_prefix(build).unwrap_or(entry.path());
                    let relative: Vec<String> =
                        relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                    let file_name = entry.file_name().to_string_lossy();
                    let upload = wanted(&file_name);
                    plan.entries.push(PlanEntry {
                        path: relative.join("/"),
                        upload,
                        files: 1,
                        bytes: entry.metadata().map_err(std::io::Error::other)?.len(),
                        reason: if upload {
                            String::new()
                        } else {
                            "not a file `cameo build` writes there (left by an interrupted write?)".into()
                        },
                    });
                }
            }
        }
    }
    Ok(plan)
}

/// The plan as text: what goes up and why, what stays and why.
fn text_of_plan(plan: &Plan) -> String {
    let megabytes = |bytes: u64| bytes as f64 / 1e6;
    let line = |entry: &PlanEntry| {
        format!("  {:<16} {:>6} files {:>10.1} MB  {}\n", entry.path, entry.files, megabytes(entry.bytes), entry.reason)
    };
    let mut out = String::from("to the hub:\n");
    for entry in plan.entries.iter().filter(|e| e.upload && (e.path.ends_with('/') || !e.path.contains('/'))) {
        out.push_str(&line(entry));
    }
    out.push_str("left out:\n");
    for entry in plan.entries.iter().filter(|e| !e.upload) {
        out.push_str(&line(entry));
    }
    out.push_str(&format!(
        "{} files, {:.1} MB to upload; {:.1} MB left out\n",
        plan.uploads().len(),
        megabytes(plan.upload_bytes()),
        megabytes(plan.left_out_bytes())
    ));
    out
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text_of_plan(self))
    }
}
