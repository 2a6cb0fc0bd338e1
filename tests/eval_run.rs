//! `cameo eval run` against a fake OpenAI-compatible server started by the test on 127.0.0.1:
//! request shape, kill-and-resume, and retries of transient failures.
mod eval_common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use eval_common::{
    cameo, completion, eval, path_str, read_json, read_lines, start_server, test_samples, vllm_completion, write_build,
};
use serde_json::{json, Value};
use sha2::Digest;

fn run_args<'a>(base: &'a str, dataset: &'a str, output: &'a str) -> Vec<&'a str> {
    vec![
        "run",
        "--endpoint",
        base,
        "--model",
        "test-model",
        "--dataset",
        dataset,
        "--output",
        output,
        "--retry-base-ms",
        "1",
    ]
}

/// Checks a WAV file is 16 kHz mono 16-bit PCM and returns its samples.
fn wav_samples(wav: &[u8]) -> Vec<i32> {
    assert_eq!(&wav[0..4], b"RIFF");
    assert_eq!(&wav[8..16], b"WAVEfmt ");
    let u16_at = |i: usize| u16::from_le_bytes([wav[i], wav[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(wav[i..i + 4].try_into().unwrap());
    assert_eq!(u16_at(20), 1, "PCM");
    assert_eq!(u16_at(22), 1, "mono");
    assert_eq!(u32_at(24), 16_000, "16 kHz");
    assert_eq!(u16_at(34), 16, "16-bit");
    assert_eq!(&wav[36..40], b"data");
    assert_eq!(u32_at(40) as usize, wav.len() - 44);
    wav[44..].chunks(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as i32).collect()
}

#[test]
fn requests_have_the_openai_audio_shape_and_results_record_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let samples = write_build(dir.path(), 6);
    let server = start_server(Arc::new(|_, _| (200, completion("Anger"))));
    let output = dir.path().join("results.jsonl");
    let mut args = run_args(&server.base, path_str(dir.path()), path_str(&output));
    // Instruction first (the order before `--audio-position` existed; `before` is tested in
    // `every_parameter_is_sent_and_recorded`).
    args.extend(["--temperature", "0.7", "--seed", "42", "--concurrency", "2", "--audio-position", "after"]);
    let (ok, _, stderr) = eval(&args);
    assert!(ok, "{stderr}");

    let received = server.received.lock().unwrap().clone();
    assert_eq!(received.len(), 6);
    let mut seen = BTreeSet::new();
    for request in &received {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/v1/chat/completions");
        let body = &request.body;
        assert_eq!(body["model"], "test-model");
        assert_eq!(body["temperature"], 0.7);
        assert_eq!(body["seed"], 42);
        assert!(body["max_tokens"].as_u64().unwrap() > 0);
        let message = &body["messages"][0];
        assert_eq!(message["role"], "user");
        let content = message["content"].as_array().unwrap();
        assert_eq!(content[0]["type"], "text");
        // The candidate labels of the sample's dataset, sorted.
        assert!(content[0]["text"].as_str().unwrap().contains("anger, fear, sadness"));
        assert_eq!(content[1]["type"], "input_audio");
        assert_eq!(content[1]["input_audio"]["format"], "wav");
        let wav = base64::engine::general_purpose::STANDARD
            .decode(content[1]["input_audio"]["data"].as_str().unwrap())
            .unwrap();
        let pcm = wav_samples(&wav);
        let index = (0..samples.len()).find(|&i| test_samples(i) == pcm).expect("the audio of one of the samples");
        seen.insert(index);
    }
    assert_eq!(seen.len(), 6, "every sample's audio was sent once");

    let lines = read_lines(&output);
    assert_eq!(lines.len(), 6);
    for line in &lines {
        assert_eq!(line["response"], "Anger");
        assert_eq!(line["model"], "test-model");
        assert_eq!(line["temperature"], 0.7);
        assert_eq!(line["template_version"], "cameo-v1");
        assert_eq!(line["server_model"], "fake-server/model-id");
        assert!(["crema_d", "nemo"].contains(&line["split"].as_str().unwrap()));
    }

    // The results file scores as it is.
    let report = dir.path().join("report.json");
    let metadata = dir.path().join("metadata.jsonl");
    let (ok, _, stderr) = eval(&[
        "score",
        "--metadata",
        path_str(&metadata),
        "--predictions",
        path_str(&output),
        "--output",
        path_str(&report),
        "--require-complete",
    ]);
    assert!(ok, "{stderr}");
    let r = read_json(&report);
    assert_eq!(r["overall"]["accuracy"].as_f64().unwrap(), 2.0 / 6.0);
    assert_eq!(r["template_version"], "cameo-v1");
}

fn file_ids(lines: &[Value]) -> Vec<String> {
    lines.iter().map(|l| l["file_id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_killed_run_resumes_without_duplicates_or_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let samples = write_build(dir.path(), 12);
    // The first four answers come at once; later ones hang until `release` is set.
    let release = Arc::new(AtomicBool::new(false));
    let gate = Arc::clone(&release);
    let server = start_server(Arc::new(move |index, _| {
        while index >= 4 && !gate.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
        (200, completion("fear"))
    }));
    let output = dir.path().join("results.jsonl");
    let mut child = cameo()
        .arg("eval")
        .args(run_args(&server.base, path_str(dir.path()), path_str(&output)))
        .args(["--concurrency", "2"])
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let done = std::fs::read_to_string(&output).map(|t| t.lines().count()).unwrap_or(0);
        if done >= 4 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the run never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = read_lines(&output);
    assert_eq!(before.len(), 4, "the killed run wrote exactly the answered samples");
    // An interrupted write leaves half a line: the resume must drop it.
    let mut text = std::fs::read_to_string(&output).unwrap();
    text.push_str("{\"file_id\": \"0000");
    std::fs::write(&output, text).unwrap();

    release.store(true, Ordering::SeqCst);
    // A limited resume first, then the rest.
    let mut args = run_args(&server.base, path_str(dir.path()), path_str(&output));
    args.extend(["--limit", "3"]);
    let (ok, _, stderr) = eval(&args);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("dropping an unfinished last line"), "{stderr}");
    assert_eq!(read_lines(&output).len(), 7);
    let (ok, _, stderr) = eval(&run_args(&server.base, path_str(dir.path()), path_str(&output)));
    assert!(ok, "{stderr}");
    assert!(stderr.contains("12 samples selected, 7 were done before, 5 answered now, 0 remaining"), "{stderr}");

    let ids = file_ids(&read_lines(&output));
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 12, "no duplicates");
    let expected: BTreeSet<&String> = samples.iter().map(|s| &s.file_id).collect();
    assert_eq!(unique, expected, "no gaps");

    // A rerun when everything is done sends nothing.
    let requests = server.received.lock().unwrap().len();
    let (ok, _, stderr) = eval(&run_args(&server.base, path_str(dir.path()), path_str(&output)));
    assert!(ok, "{stderr}");
    assert_eq!(server.received.lock().unwrap().len(), requests);

    // Resuming with other settings is refused, naming the line.
    let mut args = run_args(&server.base, path_str(dir.path()), path_str(&output));
    args.extend(["--temperature", "0.3"]);
    let (ok, _, stderr) = eval(&args);
    assert!(!ok);
    assert!(stderr.contains("results.jsonl:1: this file was written with temperature 0.0, not 0.3"), "{stderr}");
}

#[test]
fn transient_failures_are_retried_with_back_off() {
    let dir = tempfile::tempdir().unwrap();
    write_build(dir.path(), 2);
    let server = start_server(Arc::new(|index, _| match index {
        0 => (503, "{\"error\": \"loading\"}".to_string()),
        1 => (429, "{\"error\": \"slow down\"}".to_string()),
        2 => (500, "oops".to_string()),
        _ => (200, completion("sadness")),
    }));
    let output = dir.path().join("results.jsonl");
    let mut args = run_args(&server.base, path_str(dir.path()), path_str(&output));
    args.extend(["--concurrency", "1"]);
    let (ok, _, stderr) = eval(&args);
    assert!(ok, "{stderr}");
    assert_eq!(server.received.lock().unwrap().len(), 5);
    assert_eq!(read_lines(&output).len(), 2);
}

/// Issue 18 changed this case: a 4xx no longer stops the run; the sample gets a failed line
/// (tested in full in tests/eval_run_faults.rs). An endpoint busy through every retry still
/// stops it, when no other endpoint is left.
#[test]
fn permanent_failures_are_logged_and_a_dead_server_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    write_build(dir.path(), 2);
    let server = start_server(Arc::new(|_, _| (400, "{\"error\": \"unknown model\"}".to_string())));
    let refused = dir.path().join("refused.jsonl");
    let mut args = run_args(&server.base, path_str(dir.path()), path_str(&refused));
    args.extend(["--concurrency", "1"]);
    let (ok, _, stderr) = eval(&args);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("HTTP 400"), "{stderr}");
    assert!(stderr.contains("unknown model"), "{stderr}");
    assert_eq!(server.received.lock().unwrap().len(), 2, "4xx is not retried: one request per sample");
    for line in read_lines(&refused) {
        assert_eq!(line["error"], "HTTP 400: unknown model");
        assert!(line.get("response").is_none());
    }

    let output = dir.path().join("results.jsonl");
    let always_busy = start_server(Arc::new(|_, _| (503, "busy".to_string())));
    let mut args = run_args(&always_busy.base, path_str(dir.path()), path_str(&output));
    args.extend(["--retries", "2", "--concurrency", "1"]);
    let (ok, _, stderr) = eval(&args);
    assert!(!ok);
    assert!(stderr.contains("gave up after 3 attempts"), "{stderr}");
    assert!(stderr.contains("no endpoint left"), "{stderr}");
    assert_eq!(always_busy.received.lock().unwrap().len(), 3);
    assert!(std::fs::read_to_string(&output).unwrap_or_default().is_empty());
}

#[test]
fn every_parameter_is_sent_and_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let samples = write_build(dir.path(), 4);
    let server = start_server(Arc::new(|index, _| (200, vllm_completion(Some("fear"), "stop", 2 + index as u64))));
    let output = dir.path().join("results.jsonl");
    let mut args = run_args(&server.base, path_str(dir.path()), path_str(&output));
    args.extend([
        "--temperature",
        "0.7",
        "--top-p",
        "0.9",
        "--top-k",
        "50",
        "--repetition-penalty",
        "1.1",
        "--seed",
        "7",
        "--max-tokens",
        "8",
        "--concurrency",
        "1",
    ]);
    let (ok, stdout, stderr) = eval(&args);
    assert!(ok, "{stderr}");
    assert!(stdout.is_empty(), "results and progress stay off stdout: {stdout}");

    let received = server.received.lock().unwrap().clone();
    assert_eq!(received.len(), 4);
    for request in &received {
        let body = &request.body;
        assert_eq!(body["temperature"], 0.7);
        assert_eq!(body["top_p"], 0.9);
        assert_eq!(body["top_k"], 50);
        assert_eq!(body["repetition_penalty"], 1.1);
        assert_eq!(body["seed"], 7);
        assert_eq!(body["max_tokens"], 8);
        // Default --audio-position before: the audio part, then the instruction.
        let content = body["messages"][0]["content"].as_array().unwrap();
        assert_eq!(content.len(), 2);
        assert_eq!(content[0]["type"], "input_audio");
        assert_eq!(content[1]["type"], "text");
        // Samples 0 and 2 (CREMA-D) are anger and sadness, 1 and 3 (nEMO) fear and anger.
        let text = content[1]["text"].as_str().unwrap();
        assert!(text.contains("labels: anger, sadness.") || text.contains("labels: anger, fear."), "{text}");
    }

    let lines = read_lines(&output);
    assert_eq!(lines.len(), 4);
    let expected_keys = [
        "file_id",
        "response",
        "server_model",
        "model",
        "temperature",
        "top_p",
        "top_k",
        "repetition_penalty",
        "seed",
        "max_tokens",
        "audio_position",
        "template_version",
        "labels_scope",
        "split",
        "finish_reason",
        "usage",
        "latency_ms",
        "endpoint",
    ];
    for (index, line) in lines.iter().enumerate() {
        let keys: Vec<&str> = line.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, expected_keys);
        assert_eq!(line["response"], "fear");
        assert_eq!(line["server_model"], "fake-server/model-id");
        assert_eq!(line["model"], "test-model");
        assert_eq!(line["temperature"], 0.7);
        assert_eq!(line["top_p"], 0.9);
        assert_eq!(line["top_k"], 50);
        assert_eq!(line["repetition_penalty"], 1.1);
        assert_eq!(line["seed"], 7);
        assert_eq!(line["max_tokens"], 8);
        assert_eq!(line["audio_position"], "before");
        assert_eq!(line["template_version"], "cameo-v1");
        assert_eq!(line["labels_scope"], "dataset");
        assert_eq!(line["finish_reason"], "stop");
        // One request at a time: line k answers request k.
        let tokens = 2 + index as u64;
        assert_eq!(
            line["usage"],
            serde_json::json!({"prompt_tokens": 120, "total_tokens": 120 + tokens, "completion_tokens": tokens})
        );
        assert!(line["latency_ms"].as_u64().is_some());
        assert_eq!(line["endpoint"], server.base.as_str());
        assert_eq!(line["file_id"], samples[index].file_id.as_str());
    }

    // The run header beside the results.
    let header = read_json(&dir.path().join("results.jsonl.run.json"));
    assert_eq!(header["tool"], "cameo");
    assert_eq!(header["version"], env!("CARGO_PKG_VERSION"));
    let metadata = std::fs::read(dir.path().join("metadata.jsonl")).unwrap();
    let sha256 = hex::encode(sha2::Sha256::digest(&metadata));
    assert_eq!(header["metadata"]["sha256"], sha256.as_str());
    assert_eq!(header["template_version"], "cameo-v1");
    assert!(header["instruction_template"].as_str().unwrap().contains("{labels}"));
    let instructions = &header["instructions"];
    assert!(instructions["CREMA-D"].as_str().unwrap().contains("labels: anger, sadness."), "{instructions}");
    assert!(instructions["nEMO"].as_str().unwrap().contains("labels: anger, fear."), "{instructions}");
    let parameters = &header["parameters"];
    for (key, value) in [
        ("model", json!("test-model")),
        ("temperature", json!(0.7)),
        ("top_p", json!(0.9)),
        ("top_k", json!(50)),
        ("repetition_penalty", json!(1.1)),
        ("seed", json!(7)),
        ("max_tokens", json!(8)),
        ("audio_position", json!("before")),
        ("labels_scope", json!("dataset")),
    ] {
        assert_eq!(parameters[key], value, "{key}");
    }
    assert_eq!(header["endpoints"], json!([server.base]));
    let started = header["started_at"].as_str().unwrap();
    assert!(started.ends_with('Z') && started.len() == 20, "{started}");
    assert_eq!(header["invocations"].as_array().unwrap().len(), 1);

    // Defaults are sent explicitly too: top_p 1, top_k -1, repetition_penalty 1, seed 0, 16 tokens.
    let defaults = start_server(Arc::new(|_, _| (200, vllm_completion(Some("fear"), "stop", 1))));
    let output = dir.path().join("defaults.jsonl");
    let (ok, _, stderr) = eval(&run_args(&defaults.base, path_str(dir.path()), path_str(&output)));
    assert!(ok, "{stderr}");
    for request in defaults.received.lock().unwrap().iter() {
        let body = &request.body;
        assert_eq!(
            (
                &body["temperature"],
                &body["top_p"],
                &body["top_k"],
                &body["repetition_penalty"],
                &body["seed"],
                &body["max_tokens"]
            ),
            (&json!(0.0), &json!(1.0), &json!(-1), &json!(1.0), &json!(0), &json!(16))
        );
    }
}

#[test]
fn resume_refuses_any_changed_setting_naming_it_and_both_values() {
    let dir = tempfile::tempdir().unwrap();
    write_build(dir.path(), 2);
    let server = start_server(Arc::new(|_, _| (200, vllm_completion(Some("fear"), "stop", 1))));
    let output = dir.path().join("results.jsonl");
    let base_args = run_args(&server.base, path_str(dir.path()), path_str(&output));
    let mut first = base_args.clone();
    first.extend(["--limit", "1"]);
    let (ok, _, stderr) = eval(&first);
    assert!(ok, "{stderr}");
    let cases: [(&[&str], &str); 10] = [
        (&["--temperature", "0.3"], "temperature 0.0, not 0.3"),
        (&["--top-p", "0.9"], "top_p 1.0, not 0.9"),
        (&["--top-k", "20"], "top_k -1, not 20"),
        (&["--repetition-penalty", "1.05"], "repetition_penalty 1.0, not 1.05"),
        (&["--seed", "3"], "seed 0, not 3"),
        (&["--no-seed"], "seed 0, not null"),
        (&["--max-tokens", "32"], "max_tokens 16, not 32"),
        (&["--audio-position", "after"], "audio_position \"before\", not \"after\""),
        (&["--labels-scope", "collection"], "labels_scope \"dataset\", not \"collection\""),
        (&["--model", "other"], "model \"test-model\", not \"other\""),
    ];
    for (flags, expected) in cases {
        let mut args = base_args.clone();
        if flags[0] == "--model" {
            // Replace the model rather than give the flag twice.
            let at = args.iter().position(|a| *a == "--model").unwrap();
            args.drain(at..at + 2);
        }
        args.extend(flags.iter().copied());
        let (ok, _, stderr) = eval(&args);
        assert!(!ok, "{flags:?} was accepted");
        let wanted = format!("results.jsonl:1: this file was written with {expected}; resume with the same settings");
        assert!(stderr.contains(&wanted), "{flags:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
    assert_eq!(read_lines(&output).len(), 1, "a refused resume writes nothing");

    // Another template version on the line (as an older cameo would have written).
    let text = std::fs::read_to_string(&output).unwrap();
    std::fs::write(&output, text.replace("\"cameo-v1\"", "\"cameo-v0\"")).unwrap();
    let (ok, _, stderr) = eval(&base_args);
    assert!(!ok);
    assert!(stderr.contains("this file was written with template_version \"cameo-v0\", not \"cameo-v1\""), "{stderr}");
    std::fs::write(&output, &text).unwrap();

    // Changed metadata (same samples, another byte): the run header refuses it.
    let metadata = dir.path().join("metadata.jsonl");
    let before = std::fs::read(&metadata).unwrap();
    let old_sha = hex::encode(sha2::Sha256::digest(&before));
    let mut changed = before.clone();
    changed.extend_from_slice(b"\n");
    std::fs::write(&metadata, &changed).unwrap();
    let new_sha = hex::encode(sha2::Sha256::digest(&changed));
    let (ok, _, stderr) = eval(&base_args);
    assert!(!ok);
    let wanted =
        format!("results.jsonl.run.json: this run was started with metadata SHA-256 \"{old_sha}\", not \"{new_sha}\"");
    assert!(stderr.contains(&wanted), "{stderr}");

    // The original settings and metadata resume.
    std::fs::write(&metadata, &before).unwrap();
    let (ok, _, stderr) = eval(&base_args);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("2 samples selected, 1 were done before, 1 answered now, 0 remaining"), "{stderr}");
    let header = read_json(&dir.path().join("results.jsonl.run.json"));
    assert_eq!(header["invocations"].as_array().unwrap().len(), 2);
}
