//! `cameo eval run` against a fake OpenAI-compatible server started by the test on 127.0.0.1:
//! request shape, kill-and-resume, and retries of transient failures.
mod eval_common;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use eval_common::{cameo, completion, eval, path_str, read_json, read_lines, start_server, test_samples, write_build};
use serde_json::Value;

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
    args.extend(["--temperature", "0.7", "--seed", "42", "--concurrency", "2"]);
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

#[test]
fn permanent_failures_stop_the_run_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write_build(dir.path(), 2);
    let server = start_server(Arc::new(|_, _| (400, "{\"error\": \"unknown model\"}".to_string())));
    let output = dir.path().join("results.jsonl");
    let mut args = run_args(&server.base, path_str(dir.path()), path_str(&output));
    args.extend(["--concurrency", "1"]);
    let (ok, _, stderr) = eval(&args);
    assert!(!ok);
    assert!(stderr.contains("HTTP 400"), "{stderr}");
    assert!(stderr.contains("unknown model"), "{stderr}");
    assert_eq!(server.received.lock().unwrap().len(), 1, "4xx is not retried");

    let always_busy = start_server(Arc::new(|_, _| (503, "busy".to_string())));
    let mut args = run_args(&always_busy.base, path_str(dir.path()), path_str(&output));
    args.extend(["--retries", "2", "--concurrency", "1"]);
    let (ok, _, stderr) = eval(&args);
    assert!(!ok);
    assert!(stderr.contains("gave up after 3 attempts"), "{stderr}");
    assert_eq!(always_busy.received.lock().unwrap().len(), 3);
    assert!(std::fs::read_to_string(&output).unwrap_or_default().is_empty());
}
