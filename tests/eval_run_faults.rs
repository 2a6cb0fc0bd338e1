//! `cameo eval run` against a loopback server that fails the way vLLM does: refused requests
//! (its JSON error bodies, current and older form), `content: null`, answers cut by
//! `finish_reason: "length"`, `Retry-After`, and a server that is down. Failed samples are
//! logged and the run goes on; `--retry-failed` asks again about them only; `eval score`
//! counts failed and truncated answers. (A fake server: no GPU model server runs here.)
mod eval_common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use eval_common::{
    dead_endpoint, eval, path_str, read_json, read_lines, start_server, start_server_with_headers, test_samples,
    vllm_completion, vllm_error, vllm_error_old, write_build, Received,
};
use serde_json::Value;

fn run_args<'a>(base: &'a str, dataset: &'a str, output: &'a str) -> Vec<&'a str> {
    vec!["run", "--endpoint", base, "--model", "m", "--dataset", dataset, "--output", output, "--retry-base-ms", "1"]
}

/// Which fixture sample a request is about, from the audio it carries.
fn sample_of(body: &Value) -> usize {
    let content = body["messages"][0]["content"].as_array().unwrap();
    let audio = content.iter().find(|p| p["type"] == "input_audio").unwrap();
    let wav = base64::engine::general_purpose::STANDARD.decode(audio["input_audio"]["data"].as_str().unwrap()).unwrap();
    let pcm: Vec<i32> = wav[44..].chunks(2).map(|c| i16::from_le_bytes([c[0], c[1]]) as i32).collect();
    (0..64).find(|&i| test_samples(i) == pcm).expect("audio of a fixture sample")
}

fn samples_asked(received: &[Received]) -> BTreeSet<usize> {
    received.iter().map(|r| sample_of(&r.body)).collect()
}

fn score(dir: &std::path::Path, predictions: &std::path::Path, extra: &[&str]) -> (bool, Value, String) {
    let report = dir.join("report.json");
    let metadata = dir.join("metadata.jsonl");
    let mut args = vec![
        "score",
        "--metadata",
        path_str(&metadata),
        "--predictions",
        path_str(predictions),
        "--output",
        path_str(&report),
    ];
    args.extend(extra);
    let (ok, _, stderr) = eval(&args);
    let value = if ok { read_json(&report) } else { Value::Null };
    (ok, value, stderr)
}

#[test]
fn refused_samples_are_logged_the_run_goes_on_and_retry_failed_asks_again() {
    let dir = tempfile::tempdir().unwrap();
    let samples = write_build(dir.path(), 8);
    // Per sample (found from the audio, whatever the order): 1 → 400 (current error body),
    // 3 → 413 (older body), 4 → 200 with content null, 5 → cut at the token limit.
    let server = start_server(Arc::new(|_, body| match sample_of(body) {
        1 => (400, vllm_error("Audio is longer than 30 s", "BadRequestError", 400)),
        3 => (413, vllm_error_old("Request body too large", "BadRequestError", 413)),
        4 => (200, vllm_completion(None, "stop", 0)),
        5 => (200, vllm_completion(Some("The emotion is ang"), "length", 8)),
        _ => (200, vllm_completion(Some("anger"), "stop", 1)),
    }));
    let output = dir.path().join("results.jsonl");
    let mut args = run_args(&server.base, path_str(dir.path()), path_str(&output));
    args.extend(["--concurrency", "3"]);
    let (ok, stdout, stderr) = eval(&args);
    assert!(ok, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains(
            "8 samples selected, 0 were done before, 5 answered now, 0 remaining; 3 failed now, 1 truncated now"
        ),
        "{stderr}"
    );
    assert_eq!(server.received.lock().unwrap().len(), 8, "a refused request is not retried");

    let lines = read_lines(&output);
    assert_eq!(lines.len(), 8);
    let line_of = |i: usize| lines.iter().find(|l| l["file_id"] == samples[i].file_id.as_str()).unwrap();
    let failed = [
        (1, "HTTP 400: Audio is longer than 30 s", Value::from(400)),
        (3, "HTTP 413: Request body too large", Value::from(413)),
        (4, "the server's answer has no content (content null, finish_reason stop)", Value::from(200)),
    ];
    for (i, message, status) in &failed {
        let line = line_of(*i);
        assert_eq!(line["error"], *message, "sample {i}");
        assert!(line.get("response").is_none(), "sample {i}");
        // Sample 4's status was 200 but the failure is not an HTTP one: no status recorded.
        if *i != 4 {
            assert_eq!(line["http_status"], *status);
        } else {
            assert_eq!(line["http_status"], Value::Null);
            assert_eq!(line["finish_reason"], "stop");
        }
        assert_eq!(line["model"], "m");
        assert_eq!(line["temperature"], 0.0);
        assert!(stderr.contains(&format!("{} failed: {message}", samples[*i].file_id)), "{stderr}");
    }
    let cut = line_of(5);
    assert_eq!(cut["response"], "The emotion is ang");
    assert_eq!(cut["finish_reason"], "length");
    assert_eq!(cut["usage"]["completion_tokens"], 8);

    // Scoring: failed apart from missing, the cut answer scored as given and counted.
    let (ok, report, stderr) = score(dir.path(), &output, &[]);
    assert!(ok, "{stderr}");
    assert_eq!(report["n"], 5);
    assert_eq!(report["failed"], 3);
    assert_eq!(report["missing"], 0);
    assert_eq!(report["truncated"], 1);
    let (ok, _, stderr) = score(dir.path(), &output, &["--require-complete"]);
    assert!(!ok);
    assert!(stderr.contains("0 of 8 samples have no prediction, 3 failed (--require-complete)"), "{stderr}");

    // A rerun skips the failed samples and says so.
    let (ok, _, stderr) = eval(&run_args(&server.base, path_str(dir.path()), path_str(&output)));
    assert!(ok, "{stderr}");
    assert!(stderr.contains("3 failed earlier and not retried (--retry-failed retries them)"), "{stderr}");
    assert_eq!(server.received.lock().unwrap().len(), 8);

    // --retry-failed asks again about exactly those, now against a healthy server.
    let healthy = start_server(Arc::new(|_, _| (200, vllm_completion(Some("sadness"), "stop", 1))));
    let mut args = run_args(&healthy.base, path_str(dir.path()), path_str(&output));
    args.push("--retry-failed");
    let (ok, _, stderr) = eval(&args);
    assert!(ok, "{stderr}");
    assert_eq!(samples_asked(&healthy.received.lock().unwrap()), BTreeSet::from([1, 3, 4]));
    assert_eq!(healthy.received.lock().unwrap().len(), 3);
    assert!(
        stderr.contains("8 samples selected, 5 were done before, 3 answered now, 0 remaining; 0 failed now"),
        "{stderr}"
    );
    let (ok, report, stderr) = score(dir.path(), &output, &["--require-complete"]);
    assert!(ok, "{stderr}");
    assert_eq!(report["n"], 8);
    assert_eq!(report["failed"], 0);
    assert_eq!(report["truncated"], 1);
}

#[test]
fn retry_after_is_honoured_and_every_retry_prints_one_line() {
    let dir = tempfile::tempdir().unwrap();
    write_build(dir.path(), 1);
    // 503 asking for 1 s, then 429 with an HTTP date in the past (no extra wait), then an answer.
    let server = start_server_with_headers(Arc::new(|index, _| match index {
        0 => (503, vllm_error("loading", "ServiceUnavailableError", 503), vec![("Retry-After".into(), "1".into())]),
        1 => (
            429,
            vllm_error("slow down", "RateLimitError", 429),
            vec![("Retry-After".into(), "Wed, 21 Oct 2015 07:28:00 GMT".into())],
        ),
        _ => (200, vllm_completion(Some("anger"), "stop", 1), Vec::new()),
    }));
    let output = dir.path().join("results.jsonl");
    let (ok, _, stderr) = eval(&run_args(&server.base, path_str(dir.path()), path_str(&output)));
    assert!(ok, "{stderr}");
    let received = server.received.lock().unwrap().clone();
    assert_eq!(received.len(), 3);
    let first_wait = received[1].at - received[0].at;
    assert!(first_wait >= Duration::from_millis(950), "Retry-After: 1 was not honoured: {first_wait:?}");
    let second_wait = received[2].at - received[1].at;
    assert!(second_wait < Duration::from_millis(900), "a past date means no wait: {second_wait:?}");
    let retries: Vec<&str> = stderr.lines().filter(|l| l.contains("; retry ")).collect();
    assert_eq!(retries.len(), 2, "{stderr}");
    assert!(retries[0].contains("HTTP 503: loading; retry 1 of 6 in 1.0 s"), "{}", retries[0]);
    assert!(retries[1].contains("HTTP 429: slow down; retry 2 of 6 in 0.0 s"), "{}", retries[1]);
    assert_eq!(read_lines(&output)[0]["response"], "anger");
}

#[test]
fn work_is_spread_over_endpoints_and_a_dead_one_hands_its_samples_on() {
    let dir = tempfile::tempdir().unwrap();
    write_build(dir.path(), 12);
    let a = start_server(Arc::new(|_, _| (200, vllm_completion(Some("fear"), "stop", 1))));
    let b = start_server(Arc::new(|_, _| (200, vllm_completion(Some("fear"), "stop", 1))));
    let output = dir.path().join("both.jsonl");
    let mut args = run_args(&a.base, path_str(dir.path()), path_str(&output));
    args.extend(["--endpoint", &b.base, "--concurrency", "4"]);
    let (ok, _, stderr) = eval(&args);
    assert!(ok, "{stderr}");
    let (from_a, from_b) = (a.received.lock().unwrap().len(), b.received.lock().unwrap().len());
    assert_eq!(from_a + from_b, 12);
    assert!(from_a > 0 && from_b > 0, "both endpoints got work: {from_a} and {from_b}");
    // Round-robin even with one request in flight.
    let (c, d) = (
        start_server(Arc::new(|_, _| (200, vllm_completion(Some("fear"), "stop", 1)))),
        start_server(Arc::new(|_, _| (200, vllm_completion(Some("fear"), "stop", 1)))),
    );
    let output = dir.path().join("serial.jsonl");
    let mut args = run_args(&c.base, path_str(dir.path()), path_str(&output));
    args.extend(["--endpoint", &d.base, "--concurrency", "1"]);
    let (ok, _, stderr) = eval(&args);
    assert!(ok, "{stderr}");
    assert_eq!((c.received.lock().unwrap().len(), d.received.lock().unwrap().len()), (6, 6));
    let header = read_json(&dir.path().join("both.jsonl.run.json"));
    assert_eq!(header["endpoints"], serde_json::json!([a.base, b.base]));

    // One endpoint refuses connections: its samples go to the live one, none is lost.
    let dead = dead_endpoint();
    let output = dir.path().join("failover.jsonl");
    let live = start_server(Arc::new(|_, _| (200, vllm_completion(Some("fear"), "stop", 1))));
    let mut args = run_args(&dead, path_str(dir.path()), path_str(&output));
    args.extend(["--endpoint", &live.base, "--concurrency", "4", "--retries", "1"]);
    let (ok, _, stderr) = eval(&args);
    assert!(ok, "{stderr}");
    assert_eq!(stderr.matches(&format!("taking {dead} out")).count(), 1, "{stderr}");
    let lines = read_lines(&output);
    assert_eq!(lines.len(), 12);
    assert!(lines.iter().all(|l| l["endpoint"] == live.base.as_str() && l["response"] == "fear"));
    assert_eq!(samples_asked(&live.received.lock().unwrap()), (0..12).collect());
}
