//! A tiny HTTP/1.1 client over `std::net::TcpStream`, just enough to compare two servers: one
//! `GET` per connection (`Connection: close`), the status, the headers that change what a
//! browser does with the body (`Content-Type`, `Location`), and the body (plain, with
//! `Content-Length`, or chunked). No TLS, no redirects followed, no compression asked for.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// At most this many bytes of a response are read; a longer body is cut and marked.
pub const MAX_RESPONSE_BYTES: usize = 8 << 20;

/// One HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code (200, 404...).
    pub status: u16,
    /// The `Content-Type` header, as sent.
    pub content_type: Option<String>,
    /// The `Location` header, as sent.
    pub location: Option<String>,
    /// The body (after chunked decoding), cut at [`MAX_RESPONSE_BYTES`].
    pub body: Vec<u8>,
    /// The response was longer than [`MAX_RESPONSE_BYTES`].
    pub truncated: bool,
}

/// Why a request got no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// Connecting, sending or reading failed.
    #[error("{0}")]
    Io(String),
    /// The server answered something that is not HTTP/1.x.
    #[error("not an HTTP response: {0}")]
    Malformed(String),
}

/// What knocking on a port found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Knock {
    /// Nothing accepts connections there yet (refused, or accepted and closed at once, as a
    /// port-forwarding proxy does while the container's own port is still closed).
    Closed,
    /// A server accepted the connection and answered.
    Answers,
    /// A server accepted the connection but said nothing within the wait (not HTTP, or slow).
    Silent,
    /// Accepted, then closed or reset without a byte: a program whose handler fails (a panic
    /// per request), or a port-forwarding proxy in front of a port that is still closed.
    HungUp,
}

impl Knock {
    /// Whether a program listens there. A hang-up counts only where nothing stands between
    /// the host and the container (`direct`: buildah's host network), since docker's and
    /// podman's port forwarding hang up while the container's own port is still closed.
    pub fn is_open(self, direct: bool) -> bool {
        match self {
            Knock::Answers | Knock::Silent => true,
            Knock::HungUp => direct,
            Knock::Closed => false,
        }
    }
}

fn request_bytes(host: &str, path: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: dockslim-verify\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

/// Connects to `addr`, sends `GET /`, and waits up to `wait` for the first byte of an answer.
pub fn knock(addr: SocketAddr, wait: Duration) -> Knock {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return Knock::Closed;
    };
    let _ = s.set_read_timeout(Some(wait));
    if s.write_all(&request_bytes(&addr.to_string(), "/")).is_err() {
        return Knock::HungUp;
    }
    let mut byte = [0u8; 1];
    match s.read(&mut byte) {
        Ok(0) => Knock::HungUp,
        Ok(_) => Knock::Answers,
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Knock::Silent,
        Err(_) => Knock::HungUp,
    }
}

/// Sends `GET path` to `addr` and reads the whole response within `timeout`.
pub fn get(addr: SocketAddr, path: &str, timeout: Duration) -> Result<Response, HttpError> {
    let io = |e: std::io::Error| HttpError::Io(e.to_string());
    let deadline = Instant::now() + timeout;
    let mut s = TcpStream::connect_timeout(&addr, timeout).map_err(io)?;
    s.set_write_timeout(Some(timeout)).map_err(io)?;
    s.write_all(&request_bytes(&addr.to_string(), path)).map_err(io)?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HttpError::Io(format!(
                "no complete answer within {} s",
                timeout.as_secs()
            )));
        }
        s.set_read_timeout(Some(left)).map_err(io)?;
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.len() > MAX_RESPONSE_BYTES || complete(&raw) {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // a reset after a complete answer is still an answer
            Err(_) if complete(&raw) => break,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(HttpError::Io(format!(
                    "no complete answer within {} s",
                    timeout.as_secs()
                )));
            }
            Err(e) => return Err(io(e)),
        }
    }
    parse_response(&raw)
}

/// Whether `raw` holds a whole response by its own framing (so a server that keeps the
/// connection open despite `Connection: close` is not waited for).
fn complete(raw: &[u8]) -> bool {
    let Some((head, body_at)) = split_head(raw) else {
        return false;
    };
    let body = &raw[body_at..];
    let head = String::from_utf8_lossy(head);
    if header(&head, "transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked")) {
        return dechunk(body).is_some_and(|(_, done)| done);
    }
    match header(&head, "content-length").and_then(|v| v.trim().parse::<usize>().ok()) {
        Some(n) => body.len() >= n,
        None => false,
    }
}

/// The head (status line and headers) and where the body starts.
fn split_head(raw: &[u8]) -> Option<(&[u8], usize)> {
    if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
        return Some((&raw[..i], i + 4));
    }
    raw.windows(2).position(|w| w == b"\n\n").map(|i| (&raw[..i], i + 2))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// Decodes a chunked body: the data, and whether the last (empty) chunk was seen.
fn dechunk(mut body: &[u8]) -> Option<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            return Some((out, false));
        };
        let size_text = String::from_utf8_lossy(&body[..eol]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        body = &body[eol + 2..];
        if size == 0 {
            return Some((out, true));
        }
        if body.len() < size {
            out.extend_from_slice(body);
            return Some((out, false));
        }
        out.extend_from_slice(&body[..size]);
        body = body.get(size + 2..).unwrap_or(&[]);
    }
}

/// Parses a whole HTTP/1.x response.
pub fn parse_response(raw: &[u8]) -> Result<Response, HttpError> {
    let first_line = || {
        let end = raw.iter().position(|&b| b == b'\n').unwrap_or(raw.len()).min(80);
        String::from_utf8_lossy(&raw[..end]).trim().to_string()
    };
    let Some((head, body_at)) = split_head(raw) else {
        return Err(HttpError::Malformed(if raw.is_empty() {
            "the connection closed without an answer".to_string()
        } else {
            format!("no end of headers after {:?}", first_line())
        }));
    };
    let head = String::from_utf8_lossy(head);
    let status_line = head.lines().next().unwrap_or("");
    let mut parts = status_line.split_whitespace();
    let status = match (parts.next(), parts.next().map(str::parse::<u16>)) {
        (Some(v), Some(Ok(code))) if v.starts_with("HTTP/1.") => code,
        _ => return Err(HttpError::Malformed(format!("{:?}", first_line()))),
    };
    let rest = &raw[body_at..];
    let chunked = header(&head, "transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let mut body = if chunked {
        dechunk(rest)
            .ok_or_else(|| HttpError::Malformed("bad chunked body".to_string()))?
            .0
    } else {
        match header(&head, "content-length").and_then(|v| v.trim().parse::<usize>().ok()) {
            Some(n) if n <= rest.len() => rest[..n].to_vec(),
            _ => rest.to_vec(),
        }
    };
    let truncated = raw.len() > MAX_RESPONSE_BYTES;
    body.truncate(MAX_RESPONSE_BYTES);
    Ok(Response {
        status,
        content_type: header(&head, "content-type").map(str::to_string),
        location: header(&head, "location").map(str::to_string),
        body,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn plain_response_with_content_length() {
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/css; charset=utf-8\r\nContent-Length: 5\r\n\r\nbody!extra",
        )
        .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.content_type.as_deref(), Some("text/css; charset=utf-8"));
        assert_eq!(r.body, b"body!");
        assert!(!r.truncated);
    }

    #[test]
    fn chunked_body_is_decoded() {
        let raw =
            b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n4\r\nnot \r\n5;x=1\r\nfound\r\n0\r\n\r\n";
        let r = parse_response(raw).unwrap();
        assert_eq!((r.status, r.body.as_slice()), (404, b"not found".as_slice()));
        assert!(complete(raw));
        assert!(!complete(&raw[..raw.len() - 5]));
    }

    #[test]
    fn body_until_close_and_redirects() {
        let r = parse_response(b"HTTP/1.0 301 Moved\nLocation: /new/\n\nsee /new/").unwrap();
        assert_eq!(r.status, 301);
        assert_eq!(r.location.as_deref(), Some("/new/"));
        assert_eq!(r.body, b"see /new/");
    }

    #[test]
    fn what_is_not_http_is_said() {
        assert_eq!(
            parse_response(b""),
            Err(HttpError::Malformed("the connection closed without an answer".into()))
        );
        let e = parse_response(b"SSH-2.0-OpenSSH_9.2\r\n\r\n").unwrap_err();
        assert!(e.to_string().contains("SSH-2.0"), "{e}");
    }

    /// Serves `answer` once on a fresh port and returns the port and the request it read.
    fn serve_once(answer: &'static [u8]) -> (SocketAddr, std::thread::JoinHandle<String>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.ends_with(b"\r\n\r\n") {
                let n = s.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                req.extend_from_slice(&buf[..n]);
            }
            s.write_all(answer).unwrap();
            String::from_utf8(req).unwrap()
        });
        (addr, h)
    }

    #[test]
    fn get_talks_to_a_real_socket() {
        let (addr, h) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
        let r = get(addr, "/static/style.css", Duration::from_secs(10)).unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, b"hi".as_slice()));
        let req = h.join().unwrap();
        assert!(req.starts_with("GET /static/style.css HTTP/1.1\r\n"), "{req}");
        assert!(req.contains("\r\nConnection: close\r\n"), "{req}");
    }

    #[test]
    fn knock_tells_closed_from_answering() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let free = l.local_addr().unwrap();
        drop(l);
        assert_eq!(knock(free, Duration::from_millis(200)), Knock::Closed);
        let (addr, h) = serve_once(b"HTTP/1.1 200 OK\r\n\r\n");
        assert_eq!(knock(addr, Duration::from_secs(5)), Knock::Answers);
        h.join().unwrap();
        // accepts, reads, says nothing
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let h = std::thread::spawn(move || {
            let (s, _) = l.accept().unwrap();
            std::thread::sleep(Duration::from_millis(600));
            drop(s);
        });
        assert_eq!(knock(addr, Duration::from_millis(200)), Knock::Silent);
        h.join().unwrap();
        // accepts and closes at once (a handler that panics, scoreboard: ali-eljerrari/rust-scrap-app)
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let h = std::thread::spawn(move || drop(l.accept().unwrap()));
        assert_eq!(knock(addr, Duration::from_secs(5)), Knock::HungUp);
        h.join().unwrap();
    }

    #[test]
    fn a_hang_up_is_a_listener_only_without_port_forwarding() {
        assert!(Knock::HungUp.is_open(true));
        assert!(!Knock::HungUp.is_open(false));
        assert!(Knock::Answers.is_open(false) && Knock::Silent.is_open(false));
        assert!(!Knock::Closed.is_open(true));
    }
}
