//! Building one split: scan with the adapter, hash and convert the sources in parallel (or
//! reuse the cache), drop byte-identical copies and canonical duplicates, and turn what is
//! left into records. Every input ends as a record, a duplicate, a reject or a skip.
use super::cache::ItemCache;
use super::convert::{Converter, FileHash, ItemOutcome, Pending, UnitOutcome};
use super::BuildError;
use crate::audio::ConvertedAudio;
use crate::collection::split::{Duplicate, DuplicateKind, SourceFile, SplitReport, SplitState};
use crate::corpora::{CorpusEntry, Reject, SourceItem};
use crate::manifest::Manifest;
use crate::progress::Progress;
use crate::read_ahead::with_read_ahead;
use crate::record::{Emotion, Record, TranscriptionSource};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use unicode_normalization::UnicodeNormalization;

/// Where one split is read from and written to.
pub(crate) struct SplitJob<'a> {
    pub entry: &'a CorpusEntry,
    pub raw_root: PathBuf,
    pub out: &'a Path,
    pub quiet: bool,
    /// Convert only this shard's units of work.
    pub shard: Option<super::shard::Shard>,
    /// Fill unknown genders from the manifest's third-party annotation.
    pub third_party_genders: bool,
}

impl SplitJob<'_> {
    fn manifest(&self) -> &Manifest {
        &self.entry.manifest
    }
}

/// Counters for the run section of build.json.
#[derive(Default)]
pub(crate) struct SplitRunFacts {
    pub converted: usize,
    pub reused: usize,
}

fn nfc(text: &str) -> String {
    text.trim().nfc().collect()
}

/// The record of an item whose audio became `audio`: the one place where the adapters' items
/// meet the format's value conventions (`<split>_` speaker ids, `null` for what is unknown).
pub fn make_record(
    split: &str,
    manifest: &Manifest,
    item: &SourceItem,
    emotion: Emotion,
    audio: &ConvertedAudio,
) -> Record {
    let transcription = item.transcription.as_deref().map(nfc).filter(|t| !t.is_empty());
    Record {
        file_id: audio.file_id.clone(),
        audio: format!("audio/{split}/{}", audio.file_id),
        emotion,
        transcription_source: transcription.as_ref().map(|_| TranscriptionSource::Corpus),
        transcription,
        speaker_id: item.speaker.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| format!("{split}_{s}")),
        gender: item.gender,
        age: item.age.as_deref().map(str::trim).filter(|a| !a.is_empty()).map(str::to_string),
        dataset: manifest.name.clone(),
        language: manifest.language.clone(),
        license: manifest.license.name.clone(),
        duration: audio.duration_seconds(),
        source: item.location.source(),
    }
}

/// `--third-party-genders`: gives every item without a gender its speaker's third-party
/// gender from the manifest; returns whose annotation it is when the manifest has one.
fn add_third_party_genders(manifest: &Manifest, items: &mut [SourceItem]) -> Option<String> {
    let source = manifest.third_party_genders.clone()?;
    for item in items.iter_mut().filter(|item| item.gender.is_none()) {
        let speaker = item.speaker.as_deref().map(str::trim).and_then(|speaker| manifest.speakers.get(speaker));
        item.gender = speaker.and_then(|speaker| speaker.third_party_gender);
    }
    Some(source)
}

/// Splits the items into units of conversion work: each whole-file item alone, and all the
/// items that share a file (segments, table rows) together, so that file is read once.
fn work_units<'a>(items: &'a [Pending<'a>]) -> Vec<&'a [Pending<'a>]> {
    let mut units = Vec::new();
    let mut rest = items;
    while let Some(first) = rest.first() {
        // Items are sorted by location, so the items of one shared file are adjacent.
        let together = if first.item.location.shares_file() {
            rest.iter().take_while(|p| p.item.location.file() == first.item.location.file()).count()
        } else {
            1
        };
        let (unit, tail) = rest.split_at(together);
        units.push(unit);
        rest = tail;
    }
    units
}

/// Removes leftovers of interrupted runs and FLAC files no record points to any more.
fn tidy_audio_folder(folder: &Path, keep: &BTreeSet<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !keep.contains(&name) && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Checks the formats seen against the manifest's expectations.
fn format_warnings(manifest: &Manifest, formats: &BTreeMap<(u32, u16), usize>) -> Vec<String> {
    let mut warnings = Vec::new();
    for (&(rate, channels), &count) in formats {
        let expected = &manifest.audio;
        if !expected.sample_rates.is_empty() && !expected.sample_rates.contains(&rate) {
            warnings
                .push(format!("{count} source(s) at {rate} Hz; the manifest expects {:?} Hz", expected.sample_rates));
        }
        if !expected.channels.is_empty() && !expected.channels.contains(&channels) {
            warnings.push(format!(
                "{count} source(s) with {channels} channel(s); the manifest expects {:?} (downmixed)",
                expected.channels
            ));
        }
    }
    warnings
}

/// Builds one split; the FLAC files land in `audio/<split>/`, the state is returned. The
/// phases: scan the raw tree and label the items, hash and convert the work units in parallel
/// (each source file read once), keep one item per distinct source, and collect the records.
pub(crate) fn build_split(job: &SplitJob, facts: &mut SplitRunFacts) -> Result<SplitState, BuildError> {
    let split = job.entry.id.as_str();
    let scan_error = |source| BuildError::Scan { split: split.into(), source };
    let (items, mut report) = scan_split(job).map_err(scan_error)?;
    let paths = crate::corpora::walk::SourcePaths::new(&job.raw_root).map_err(scan_error)?;
    let pending: Vec<Pending> = items
        .iter()
        .enumerate()
        .map(|(index, item)| Pending { index, item, emotion: job.manifest().label_for(&item.source_label).ok() })
        .collect();
    let audio_folder = job.out.join("audio").join(split);
    std::fs::create_dir_all(&audio_folder).map_err(|source| BuildError::Io { path: audio_folder.clone(), source })?;
    let (hashes, outcomes) = convert_units(job, &pending, &paths, &audio_folder)?;
    let kept = distinct_labelled_items(job.manifest(), &items, &hashes, &mut report);
    for (file, hash) in &hashes {
        if let Ok((sha256, bytes)) = hash {
            report.sources.push(SourceFile { path: file.to_string(), sha256: sha256.clone(), bytes: *bytes });
            if let Some(original) = paths.original(file) {
                report.renamed_sources.insert(file.to_string(), original.to_string());
            }
        }
    }
    // A copy of a kept source was converted too (its unit ran before the hashes were known):
    // its outcome goes, as would the outcome of an item that could not be labelled.
    let outcomes = outcomes.into_iter().filter(|(index, _)| kept.contains(index)).collect();
    let (records, flac_sha256) = collect_records(job, outcomes, &mut report, facts);
    let keep: BTreeSet<String> = records.iter().map(|r| r.file_id.clone()).collect();
    tidy_audio_folder(&audio_folder, &keep).map_err(|source| BuildError::Io { path: audio_folder.clone(), source })?;
    Ok(SplitState { report, records, flac_sha256, transcription: None })
}

/// Scan phase: the adapter's items in location order (with third-party genders when asked)
/// and the report started with what the scan found.
fn scan_split(job: &SplitJob) -> Result<(Vec<SourceItem>, SplitReport), crate::corpora::ScanError> {
    let scan = job.entry.adapter.scan(&job.raw_root, job.manifest())?;
    let mut items = scan.items;
    items.sort_by(|a, b| a.location.cmp(&b.location));
    let third_party_genders =
        if job.third_party_genders { add_third_party_genders(job.manifest(), &mut items) } else { None };
    let report = SplitReport {
        split: job.entry.id.clone(),
        dataset: job.manifest().name.clone(),
        expected: job.manifest().expected_count,
        found: items.len() + scan.rejects.len(),
        skipped: scan.skipped,
        rejects: scan.rejects,
        third_party_genders,
        ..Default::default()
    };
    Ok((items, report))
}

/// The SHA-256 and size of each source file this run read, by its name in the items.
type SourceHashes<'a> = BTreeMap<&'a str, FileHash>;

/// De-duplication and labelling phase, once the units have hashed their files: identical bytes
/// at the same place (the whole file, or the same span or row of it) are the same audio, so
/// only the first such item is kept; an unreadable source and an unmapped label are rejects.
/// Returns the indices of the items whose outcomes make the split. (An item of a unit another
/// `--shard` converts has no hash here and is left to that shard.)
fn distinct_labelled_items(
    manifest: &Manifest,
    items: &[SourceItem],
    hashes: &SourceHashes,
    report: &mut SplitReport,
) -> BTreeSet<usize> {
    let mut kept_by_place: HashMap<String, String> = HashMap::new();
    let mut distinct: Vec<(usize, &SourceItem)> = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let file = item.location.file();
        let source = item.location.source();
        match hashes.get(file) {
            None => {}
            Some(Err(error)) => report.rejects.push(Reject { source, reason: format!("unreadable: {error}") }),
            Some(Ok((sha, _))) => {
                let place = format!("{sha}{}", &source[file.len()..]);
                match kept_by_place.get(&place) {
                    Some(kept) => report.duplicates.push(Duplicate {
                        source,
                        kept: kept.clone(),
                        kind: DuplicateKind::SourceBytes,
                    }),
                    None => {
                        kept_by_place.insert(place, source);
                        distinct.push((index, item));
                    }
                }
            }
        }
    }
    crate::corpora::label_items(manifest, distinct, |(_, item)| item, &mut report.rejects)
        .into_iter()
        .map(|((index, _), _)| index)
        .collect()
}

/// Conversion phase: the work units of this run (all of them, or this shard's), hashed and
/// converted in parallel or taken from the cache; the files' hashes and the outcomes in item
/// order. A failed output (a full disk) or a signal stops the split here.
fn convert_units<'a>(
    job: &SplitJob,
    pending: &'a [Pending<'a>],
    paths: &crate::corpora::walk::SourcePaths,
    audio_folder: &Path,
) -> Result<(SourceHashes<'a>, Vec<(usize, ItemOutcome)>), BuildError> {
    let split = job.entry.id.as_str();
    let cache = ItemCache::open(job.out, split, job.shard);
    let mut units: Vec<&[Pending]> = work_units(pending)
        .into_iter()
        .enumerate()
        .filter(|(unit, _)| job.shard.is_none_or(|shard| shard.owns(*unit)))
        .map(|(_, pending)| pending)
        .collect();
    // Units of many items (a long recording cut into segments, a table's rows) start first:
    // one such unit keeps a thread busy for long, and started near the end of the split it
    // would leave the other cores idle until it is done. The rest keep their order. (No output
    // depends on the order of the work.)
    units.sort_by_key(|unit| std::cmp::Reverse(unit.len()));
    let labelled = units.iter().flat_map(|unit| unit.iter()).filter(|p| p.emotion.is_some()).count();
    let progress = Progress::items(split, labelled as u64, "samples", job.quiet);
    let converter = Converter { audio_folder, cache: &cache, progress: &progress, stopped: &AtomicBool::new(false) };
    // Each unit's file on disk: read ahead, then hashed and decoded by its unit.
    let files: Vec<PathBuf> = units.iter().map(|unit| paths.path(unit[0].item.location.file())).collect();
    // One unit per task, and each task takes the next unit of the list whichever thread runs
    // it: the units start in list order (the longest first, the reads ahead in that order),
    // where rayon's splitting would hand each thread a half of the list to work through.
    let next = AtomicUsize::new(0);
    let done: Vec<UnitOutcome> = with_read_ahead(&files, |read_ahead| {
        (0..units.len())
            .into_par_iter()
            .with_max_len(1)
            .map(|_| {
                let unit = next.fetch_add(1, Ordering::Relaxed);
                read_ahead.starting(unit);
                converter.convert_group(units[unit], &files[unit])
            })
            .collect()
    });
    progress.finish();
    let mut hashes = SourceHashes::new();
    let mut outcomes = Vec::with_capacity(labelled);
    for unit in done {
        hashes.insert(unit.file, unit.hash);
        outcomes.extend(unit.outcomes);
    }
    outcomes.sort_by_key(|(index, _)| *index);
    if let Some(message) = outcomes.iter().find_map(|(_, outcome)| match outcome {
        ItemOutcome::OutputFailed(message) => Some(message.clone()),
        _ => None,
    }) {
        return Err(BuildError::Output(format!(
            "{split}: {message}; the build stopped and the earlier outputs in {} are unchanged",
            job.out.display()
        )));
    }
    // A signal stopped the conversion: what was converted is in the cache, nothing is written.
    crate::interrupt::Interrupted::check(|| {
        let converted = outcomes.iter().filter(|(_, outcome)| matches!(outcome, ItemOutcome::Converted { .. })).count();
        format!("{split}: {converted} converted samples are kept in {}", job.out.join(".cameo").display())
    })?;
    Ok((hashes, outcomes))
}

/// Collection phase: one record per distinct canonical PCM (the first item in source order
/// keeps it), the rest recorded as duplicates, rejects and format facts in the report; with
/// the records, the SHA-256 of their FLAC files by file_id.
fn collect_records(
    job: &SplitJob,
    outcomes: Vec<(usize, ItemOutcome)>,
    report: &mut SplitReport,
    facts: &mut SplitRunFacts,
) -> (Vec<Record>, BTreeMap<String, String>) {
    let split = job.entry.id.as_str();
    let mut kept_by_file_id: HashMap<String, String> = HashMap::new();
    let mut records = Vec::new();
    let mut formats: BTreeMap<(u32, u16), usize> = BTreeMap::new();
    let mut flac_hashes = BTreeMap::new();
    for (_, outcome) in outcomes {
        match outcome {
            ItemOutcome::Rejected(reject) => report.rejects.push(reject),
            // The split stopped in the conversion phase when any output failed.
            ItemOutcome::OutputFailed(_) | ItemOutcome::Abandoned => {}
            ItemOutcome::Converted { item, emotion, audio, flac_sha256, reused } => {
                if reused {
                    facts.reused += 1;
                } else {
                    facts.converted += 1;
                }
                *formats.entry((audio.source_rate, audio.source_channels)).or_default() += 1;
                let source = item.location.source();
                if let Some(kept) = kept_by_file_id.get(&audio.file_id) {
                    report.duplicates.push(Duplicate { source, kept: kept.clone(), kind: DuplicateKind::CanonicalPcm });
                    continue;
                }
                kept_by_file_id.insert(audio.file_id.clone(), source);
                if let Some(sha256) = flac_sha256 {
                    flac_hashes.insert(audio.file_id.clone(), sha256);
                }
                if audio.peak == 0 {
                    report.silent.push(audio.file_id.clone());
                }
                if audio.clipped > 0 {
                    report.clipped.push(audio.file_id.clone());
                }
                records.push(make_record(split, job.manifest(), &item, emotion, &audio));
            }
        }
    }
    records.sort_by(|a, b| a.file_id.cmp(&b.file_id));
    report.rejects.sort();
    report.silent.sort();
    report.clipped.sort();
    report.formats =
        formats.iter().map(|(&(rate, channels), &count)| (format!("{rate} Hz, {channels} ch"), count)).collect();
    report.warnings = format_warnings(job.manifest(), &formats);
    report.set_built(records.len());
    (records, flac_hashes)
}
