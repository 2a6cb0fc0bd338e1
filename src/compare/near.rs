//! Near pairs: samples whose canonical PCM differs (another resampler or encoder) but which are
//! the same recording. Within a split, a reference sample and a build sample are candidates when
//! their durations differ by at most 10 ms; a candidate pair counts when its waveform
//! correlation reaches the threshold, and pairs are taken greedily, highest correlation first.
//!
//! The reference's audio is read a second time, only for the rows left unpaired, in chunks of at
//! most [`CHUNK_BYTES`] of PCM; within a chunk the reference samples are visited by duration, so
//! a build sample is decoded once per chunk and only while its duration is in reach.
use std::collections::HashMap;

/// Largest difference of duration between the two samples of a pair: 10 ms at 16 kHz.
pub const MAX_FRAME_DIFFERENCE: u64 = 160;

/// Reference PCM held at once during the second pass (i16 samples, bytes).
pub const CHUNK_BYTES: usize = 512 << 20;

/// How alike two waveforms are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Likeness {
    /// Normalised cross-correlation at lag 0 over the common length, Σab / √(Σa²·Σb²).
    pub correlation: f64,
    /// 10·log10(Σb² / Σ(b−r)²) over the common length, the build sample b being the signal;
    /// `None` when the common part is identical (the samples differ only in length).
    pub snr_db: Option<f64>,
}

/// Compares a build sample with a reference sample over their common length. Integer sums, so
/// the figures do not depend on the order of the additions.
pub fn likeness(build: &[i16], reference: &[i16]) -> Likeness {
    let (mut bb, mut rr, mut br, mut dd) = (0i64, 0i64, 0i64, 0i64);
    for (&b, &r) in build.iter().zip(reference) {
        let (b, r) = (b as i64, r as i64);
        bb += b * b;
        rr += r * r;
        br += b * r;
        dd += (b - r) * (b - r);
    }
    let correlation = if bb == 0 || rr == 0 { 0.0 } else { br as f64 / ((bb as f64) * (rr as f64)).sqrt() };
    let snr_db = (dd > 0).then(|| 10.0 * ((bb as f64) / (dd as f64)).log10());
    Likeness { correlation, snr_db }
}

/// A build sample left unpaired by the exact pass.
#[derive(Debug, Clone)]
pub struct BuildCandidate {
    pub index: usize,
    pub group: String,
    pub frames: u64,
}

/// A reference sample of the current chunk, with its PCM.
#[derive(Debug)]
pub struct RefSample {
    pub index: usize,
    pub group: String,
    pub pcm: Vec<i16>,
}

/// A candidate pair at or above the threshold.
#[derive(Debug, Clone, Copy)]
pub struct Scored {
    pub build: usize,
    pub reference: usize,
    pub likeness: Likeness,
}

/// Scores one chunk of reference samples against the build candidates; `decode` gives a build
/// sample's canonical PCM (None when it cannot be read, so it is skipped).
pub fn score_chunk(
    chunk: &mut [RefSample],
    candidates: &[BuildCandidate],
    min_correlation: f64,
    mut decode: impl FnMut(usize) -> Option<Vec<i16>>,
    scored: &mut Vec<Scored>,
) {
    chunk.sort_by(|a, b| (&a.group, a.pcm.len(), a.index).cmp(&(&b.group, b.pcm.len(), b.index)));
    // Candidates sorted by (group, frames), so each reference sample's reach is a range.
    let mut order: Vec<&BuildCandidate> = candidates.iter().collect();
    order.sort_by(|a, b| (&a.group, a.frames, a.index).cmp(&(&b.group, b.frames, b.index)));
    let mut cache: HashMap<usize, Option<Vec<i16>>> = HashMap::new();
    for sample in chunk.iter() {
        let frames = sample.pcm.len() as u64;
        let low = frames.saturating_sub(MAX_FRAME_DIFFERENCE);
        let high = frames + MAX_FRAME_DIFFERENCE;
        let start = order.partition_point(|c| (c.group.as_str(), c.frames) < (sample.group.as_str(), low));
        let reach: Vec<&BuildCandidate> =
            order[start..].iter().take_while(|c| c.group == sample.group && c.frames <= high).copied().collect();
        // Samples visited later have the same or a longer duration (or another group), so what
        // falls out of reach now is never needed again in this chunk.
        cache.retain(|index, _| reach.iter().any(|c| c.index == *index));
        for candidate in reach {
            let pcm = cache.entry(candidate.index).or_insert_with(|| decode(candidate.index));
            if let Some(pcm) = pcm {
                let likeness = likeness(pcm, &sample.pcm);
                if likeness.correlation >= min_correlation {
                    scored.push(Scored { build: candidate.index, reference: sample.index, likeness });
                }
            }
        }
    }
}

/// Takes pairs greedily, highest correlation first (ties by build then reference index, so the
/// result does not depend on the order of the chunks); each sample is in at most one pair.
pub fn assign(mut scored: Vec<Scored>) -> Vec<Scored> {
    scored.sort_by(|a, b| {
        b.likeness
            .correlation
            .total_cmp(&a.likeness.correlation)
            .then(a.build.cmp(&b.build))
            .then(a.reference.cmp(&b.reference))
    });
    let mut used_build = std::collections::HashSet::new();
    let mut used_reference = std::collections::HashSet::new();
    scored.retain(|pair| {
        if used_build.contains(&pair.build) || used_reference.contains(&pair.reference) {
            return false;
        }
        used_build.insert(pair.build);
        used_reference.insert(pair.reference);
        true
    });
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn likeness_of_identical_scaled_and_unrelated_waveforms() {
        let a: Vec<i16> = (0..1000).map(|i| ((i as f64 / 7.0).sin() * 10_000.0) as i16).collect();
        let same = likeness(&a, &a);
        assert!((same.correlation - 1.0).abs() < 1e-12);
        assert_eq!(same.snr_db, None);
        let half: Vec<i16> = a.iter().map(|&v| v / 2).collect();
        let scaled = likeness(&a, &half);
        assert!(scaled.correlation > 0.9999);
        // The difference is half the signal: 20·log10(2) ≈ 6.02 dB.
        assert!((scaled.snr_db.unwrap() - 6.02).abs() < 0.05, "{:?}", scaled.snr_db);
        let other: Vec<i16> = (0..1000).map(|i| ((i as f64 / 3.1).cos() * 10_000.0) as i16).collect();
        assert!(likeness(&a, &other).correlation.abs() < 0.2);
        assert_eq!(likeness(&a, &vec![0; 1000]).correlation, 0.0);
    }

    #[test]
    fn greedy_assignment_keeps_the_best_pair_of_each_sample() {
        let pair = |build, reference, correlation| Scored {
            build,
            reference,
            likeness: Likeness { correlation, snr_db: Some(30.0) },
        };
        let kept = assign(vec![pair(0, 0, 0.995), pair(0, 1, 0.999), pair(1, 1, 0.998), pair(1, 0, 0.993)]);
        let kept: Vec<(usize, usize)> = kept.iter().map(|p| (p.build, p.reference)).collect();
        assert_eq!(kept, vec![(0, 1), (1, 0)]);
    }
}
