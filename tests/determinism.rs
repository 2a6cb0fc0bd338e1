//! The build's bytes do not depend on the order the file system lists the raw tree in: the
//! same files created in opposite orders (which tmpfs lists in opposite orders) give the same
//! output, byte for byte. (Thread counts: tests/ravdess.rs; CPU vector paths: the resampler's
//! unit tests.)
mod common;

use cameo::fixtures::ravdess::{population, write_population, write_traps};
use common::*;
use std::path::Path;

fn listing(folder: &Path) -> Vec<String> {
    std::fs::read_dir(folder).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

#[test]
fn the_order_of_the_raw_listing_does_not_change_a_byte() {
    // tmpfs lists a folder newest first, so creation order decides listing order there.
    let base = Path::new("/dev/shm");
    let dir = if base.is_dir() { tempfile::tempdir_in(base) } else { tempfile::tempdir() }.unwrap();
    let names = population(1..=2);
    let mut reversed = names.clone();
    reversed.reverse();
    let (forward_raw, backward_raw) = (dir.path().join("forward"), dir.path().join("backward"));
    write_population(&forward_raw.join("ravdess"), &names, 0.05).unwrap();
    for name in &reversed {
        write_population(&backward_raw.join("ravdess"), std::slice::from_ref(name), 0.05).unwrap();
    }
    // The traps replace some population files, so they come last in both trees.
    write_traps(&forward_raw.join("ravdess")).unwrap();
    write_traps(&backward_raw.join("ravdess")).unwrap();
    let (forward_list, backward_list) =
        (listing(&forward_raw.join("ravdess/Actor_01")), listing(&backward_raw.join("ravdess/Actor_01")));
    if forward_list == backward_list {
        eprintln!("note: this file system lists both trees in the same order; the test then only checks equality");
    }
    let (forward, backward) = (dir.path().join("out-forward"), dir.path().join("out-backward"));
    build(&forward_raw, &forward, 2);
    build(&backward_raw, &backward, 1);
    let (a, b) = (tree_bytes(&forward), tree_bytes(&backward));
    assert!(a.keys().eq(b.keys()), "the two builds wrote different files");
    for (name, bytes) in &a {
        if name != "build.json" {
            assert!(bytes == &b[name], "{name} depends on the listing order");
        }
    }
    assert_eq!(build_json_without_run(&forward), build_json_without_run(&backward));
}
