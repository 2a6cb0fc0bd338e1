//! `cameo publish BUILD --repo ORG/NAME`: verify the build, decide what the hub gets
//! ([`plan`]), print that plan, gather exactly those files in a staging folder of hard links
//! (`BUILD/.cameo/publish/`, no copies on one file system) and upload it with the Hugging Face
//! CLI — `hf upload-large-folder` where the installed huggingface_hub has it (1.x: resumable,
//! many commits), else `hf upload`, which in huggingface_hub 2.x took its place (a folder goes
//! up in several commits and an interrupted upload resumes when run again).
pub mod plan;

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What `cameo publish` is asked to do.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    /// The build folder.
    pub build: PathBuf,
    /// The hub dataset repository, ORG/NAME (created by the upload when missing).
    pub repo: String,
    /// Verify and print the plan and the upload command; upload nothing.
    pub dry_run: bool,
    /// Create the repository as private (ignored by the hub when it exists already).
    pub private: bool,
}

/// How to install the CLI, said whenever it is missing.
pub const INSTALL_HINT: &str = "install it with `pip install -U huggingface_hub` and log in with `hf auth login`";

/// The upload command the installed CLI offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uploader {
    /// `hf upload-large-folder REPO FOLDER --repo-type dataset` (huggingface_hub 0.25–1.x).
    LargeFolder,
    /// `hf upload REPO FOLDER . --repo-type dataset` (huggingface_hub 2.x).
    Upload,
}

/// Checks a repository id: exactly `ORG/NAME`, the hub's characters.
pub fn check_repo(repo: &str) -> Result<(), String> {
    let valid_part = |part: &str| {
        !part.is_empty()
            && part.len() <= 96
            && part.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && !part.starts_with(['-', '.'])
            && !part.ends_with(['-', '.'])
            && !part.contains("--")
            && !part.contains("..")
    };
    match repo.split_once('/') {
        Some((org, name)) if valid_part(org) && valid_part(name) => Ok(()),
        _ => Err(format!("--repo {repo:?}: give the hub dataset repository as ORG/NAME, e.g. my-lab/CAMEO")),
    }
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Which upload command `hf` offers; None when `hf` is not on PATH (or offers neither).
pub fn find_uploader() -> Option<Uploader> {
    if runs("hf", &["upload-large-folder", "--help"]) {
        Some(Uploader::LargeFolder)
    } else if runs("hf", &["upload", "--help"]) {
        Some(Uploader::Upload)
    } else {
        None
    }
}

/// The arguments after `hf` that upload `folder` to the dataset repository `repo`.
pub fn upload_args(uploader: Uploader, repo: &str, folder: &Path, private: bool) -> Vec<String> {
    let folder = folder.display().to_string();
    let mut args: Vec<String> = match uploader {
        Uploader::LargeFolder => vec!["upload-large-folder".into(), repo.into(), folder],
        Uploader::Upload => vec!["upload".into(), repo.into(), folder, ".".into()],
    };
    args.extend(["--repo-type".into(), "dataset".into()]);
    if private {
        args.push("--private".into());
    }
    if uploader == Uploader::Upload {
        args.extend(["--commit-message".into(), format!("CAMEO rebuilt with cameo {}", env!("CARGO_PKG_VERSION"))]);
    }
    args
}

/// Makes `staging` hold exactly the planned files (hard links, a copy where the file system
/// refuses one). The CLI's own resume state under `staging/.cache/` is kept.
pub fn stage(build: &Path, staging: &Path, files: &[String]) -> anyhow::Result<()> {
    std::fs::create_dir_all(staging).with_context(|| format!("{}: cannot create", staging.display()))?;
    // Remove what is there but not planned (a file left out since an earlier run).
    for entry in walkdir::WalkDir::new(staging).min_depth(1).contents_first(true) {
        let entry = entry.with_context(|| format!("{}: cannot list", staging.display()))?;
        let relative = entry.path().strip_prefix(staging).unwrap_or(entry.path());
        if relative.starts_with(".cache") {
            continue;
        }
        let name: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        if entry.file_type().is_dir() {
            let _ = std::fs::remove_dir(entry.path()); // only succeeds when empty
        } else if !files.contains(&name.join("/")) {
            std::fs::remove_file(entry.path()).with_context(|| format!("{}: cannot remove", entry.path().display()))?;
        }
    }
    for file in files {
        let source = build.join(file);
        let target = staging.join(file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("{}: cannot create", parent.display()))?;
        }
        let same = match (std::fs::metadata(&source), std::fs::metadata(&target)) {
            (Ok(a), Ok(b)) => same_file(&a, &b),
            _ => false,
        };
        if same {
            continue;
        }
        let _ = std::fs::remove_file(&target);
        if std::fs::hard_link(&source, &target).is_err() {
            std::fs::copy(&source, &target)
                .with_context(|| format!("cannot copy {} to {}", source.display(), target.display()))?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    false
}

/// Quotes an argument for display as a shell command line.
fn shell_word(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:@".contains(c)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Runs `cameo publish`.
pub fn run(args: &PublishOptions) -> anyhow::Result<()> {
    check_repo(&args.repo).map_err(anyhow::Error::msg)?;
    let report = crate::verify::verify(&args.build)?;
    println!(
        "verified {} samples ({:.1} h of audio) in {} splits",
        report.samples,
        report.audio_seconds / 3600.0,
        report.per_split.len()
    );
    let plan = plan::plan(&args.build).with_context(|| format!("{}: cannot list", args.build.display()))?;
    print!("{plan}");
    let staging = args.build.join(".cameo").join("publish");
    let uploader = find_uploader();
    let shown = |uploader: Uploader| {
        let words: Vec<String> =
            upload_args(uploader, &args.repo, &staging, args.private).iter().map(|w| shell_word(w)).collect();
        format!("hf {}", words.join(" "))
    };
    if args.dry_run {
        match uploader {
            Some(uploader) => {
                println!("dry run: would stage those files in {} and run\n  {}", staging.display(), shown(uploader))
            }
            None => println!(
                "dry run: would stage those files in {} and run\n  {}\n(`hf` is not on PATH: {INSTALL_HINT})",
                staging.display(),
                shown(Uploader::LargeFolder)
            ),
        }
        return Ok(());
    }
    let Some(uploader) = uploader else {
        bail!("the Hugging Face CLI `hf` is not on PATH (or offers no upload command): {INSTALL_HINT}");
    };
    stage(&args.build, &staging, &plan.uploads())?;
    println!("running {}", shown(uploader));
    let status = Command::new("hf")
        .args(upload_args(uploader, &args.repo, &staging, args.private))
        .status()
        .context("cannot start `hf`")?;
    if !status.success() {
        bail!(
            "`hf` failed ({status}); run `cameo publish` again to resume (the staging folder {} is kept)",
            staging.display()
        );
    }
    println!("published to https://huggingface.co/datasets/{}", args.repo);
    Ok(())
}
