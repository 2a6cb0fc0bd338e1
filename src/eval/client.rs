//! The HTTP side of `cameo eval run`: builds one chat-completion request, posts it to one
//! endpoint with retries (exponential back-off with jitter, `Retry-After` honoured), and
//! classifies the outcome as an answer, a failure of this sample, or a failure of the endpoint.
use std::time::{Duration, Instant};

use base64::Engine;
use serde::Serialize;
use serde_json::{json, Value};

use super::error::json_type;

/// Where the audio part goes relative to the instruction in the user message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AudioPosition {
    /// Audio part first, then the instruction (as the Qwen2-Audio model cards show).
    #[default]
    Before,
    /// Instruction first, then the audio part.
    After,
}

impl AudioPosition {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::After => "after",
        }
    }
}

/// Every generation parameter, sent explicitly so that no server default (vLLM fills omitted
/// ones from the model's generation_config.json) decides the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sampling {
    pub temperature: f64,
    pub top_p: f64,
    /// `-1`: all tokens (vLLM's "disabled").
    pub top_k: i64,
    pub repetition_penalty: f64,
    /// `None` with `--no-seed` (the field is then left out of the request).
    pub seed: Option<u64>,
    pub max_tokens: u32,
}

/// How one endpoint is asked.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: u32,
    /// First back-off; doubles on every retry (capped at [`MAX_BACKOFF`]), times a random
    /// factor in [0.5, 1.0).
    pub base: Duration,
}

/// Longest back-off between two attempts, and longest `Retry-After` wait honoured.
pub const MAX_BACKOFF: Duration = Duration::from_secs(60);
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

/// The chat-completion request: one user message with the instruction and the audio part in
/// the chosen order, and every sampling parameter.
pub fn request_body(
    model: &str,
    sampling: &Sampling,
    position: AudioPosition,
    instruction: &str,
    wav: &[u8],
) -> String {
    let audio = base64::engine::general_purpose::STANDARD.encode(wav);
    let text = json!({"type": "text", "text": instruction});
    let audio = json!({"type": "input_audio", "input_audio": {"data": audio, "format": "wav"}});
    let content = match position {
        AudioPosition::Before => vec![audio, text],
        AudioPosition::After => vec![text, audio],
    };
    let mut body = json!({
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "top_k": sampling.top_k,
        "repetition_penalty": sampling.repetition_penalty,
        "max_tokens": sampling.max_tokens,
    });
    if let Some(seed) = sampling.seed {
        body["seed"] = json!(seed);
    }
    body.to_string()
}

/// A 2xx answer, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// `choices[0].message.content`; `None` when the server sent `null`.
    pub content: Option<String>,
    pub server_model: Option<String>,
    pub finish_reason: Option<String>,
    /// The server's token counts (`usage`), as sent.
    pub usage: Option<Value>,
    /// Time of the attempt that succeeded, from sending to the end of the answer.
    pub latency_ms: u64,
}

/// What asking one endpoint about one sample came to.
#[derive(Debug)]
pub enum Outcome {
    Answer(Completion),
    /// The server refused this request for good (a 4xx other than 408/429, or an answer
    /// without usable content): logged on the sample's line, the run goes on.
    SampleFailed {
        message: String,
        status: Option<u16>,
    },
    /// Transport errors or 408/429/5xx through every retry: the endpoint is taken out and the
    /// sample goes to another one.
    EndpointFailed {
        message: String,
    },
}

/// Posts `body` to `<endpoint>/chat/completions`, retrying transient failures; prints one
/// stderr line per retry.
pub fn ask(
    agent: &ureq::Agent,
    endpoint: &str,
    api_key: Option<&str>,
    body: &str,
    policy: &RetryPolicy,
    file_id: &str,
) -> Outcome {
    let url = format!("{}/chat/completions", endpoint.trim_end_matches('/'));
    let mut last = String::new();
    for attempt in 0..=policy.retries {
        let mut retry_after = None;
        let start = Instant::now();
        let mut request = agent.post(&url).header("Content-Type", "application/json");
        if let Some(key) = api_key {
            request = request.header("Authorization", format!("Bearer {key}"));
        }
        match request.send(body) {
            Err(error) => last = format!("{error}"),
            Ok(mut response) => {
                let status = response.status().as_u16();
                retry_after =
                    response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
                match response.body_mut().read_to_string() {
                    Err(error) => last = format!("reading the answer: {error}"),
                    Ok(text) if (200..300).contains(&status) => {
                        let latency_ms = start.elapsed().as_millis() as u64;
                        return match parse_completion(&text, latency_ms) {
                            Ok(completion) => Outcome::Answer(completion),
                            Err(message) => Outcome::SampleFailed { message, status: Some(status) },
                        };
                    }
                    Ok(text) => {
                        let message = format!("HTTP {status}: {}", server_message(&text));
                        if !(status == 408 || status == 429 || status >= 500) {
                            return Outcome::SampleFailed { message, status: Some(status) };
                        }
                        last = message;
                    }
                }
            }
        }
        if attempt < policy.retries {
            let wait = backoff(policy, attempt + 1).max(retry_after.unwrap_or_default().min(MAX_RETRY_AFTER));
            eprintln!(
                "cameo eval run: {file_id} on {endpoint}: {last}; retry {} of {} in {:.1} s",
                attempt + 1,
                policy.retries,
                wait.as_secs_f64()
            );
            std::thread::sleep(wait);
        }
    }
    Outcome::EndpointFailed { message: format!("{url}: gave up after {} attempts; last: {last}", policy.retries + 1) }
}

/// Back-off before retry number `retry` (1-based): base · 2^(retry-1), capped, times a random
/// factor in [0.5, 1.0) so that many clients do not retry in step.
fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let factor = 1u32 << (retry - 1).min(16);
    let full = policy.base.saturating_mul(factor).min(MAX_BACKOFF);
    full.mul_f64(0.5 + fastrand::f64() * 0.5)
}

/// `Retry-After`: whole seconds, or an HTTP date (RFC 9110 IMF-fixdate, which RFC 2822
/// parsing accepts); a date in the past means no wait.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or_default())
}

/// The human-readable message of an error body: vLLM's `{"error": {"message", "type",
/// "code"}}`, its older `{"object": "error", "message", ...}`, a plain `{"error": "..."}`, or
/// else the text itself (one line, at most 300 characters).
pub fn server_message(text: &str) -> String {
    let from_json = serde_json::from_str::<Value>(text).ok().and_then(|value| match value.get("error") {
        Some(Value::Object(error)) => error.get("message").and_then(Value::as_str).map(str::to_string),
        Some(Value::String(message)) => Some(message.clone()),
        _ => value.get("message").and_then(Value::as_str).map(str::to_string),
    });
    let message = from_json.unwrap_or_else(|| text.to_string());
    let one_line = message.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 300 {
        format!("{}…", one_line.chars().take(300).collect::<String>())
    } else {
        one_line
    }
}

/// Reads a 2xx chat-completion answer.
fn parse_completion(text: &str, latency_ms: u64) -> Result<Completion, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("the server's answer is not JSON: {e}"))?;
    let server_model = value.get("model").and_then(Value::as_str).map(str::to_string);
    let choice = value.pointer("/choices/0").ok_or("the server's answer has no choices[0]")?;
    let finish_reason = choice.get("finish_reason").and_then(Value::as_str).map(str::to_string);
    let content = match choice.pointer("/message/content") {
        None => return Err("the server's answer has no choices[0].message.content".to_string()),
        Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Array(parts)) => {
            Some(parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join(""))
        }
        Some(other) => return Err(format!("choices[0].message.content is {}", json_type(other))),
    };
    let usage = value.get("usage").filter(|u| u.is_object()).cloned();
    Ok(Completion { content, server_model, finish_reason, usage, latency_ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_fields() {
        let answer = r#"{"model":"srv","choices":[{"message":{"role":"assistant","content":"Anger"},"finish_reason":"length"}],
            "usage":{"prompt_tokens":90,"completion_tokens":16,"total_tokens":106}}"#;
        let c = parse_completion(answer, 7).unwrap();
        assert_eq!(c.content.as_deref(), Some("Anger"));
        assert_eq!(c.server_model.as_deref(), Some("srv"));
        assert_eq!(c.finish_reason.as_deref(), Some("length"));
        assert_eq!(c.usage.unwrap()["completion_tokens"], 16);
        let null = r#"{"choices":[{"message":{"role":"assistant","content":null},"finish_reason":"stop"}]}"#;
        assert_eq!(parse_completion(null, 0).unwrap().content, None);
        assert!(parse_completion(r#"{"choices":[]}"#, 0).is_err());
        assert!(parse_completion("<html>", 0).is_err());
    }

    #[test]
    fn error_messages_of_each_body_form() {
        let current =
            r#"{"error":{"message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}}"#;
        assert_eq!(server_message(current), "The model `x` does not exist.");
        let older = r#"{"object":"error","message":"audio too long","type":"BadRequestError","param":null,"code":400}"#;
        assert_eq!(server_message(older), "audio too long");
        assert_eq!(server_message(r#"{"error":"loading"}"#), "loading");
        assert_eq!(server_message("Internal\nServer Error"), "Internal Server Error");
        assert_eq!(server_message(&"x".repeat(400)).chars().count(), 301);
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        let later = (chrono::Utc::now() + chrono::TimeDelta::seconds(30)).to_rfc2822();
        let wait = parse_retry_after(&later).unwrap();
        assert!(wait > Duration::from_secs(25) && wait <= Duration::from_secs(30), "{wait:?}");
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let policy = RetryPolicy { retries: 10, base: Duration::from_millis(1000) };
        for retry in 1..=8 {
            let full = Duration::from_millis(1000 << (retry - 1)).min(MAX_BACKOFF);
            let wait = backoff(&policy, retry);
            assert!(wait >= full / 2 && wait < full, "retry {retry}: {wait:?}");
        }
    }

    #[test]
    fn audio_position_orders_the_parts() {
        let sampling =
            Sampling { temperature: 0.0, top_p: 1.0, top_k: -1, repetition_penalty: 1.0, seed: None, max_tokens: 16 };
        for (position, first) in [(AudioPosition::Before, "input_audio"), (AudioPosition::After, "text")] {
            let body: Value = serde_json::from_str(&request_body("m", &sampling, position, "say", b"RIFF")).unwrap();
            assert_eq!(body["messages"][0]["content"][0]["type"], first);
            assert!(body.get("seed").is_none());
            assert_eq!(body["top_k"], -1);
        }
    }
}
