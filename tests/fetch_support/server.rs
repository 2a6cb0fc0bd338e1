//! A small HTTP/1.1 file server on 127.0.0.1 for the fetch tests (never the internet). It
//! logs every request with its `Range` header, answers ranges with 206 (or 416), and can be told
//! to ignore ranges (answering 200) or to cut the connection after some body bytes.
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Answers every request with the whole file and 200, as servers without range support do.
    IgnoreRange,
    /// Announces the full length but closes the connection after this many body bytes.
    CutAfter(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub path: String,
    pub range: Option<String>,
}

#[derive(Default)]
struct State {
    files: HashMap<String, (Vec<u8>, Mode)>,
    log: Vec<Request>,
}

pub struct Server {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let _ = handle(stream, &state);
                });
            }
        });
        Server { port, state }
    }

    /// Serves `bytes` at `/<name>` (replacing what was served there).
    pub fn serve(&self, name: &str, bytes: Vec<u8>, mode: Mode) {
        self.state.lock().unwrap().files.insert(format!("/{name}"), (bytes, mode));
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().log.clone()
    }
}

fn handle(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut range = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("range") {
                range = Some(value.trim().to_string());
            }
        }
    }
    let served = {
        let mut state = state.lock().unwrap();
        state.log.push(Request { path: path.clone(), range: range.clone() });
        state.files.get(&path).cloned()
    };
    let mut stream = stream;
    let Some((bytes, mode)) = served else {
        return stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    };
    let start = match (mode, range.as_deref().and_then(|r| r.strip_prefix("bytes="))) {
        (Mode::IgnoreRange, _) | (_, None) => None,
        (_, Some(spec)) => spec.trim_end_matches('-').parse::<usize>().ok(),
    };
    let (status, body, content_range) = match start {
        None => ("200 OK", &bytes[..], None),
        Some(start) if start >= bytes.len() => {
            let head = format!(
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                bytes.len()
            );
            return stream.write_all(head.as_bytes());
        }
        Some(start) => {
            ("206 Partial Content", &bytes[start..], Some(format!("bytes {start}-{}/{}", bytes.len() - 1, bytes.len())))
        }
    };
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    if let Some(content_range) = content_range {
        head.push_str(&format!("Content-Range: {content_range}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    match mode {
        Mode::CutAfter(count) => stream.write_all(&body[..count.min(body.len())])?,
        _ => stream.write_all(body)?,
    }
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Both)
}
