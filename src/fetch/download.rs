//! One HTTP download into a `.part` file that survives interruptions: a rerun asks for the
//! rest with a `Range` request. Servers that ignore the range (200 instead of 206) get the
//! file from the start again; a 416 means the part is already whole or does not fit.
use super::FetchError;
use crate::progress::Progress;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

/// What a download did, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadOutcome {
    /// Bytes already in the `.part` file that were kept (0 for a fresh download).
    pub resumed_from: u64,
    /// The server ignored or refused the range request and the file was fetched anew.
    pub restarted: bool,
}

/// The agent used for downloads: statuses come back as responses (206/416 are handled here),
/// and a stalled connection fails instead of hanging.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(120)))
        .timeout_per_read(Some(Duration::from_secs(120)))
        .user_agent(concat!("cameo/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// `Content-Range: bytes START-END/TOTAL` or `bytes */TOTAL`: (start, total).
fn parse_content_range(value: &str) -> (Option<u64>, Option<u64>) {
    let Some(rest) = value.trim().strip_prefix("bytes") else { return (None, None) };
    let (range, total) = rest.trim().split_once('/').unwrap_or((rest.trim(), "*"));
    let start = range.split_once('-').and_then(|(start, _)| start.trim().parse().ok());
    (start, total.trim().parse().ok())
}

fn header<'a>(response: &'a ureq::http::Response<ureq::Body>, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|value| value.to_str().ok())
}

/// Downloads `url` into `part`, continuing what is already there. `expected_size` (from the
/// manifest) lets a part that is already whole skip the request. On an interrupted transfer
/// the part is kept, and the error says that a rerun resumes it.
pub fn download(
    agent: &ureq::Agent,
    url: &str,
    part: &Path,
    file: &str,
    expected_size: Option<u64>,
    quiet: bool,
) -> Result<DownloadOutcome, FetchError> {
    let io = |source| FetchError::Io { path: part.to_path_buf(), source };
    let failed = |message: String| FetchError::Download { file: file.to_string(), message };
    if url.starts_with("https://") && !cfg!(feature = "https") {
        return Err(failed(format!("{url}: this cameo was built without the `https` feature; rebuild with it")));
    }
    let mut offset = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    let mut outcome = DownloadOutcome { resumed_from: offset, restarted: false };
    if let Some(size) = expected_size {
        if offset == size {
            return Ok(outcome);
        }
        if offset > size {
            // Longer than the file can be: not a prefix of it.
            offset = 0;
            outcome = DownloadOutcome { resumed_from: 0, restarted: true };
        }
    }
    // At most two requests: a refused range (416 on a part that does not fit) starts over once.
    for _ in 0..2 {
        let mut request = agent.get(url);
        if offset > 0 {
            request = request.header("Range", format!("bytes={offset}-"));
        }
        let response = request.call().map_err(|error| FetchError::Http {
            file: file.into(),
            url: url.into(),
            message: error.to_string(),
        })?;
        let status = response.status().as_u16();
        let content_range = header(&response, "content-range").map(parse_content_range);
        let append = match status {
            206 if offset > 0 => match content_range {
                Some((Some(start), _)) if start == offset => true,
                _ => {
                    return Err(failed(format!(
                        "{url}: the server answered the request for bytes {offset}- with another range ({}); delete {} to download it afresh",
                        header(&response, "content-range").unwrap_or("no Content-Range"),
                        part.display()
                    )))
                }
            },
            200 | 206 => {
                if offset > 0 {
                    outcome = DownloadOutcome { resumed_from: 0, restarted: true };
                    if !quiet {
                        eprintln!("{file}: the server does not resume downloads; starting over");
                    }
                }
                false
            }
            416 if offset > 0 => {
                if let Some((_, Some(total))) = content_range {
                    if total == offset {
                        return Ok(outcome);
                    }
                }
                // The part does not fit the file on the server (it changed, or the part is wrong).
                offset = 0;
                outcome = DownloadOutcome { resumed_from: 0, restarted: true };
                continue;
            }
            _ => return Err(failed(format!("{url}: HTTP status {status}"))),
        };
        let length = response.body().content_length();
        let total = match (append, content_range) {
            (true, Some((_, Some(total)))) => Some(total),
            _ => length.map(|length| if append { offset + length } else { length }).or(expected_size),
        };
        let start = if append { offset } else { 0 };
        let mut output =
            OpenOptions::new().create(true).write(true).append(append).truncate(!append).open(part).map_err(io)?;
        let progress = Progress::bytes(file, start, total, quiet);
        let mut reader = response.into_body().into_reader();
        let mut buffer = vec![0u8; 1 << 18];
        let mut written = 0u64;
        let copied = loop {
            match reader.read(&mut buffer) {
                Ok(0) => break Ok(()),
                Ok(read) => {
                    output.write_all(&buffer[..read]).map_err(io)?;
                    written += read as u64;
                    progress.add(read as u64);
                    if crate::interrupt::requested().is_some() {
                        progress.finish();
                        output.flush().map_err(io)?;
                        crate::interrupt::Interrupted::check(|| {
                            format!("{} bytes of {file} are kept in {}", start + written, part.display())
                        })?;
                    }
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => break Err(error),
            }
        };
        progress.finish();
        output.flush().map_err(io)?;
        let have = start + written;
        let short = total.is_some_and(|total| have < total);
        if copied.is_err() || short {
            let cause = copied.err().map(|error| format!(": {error}")).unwrap_or_default();
            let of = total.map(|total| format!(" of {total}")).unwrap_or_default();
            return Err(failed(format!(
                "{url}: the transfer stopped after {have}{of} bytes{cause}; {} is kept, run `cameo fetch` again to resume",
                part.display()
            )));
        }
        return Ok(outcome);
    }
    Err(failed(format!("{url}: the server refuses the range request even from the start")))
}

#[cfg(test)]
mod tests {
    use super::parse_content_range;

    #[test]
    fn content_range_forms() {
        assert_eq!(parse_content_range("bytes 100-199/200"), (Some(100), Some(200)));
        assert_eq!(parse_content_range("bytes */200"), (None, Some(200)));
        assert_eq!(parse_content_range("bytes 5-9/*"), (Some(5), None));
        assert_eq!(parse_content_range("items 1-2/3"), (None, None));
    }
}
