//! The paper's collection figures (section 3.2: 41,265 samples, 94.5% with a speaker id, 92.9%
//! with a gender, 43.6% female and 49.3% male, over 93% in the seven primary emotions, English
//! about one third), checked on the complete generated populations of all 13 corpora. Every
//! corpus is scanned by its real adapter with its embedded manifest, and each item becomes the
//! record the build would write (`make_record`, the build's own function): only the audio is
//! left out, which none of these figures depend on. A change of any corpus' speaker or gender
//! convention moves a figure and fails here.
use cameo::audio::ConvertedAudio;
use cameo::build::split::make_record;
use cameo::fixtures::*;
use cameo::record::PRIMARY_LABELS;
use cameo::record::{Gender, Record};
use cameo::stats::paper::Claim;
use std::collections::BTreeMap;
use std::path::Path;

/// Writes the complete population of every corpus under `raw/<split>/`, with the least audio
/// each fixture allows (the scan reads names and tables, never the audio).
fn write_all(raw: &Path) {
    let root = |split: &str| raw.join(split);
    cafe::write_population(&root("cafe"), &cafe::population(1..=12), 0.001).unwrap();
    crema_d::write_population(&root("crema_d"), &crema_d::population(1001..=1091), 0.001).unwrap();
    emns::write_population(&root("emns"), emns::Layout::Extracted, &emns::population(usize::MAX), 0.0).unwrap();
    let rows = emozionalmente::population(usize::MAX);
    emozionalmente::write_tables(&root("emozionalmente"), emozionalmente::Version::V1_0, &rows).unwrap();
    emozionalmente::write_audio(&root("emozionalmente"), emozionalmente::Version::V1_0, &rows, None).unwrap();
    enterface::write_population(&root("enterface"), &enterface::population(1..=44), 0.001).unwrap();
    jl_corpus::write_population(&root("jl_corpus"), &jl_corpus::population(&jl_corpus::SPEAKERS, 1..=15), None)
        .unwrap();
    mesd::write_population(&root("mesd"), &mesd::population(24), 0.001).unwrap();
    nemo::write_population(&root("nemo"), &nemo::population(usize::MAX), 0.001).unwrap();
    oreau::write_population(&root("oreau"), oreau::DOUBLED_VERSION_ONE, &oreau::population(), 0.001).unwrap();
    pavoque::write_population(&root("pavoque"), &pavoque::population(usize::MAX, 124..=900), false).unwrap();
    ravdess::write_population(&root("ravdess"), &ravdess::population(1..=24), 0.001).unwrap();
    resd::write_tables(&root("resd"), &resd::population(1..=50), 0.001).unwrap();
    subesco::write_population(&root("subesco"), "", &subesco::population(), 0.001).unwrap();
}

/// The records a build of `raw` would write, less the audio: file_id and duration are
/// placeholders.
fn records_of(raw: &Path) -> Vec<Record> {
    let mut records = Vec::new();
    for entry in cameo::corpora::Registry::builtin() {
        let manifest = entry.manifest.clone();
        let scan = entry.adapter.scan(&raw.join(&entry.id), &manifest).unwrap();
        assert!(scan.rejects.is_empty(), "{}: {:?}", entry.id, &scan.rejects[..scan.rejects.len().min(3)]);
        assert_eq!(scan.items.len(), manifest.expected_count, "{}", entry.id);
        for (index, item) in scan.items.iter().enumerate() {
            let emotion = manifest.emotion_for(&item.source_label).unwrap_or_else(|| {
                panic!("{}: label {} is not mapped", entry.id, item.source_label);
            });
            let audio = ConvertedAudio {
                file_id: format!("{}-{index}.flac", entry.id),
                frames: 16_000,
                source_rate: 16_000,
                source_channels: 1,
                peak: 1,
                clipped: 0,
            };
            records.push(make_record(&entry.id, &manifest, item, emotion, &audio));
        }
    }
    records
}

#[test]
fn the_complete_populations_give_the_papers_collection_figures() {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw");
    write_all(&raw);
    let records = records_of(&raw);
    let stats = cameo::stats::compute(&records);
    let n = records.len();
    assert_eq!(n, 41_265);
    let count = |keep: &dyn Fn(&Record) -> bool| records.iter().filter(|r| keep(r)).count();
    let share = |part: usize| format!("{:.1}", 100.0 * part as f64 / n as f64);

    // Every sample but RESD's (1,396) and MESD's (862) has a speaker id: 39,007.
    let with_speaker = count(&|r| r.speaker_id.is_some());
    assert_eq!(with_speaker, 41_265 - 1_396 - 862);
    assert_eq!(share(with_speaker), "94.5");
    let without: BTreeMap<&str, usize> =
        records.iter().filter(|r| r.speaker_id.is_none()).fold(BTreeMap::new(), |mut map, r| {
            *map.entry(r.split()).or_default() += 1;
            map
        });
    assert_eq!(without, BTreeMap::from([("mesd", 862), ("resd", 1_396)]));

    // Every sample but RESD's, eNTERFACE's (1,257) and MESD's children's (286) has a gender.
    let with_gender = count(&|r| r.gender.is_some());
    assert_eq!(with_gender, 41_265 - 1_396 - 1_257 - 286);
    assert_eq!(share(with_gender), "92.9");
    let (female, male) = (count(&|r| r.gender == Some(Gender::Female)), count(&|r| r.gender == Some(Gender::Male)));
    assert_eq!(female + male, with_gender);

    let primary = count(&|r| PRIMARY_LABELS.contains(&r.emotion.as_str()));
    assert!(100.0 * primary as f64 / n as f64 > 93.0, "primary share {}", share(primary));
    let english = count(&|r| r.language == "English");
    assert!((100.0 * english as f64 / n as f64 - 100.0 / 3.0).abs() <= 1.0, "English share {}", share(english));

    // `cameo stats` computes the same figures, and its comparison with the paper says so.
    let figures: BTreeMap<&str, (Claim, String, bool)> =
        stats.paper.figures.iter().map(|f| (f.name, (f.paper, format!("{:.1}", f.build), f.agrees))).collect();
    assert_eq!(figures["samples"], (Claim::Count(41_265), "41265.0".to_string(), true));
    assert_eq!(figures["with a speaker id"], (Claim::Percent(94.5), "94.5".to_string(), true));
    assert_eq!(figures["with a gender"], (Claim::Percent(92.9), "92.9".to_string(), true));
    assert_eq!(figures["female"].1, share(female));
    assert_eq!(figures["male"].1, share(male));
    assert_eq!(figures["seven primary emotions"], (Claim::Over(93.0), share(primary), true));
    assert_eq!(figures["English"], (Claim::About(100.0 / 3.0), share(english), true));
    assert!(stats.paper.missing_corpora.is_empty());
    let text = stats.to_string();
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["with", "a", "speaker", "id", "94.5%", "94.5%", "agrees"]),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["with", "a", "gender", "92.9%", "92.9%", "agrees"]),
        "{text}"
    );
    println!("{text}");
}
