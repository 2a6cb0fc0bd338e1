//! The library's modules depend on each other in one direction only: the graph of `crate::`
//! references between top-level modules (read from the sources, test code and comments left
//! out) has no cycle, and the layers of design.md hold — the collection's data stands on
//! nothing but itself, and neither the sinks nor the transcription stage reach into the build.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module → the top-level modules its non-test code names through `crate::`.
fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let reference = regex::Regex::new(r"crate::([a-z_][a-z0-9_]*)").unwrap();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src).into_iter().map(Result::unwrap) {
        let relative = entry.path().strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        if !relative.ends_with(".rs") || relative == "lib.rs" || relative == "main.rs" || relative.starts_with("cli/") {
            continue;
        }
        let top = relative.split('/').next().unwrap().trim_end_matches(".rs").to_string();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        // Unit tests sit at the end of a file, after #[cfg(test)].
        let code = text.split("#[cfg(test)]").next().unwrap();
        let node = graph.entry(top.clone()).or_default();
        for line in code.lines().filter(|line| !line.trim_start().starts_with("//")) {
            for found in reference.captures_iter(line) {
                // `record` is the collection's, re-exported at the crate root for brevity.
                let target = match &found[1] {
                    "record" => "collection",
                    other => other,
                };
                if target != top {
                    node.insert(target.to_string());
                }
            }
        }
    }
    graph
}

/// A cycle through `start`, if any (depth-first search for a path back to it).
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let last = path.last().unwrap().clone();
        for next in graph.get(&last).into_iter().flatten() {
            if next == start {
                path.push(next.clone());
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_string()];
    walk(graph, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn the_modules_have_no_cycle() {
    let graph = module_graph();
    assert!(graph.len() > 20, "the sources were found: {graph:?}");
    for module in graph.keys() {
        if let Some(cycle) = cycle_through(&graph, module) {
            panic!("module cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_layers_of_the_design_hold() {
    let graph = module_graph();
    let uses = |module: &str| graph.get(module).cloned().unwrap_or_default();
    assert!(uses("collection").is_empty(), "the collection's data stands on nothing: {:?}", uses("collection"));
    assert!(uses("read_ahead").is_empty(), "read-ahead, used by corpora and build, stands on nothing");
    for module in ["sinks", "transcribe", "collection", "corpora", "manifest", "audio"] {
        assert!(!uses(module).contains("build"), "{module} must not import build: {:?}", uses(module));
    }
    for module in ["corpora", "manifest", "collection", "audio"] {
        assert!(!uses(module).contains("sinks"), "{module} must not import the sinks");
    }
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(cycle_through(&graph, "a").unwrap(), ["a", "b", "c", "a"]);
    graph.get_mut("c").unwrap().clear();
    assert!(cycle_through(&graph, "a").is_none());
}
