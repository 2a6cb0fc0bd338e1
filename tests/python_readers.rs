//! The build read by independent tools: pyarrow for the parquet shards, libsndfile (through
//! soundfile) for the FLAC bytes. `scripts/test` installs them.
mod common;

use cameo::fixtures::ravdess::{population, write_population, write_traps};

#[test]
fn pyarrow_and_soundfile_read_the_build() {
    let dir = tempfile::tempdir().unwrap();
    let (raw, out) = (dir.path().join("raw"), dir.path().join("out"));
    write_population(&raw.join("ravdess"), &population(1..=1), 0.1).unwrap();
    write_traps(&raw.join("ravdess")).unwrap();
    common::build(&raw, &out, 2);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/check_build.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(&out)
        .output()
        .expect("python3 must be installed (scripts/test installs the test needs)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "check_build.py failed (pyarrow, soundfile, numpy come from scripts/test):\n{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), format!("ok {}", common::records(&out).len()));
}
