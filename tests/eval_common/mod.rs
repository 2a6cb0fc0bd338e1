//! Shared helpers of the `eval_*` integration tests: fixture files, running the real binary,
//! and a fake OpenAI-compatible server on 127.0.0.1.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{json, Value};

/// One gold sample of a fixture: (dataset, language, split, emotion).
pub struct Sample {
    pub file_id: String,
    pub dataset: &'static str,
    pub language: &'static str,
    pub split: &'static str,
    pub emotion: &'static str,
}

pub fn metadata_line(s: &Sample) -> String {
    json!({
        "file_id": s.file_id,
        "audio": format!("audio/{}/{}", s.split, s.file_id),
        "emotion": s.emotion,
        "transcription": null,
        "speaker_id": null,
        "gender": null,
        "age": null,
        "dataset": s.dataset,
        "language": s.language,
        "license": "CC BY 4.0",
        "duration": 0.1,
        "source": "x.wav",
    })
    .to_string()
}

pub fn write_metadata(path: &Path, samples: &[Sample]) {
    let text: String = samples.iter().map(|s| metadata_line(s) + "\n").collect();
    std::fs::write(path, text).unwrap();
}

/// A 64-hex-digit file id, like a build's.
pub fn file_id(index: usize) -> String {
    format!("{index:064x}.flac")
}

pub fn cameo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cameo"))
}

/// Runs `cameo eval <args>`; returns (success, stdout, stderr).
pub fn eval(args: &[&str]) -> (bool, String, String) {
    let output: Output = cameo().arg("eval").args(args).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Deterministic test audio for sample `index`: 0.1 s of a sawtooth.
pub fn test_samples(index: usize) -> Vec<i32> {
    (0..1600).map(|i| (((i * (index + 3) * 97) % 20_000) as i32) - 10_000).collect()
}

/// Writes a 16 kHz mono 16-bit FLAC file with libFLAC.
pub fn write_flac(path: &Path, samples: &[i32]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut encoder = flac_bound::FlacEncoder::new()
        .unwrap()
        .channels(1)
        .bits_per_sample(16)
        .sample_rate(16_000)
        .init_file(&path)
        .unwrap();
    encoder.process_interleaved(samples, samples.len() as u32).unwrap();
    assert!(encoder.finish().is_ok());
}

/// A build folder with `n` samples over two splits, audio included.
pub fn write_build(dir: &Path, n: usize) -> Vec<Sample> {
    let samples: Vec<Sample> = (0..n)
        .map(|i| {
            let (dataset, language, split) =
                if i % 2 == 0 { ("CREMA-D", "English", "crema_d") } else { ("nEMO", "Polish", "nemo") };
            Sample { file_id: file_id(i), dataset, language, split, emotion: ["anger", "fear", "sadness"][i % 3] }
        })
        .collect();
    write_metadata(&dir.join("metadata.jsonl"), &samples);
    for (i, s) in samples.iter().enumerate() {
        write_flac(&dir.join("audio").join(s.split).join(&s.file_id), &test_samples(i));
    }
    samples
}

/// A request the fake server received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub body: Value,
    /// When the request arrived (for checking waits between retries).
    pub at: Instant,
}

/// What the fake server answers to request number `index` (0-based, in arrival order).
pub type Behaviour = dyn Fn(usize, &Value) -> (u16, String) + Send + Sync;

/// The same with extra response headers (e.g. `Retry-After`).
pub type BehaviourWithHeaders = dyn Fn(usize, &Value) -> (u16, String, Vec<(String, String)>) + Send + Sync;

pub struct FakeServer {
    /// Base URL as clients take it: `http://127.0.0.1:<port>/v1`.
    pub base: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

/// A canned chat completion with a server-side model id.
pub fn completion(text: &str) -> String {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "fake-server/model-id",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
    })
    .to_string()
}

pub fn start_server(behaviour: Arc<Behaviour>) -> FakeServer {
    start_server_with_headers(Arc::new(move |index, body| {
        let (status, text) = behaviour(index, body);
        (status, text, Vec::new())
    }))
}

/// vLLM's chat completion (protocol.py's ChatCompletionResponse): the answer (or `null`), its
/// finish_reason, and the token counts in `usage`.
pub fn vllm_completion(content: Option<&str>, finish_reason: &str, completion_tokens: u64) -> String {
    json!({
        "id": "chatcmpl-0123",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "fake-server/model-id",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "tool_calls": []},
            "logprobs": null,
            "finish_reason": finish_reason,
            "stop_reason": null,
        }],
        "usage": {"prompt_tokens": 120, "total_tokens": 120 + completion_tokens, "completion_tokens": completion_tokens},
    })
    .to_string()
}

/// vLLM's current error body (`ErrorResponse` wrapping `ErrorInfo`).
pub fn vllm_error(message: &str, kind: &str, code: u16) -> String {
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}}).to_string()
}

/// The older vLLM error body (`ErrorResponse` with `object: "error"` at the top level).
pub fn vllm_error_old(message: &str, kind: &str, code: u16) -> String {
    json!({"object": "error", "message": message, "type": kind, "param": null, "code": code}).to_string()
}

/// A port on 127.0.0.1 where nothing listens (connections are refused).
pub fn dead_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    base
}

pub fn start_server_with_headers(behaviour: Arc<BehaviourWithHeaders>) -> FakeServer {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let log = Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let log = Arc::clone(&log);
            let behaviour = Arc::clone(&behaviour);
            std::thread::spawn(move || serve(stream, &log, &*behaviour));
        }
    });
    FakeServer { base, received }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<Received>>, behaviour: &BehaviourWithHeaders) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let path = parts.next().unwrap_or("").to_string();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let index = {
        let mut log = log.lock().unwrap();
        log.push(Received { method, path, body: body.clone(), at: Instant::now() });
        log.len() - 1
    };
    let (status, text, headers) = behaviour(index, &body);
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Error",
    };
    let extra: String = headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{text}",
        text.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

pub fn out_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}
