//! Writes the raw tree of the PAVOQUE benchmark (scripts/bench-pavoque) into `<raw>/pavoque/`:
//! the neutral style at its real size (3,126 utterances of 3-8 s back to back in one 44.1 kHz
//! FLAC, about 4.8 h, as long as the real pavoque-neutral.flac) and five utterances of each
//! other style, so the build's time and memory are those of the longest recording.
//! Usage: cargo run --release --example pavoque_bench_tree -- <raw> [neutral utterances]
use cameo::fixtures::pavoque::{population, write_population};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let raw: PathBuf = std::env::args_os().nth(1).ok_or("usage: pavoque_bench_tree <raw folder>")?.into();
    let neutral_count: usize = match std::env::args().nth(2) {
        Some(count) => count.parse().map_err(|_| format!("not a number of utterances: {count}"))?,
        None => usize::MAX,
    };
    let mut recordings = population(usize::MAX, 300..=800);
    for recording in &mut recordings {
        recording.utterances.truncate(if recording.style == "neutral" { neutral_count } else { 5 });
    }
    let neutral = recordings.iter().find(|r| r.style == "neutral").ok_or("no neutral style")?;
    println!(
        "writing {} neutral utterances, {:.0} s of 44.1 kHz audio, into {}",
        neutral.utterances.len(),
        neutral.length_cs() as f64 / 100.0,
        raw.join("pavoque").display()
    );
    write_population(&raw.join("pavoque"), &recordings, true)?;
    Ok(())
}
