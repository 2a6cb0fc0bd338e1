//! Parquet shards written ahead: once a split is built, its rows in the collection are known
//! (de-duplication keeps a file_id in the first split in split order, and the splits before
//! it are done or not rebuilt), so a background thread writes its shards while the next split
//! converts, instead of every split's shards being written at the end of the build. The shards
//! sink takes them over only if the split's final records are exactly those they were written
//! from; otherwise (a split built out of order) it writes them anew: the bytes are the same
//! either way, this only moves work off the end of the build.
use crate::collection::split::SplitState;
use crate::record::Record;
use crate::sinks::parquet::{stage_split_shards, ReadyShards};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

/// A split whose shards are to be written: its name and its rows.
struct Job {
    split: String,
    records: Vec<Record>,
}

/// The background writer and what it needs to know about the splits.
pub struct ShardsAhead {
    jobs: Option<Sender<Job>>,
    worker: Option<JoinHandle<()>>,
    ready: Arc<ReadyShards>,
    /// The file_ids of every split's records as known now (kept states, then this run's
    /// splits as they are built), by the name that orders the states (`<split>.json`).
    file_ids: BTreeMap<String, Vec<String>>,
}

impl ShardsAhead {
    /// Starts the writer for a build into `out` whose kept states are `kept`. With one job
    /// (`--jobs 1`) nothing runs beside the conversion: every shard is written at the end.
    pub fn start(out: &Path, kept: &[SplitState], jobs: usize) -> Self {
        let file_ids = kept.iter().map(|state| (order_key(&state.report.split), file_ids(&state.records))).collect();
        let ready = Arc::new(ReadyShards::default());
        if jobs < 2 {
            return ShardsAhead { jobs: None, worker: None, ready, file_ids };
        }
        // Unbounded: a job holds a split's records only (no audio), and the build never waits.
        let (jobs, received) = channel::<Job>();
        let (out, shared) = (out.to_path_buf(), Arc::clone(&ready));
        // Held by the writer while it runs (dropped with the closure if it cannot start).
        let writing = ready.writing();
        let worker = std::thread::Builder::new()
            .name("shards-ahead".into())
            .spawn(move || {
                let _writing = writing;
                for job in received {
                    write_ahead(&out, &shared, job);
                }
            })
            .ok();
        let jobs = worker.as_ref().map(|_| jobs);
        ShardsAhead { jobs, worker, ready, file_ids }
    }

    /// A split was built (and its state kept): its shards are written in the background, from
    /// the records no split before it in split order holds.
    pub fn built(&mut self, state: &SplitState) {
        let key = order_key(&state.report.split);
        self.file_ids.insert(key.clone(), file_ids(&state.records));
        let Some(jobs) = &self.jobs else { return };
        let earlier: HashSet<&str> =
            self.file_ids.range(..key).flat_map(|(_, ids)| ids.iter().map(String::as_str)).collect();
        let records =
            state.records.iter().filter(|record| !earlier.contains(record.file_id.as_str())).cloned().collect();
        // A worker that is gone (it cannot be, short of a panic) only means no shards ahead.
        let _ = jobs.send(Job { split: state.report.split.clone(), records });
    }

    /// Every split is built: the writer ends once the shards it has are written. Returns
    /// where they go, whose `take` waits for that, so that the outputs that need no shard
    /// are written meanwhile (dropping `self` waits too).
    pub fn all_built(&mut self) -> Arc<ReadyShards> {
        drop(self.jobs.take());
        Arc::clone(&self.ready)
    }

    fn stop(&mut self) {
        drop(self.jobs.take());
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl Drop for ShardsAhead {
    /// A build that stops early still waits for the writer, whose staged files are then
    /// deleted with `ready` (no temporary file is left behind).
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes one split's shards into `ready`. A failure (a full disk, a signal) is left for the
/// shards sink, which writes the split again and reports what goes wrong then.
fn write_ahead(out: &Path, ready: &ReadyShards, job: Job) {
    if crate::interrupt::requested().is_some() {
        return;
    }
    if let Ok(staged) = stage_split_shards(out, &job.split, &job.records) {
        ready.insert(&job.split, job.records, staged);
    }
}

/// States are kept as `<split>.json` and read back sorted by that name: the split order.
fn order_key(split: &str) -> String {
    format!("{split}.json")
}

fn file_ids(records: &[Record]) -> Vec<String> {
    records.iter().map(|record| record.file_id.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::dedupe::tests::{record, state};

    /// A build folder holding a FLAC stand-in (any bytes go into a shard as they are) for
    /// each record.
    fn folder_with_audio(states: &[&SplitState]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for record in states.iter().flat_map(|state| &state.records) {
            let path = dir.path().join(&record.audio);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, format!("audio of {}", record.file_id).repeat(50)).unwrap();
        }
        dir
    }

    fn shard_bytes(out: &Path, split: &str) -> Vec<u8> {
        std::fs::read(out.join("data").join(crate::sinks::parquet::shard_file_name(split, 0, 1))).unwrap()
    }

    #[test]
    fn a_built_split_gets_the_shards_of_its_rows_without_file_ids_of_earlier_splits() {
        let b = state("b", vec![record("b", "x.flac", "1.wav"), record("b", "y.flac", "2.wav")]);
        // "a" comes first in split order although it is built second; kept from an earlier
        // build, "c" comes after "b" and takes nothing from it.
        let a = state("a", vec![record("a", "x.flac", "3.wav")]);
        let c = state("c", vec![record("c", "y.flac", "4.wav")]);
        let dir = folder_with_audio(&[&a, &b, &c]);
        let mut ahead = ShardsAhead::start(dir.path(), &[a.clone(), c.clone()], 2);
        ahead.built(&b);
        let ready = ahead.all_built();
        // b's x.flac is a's: b's shards hold y.flac alone, as the sink would write them.
        assert!(ready.take("b", &b.records).is_none(), "shards of rows b keeps only");
        let mut ahead = ShardsAhead::start(dir.path(), &[a.clone(), c.clone()], 2);
        ahead.built(&b);
        let staged = ahead.all_built().take("b", &b.records[1..]).expect("shards of b's own rows");
        staged.commit().unwrap();
        let reference = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(reference.path().join("audio")).unwrap();
        std::fs::rename(dir.path().join("audio"), reference.path().join("audio")).unwrap();
        let rows: Vec<&Record> = b.records[1..].iter().collect();
        crate::sinks::parquet::write_split_with(reference.path(), "b", &rows, crate::sinks::parquet::LIMITS).unwrap();
        assert_eq!(shard_bytes(dir.path(), "b"), shard_bytes(reference.path(), "b"));
    }

    #[test]
    fn shards_that_do_not_hold_the_final_rows_are_deleted_not_used() {
        let a = state("a", vec![record("a", "x.flac", "1.wav"), record("a", "y.flac", "2.wav")]);
        let dir = folder_with_audio(&[&a]);
        let mut ahead = ShardsAhead::start(dir.path(), &[], 2);
        ahead.built(&a);
        let ready = ahead.all_built();
        let mut changed = a.records.clone();
        changed[0].transcription = Some("transcribed since".into());
        assert!(ready.take("a", &changed).is_none());
        let data: Vec<_> =
            std::fs::read_dir(dir.path().join("data")).unwrap().flatten().map(|e| e.file_name()).collect();
        assert!(data.is_empty(), "staged files left behind: {data:?}");
        assert!(ready.take("a", &a.records).is_none(), "taken once at most");
    }

    #[test]
    fn one_job_writes_nothing_ahead() {
        let a = state("a", vec![record("a", "x.flac", "1.wav")]);
        let dir = folder_with_audio(&[&a]);
        let mut ahead = ShardsAhead::start(dir.path(), &[], 1);
        ahead.built(&a);
        assert!(ahead.all_built().take("a", &a.records).is_none());
        assert!(!dir.path().join("data").exists());
    }
}
