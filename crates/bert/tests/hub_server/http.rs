//! Just enough HTTP/1.1 for hf-hub's ureq client. One request per
//! connection: the request is read up to its blank line (hf-hub sends only
//! GETs, which have no body) and answered with `Connection: close`, so ureq
//! never reuses a socket and every request the client makes is one accept
//! here, which keeps the request log exact.

use std::fmt::Write as _;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, TcpStream};

/// What the server saw of one request: enough for a test to tell hf-hub's
/// size probe (`Range: bytes=0-0`) from a download and from a resumed one
/// (`Range: bytes=N-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// The path without its query string, as sent (percent-encoded).
    pub path: String,
    /// The `Range` header's value, if any.
    pub range: Option<String>,
}

impl Request {
    /// Reads the request line and headers from `stream`.
    pub fn read(stream: &TcpStream) -> io::Result<Self> {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let mut words = line.split_whitespace();
        let (Some(method), Some(target)) = (words.next(), words.next()) else {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("not an HTTP request line: {line:?}")));
        };
        let (method, path) = (method.to_owned(), target.split('?').next().unwrap_or(target).to_owned());
        let mut range = None;
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                break;
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("range")
            {
                range = Some(value.trim().to_owned());
            }
        }
        Ok(Self { method, path, range })
    }

    /// hf-hub asks for the first byte of every file before downloading it,
    /// to read the size from `Content-Range`; that is not a download.
    pub fn is_size_probe(&self) -> bool {
        self.range.as_deref() == Some("bytes=0-0")
    }
}

/// How a download goes wrong when a test asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// `Content-Length` announces the whole body, but the connection closes
    /// after this many bytes: a dropped connection, which ureq detects.
    CutShort(usize),
    /// No `Content-Length`, so the body ends where the connection closes
    /// (HTTP/1.0 framing), here after this many bytes: the client has no way
    /// to tell the body was cut.
    CutUnframed(usize),
}

/// An answer to write back: a status, headers and a body, possibly broken on
/// purpose. `Content-Length` and `Connection: close` are added when written.
#[derive(Debug, Clone)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The repo file whose bytes the body is, so that a fault can target it.
    file: Option<String>,
    fault: Option<Fault>,
}

impl Response {
    pub fn new(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new(), file: None, fault: None }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Marks the body as (part of) the repo file `name`.
    pub fn of_file(mut self, name: &str) -> Self {
        self.file = Some(name.to_owned());
        self
    }

    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    pub fn broken(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// Sends the response and closes the sending side, so that the client
    /// sees the body end (or stop short) at once.
    pub fn write_to(&self, mut stream: &TcpStream) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            write!(head, "{name}: {value}\r\n").expect("writing to a String cannot fail");
        }
        let sent = match self.fault {
            None => self.body.len(),
            Some(Fault::CutShort(bytes) | Fault::CutUnframed(bytes)) => bytes.min(self.body.len()),
        };
        if !matches!(self.fault, Some(Fault::CutUnframed(_))) {
            write!(head, "Content-Length: {}\r\n", self.body.len()).expect("writing to a String cannot fail");
        }
        head.push_str("Connection: close\r\n\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(&self.body[..sent])?;
        stream.flush()?;
        stream.shutdown(Shutdown::Write)
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        404 => "Not Found",
        405 => "Method Not Allowed",
        416 => "Range Not Satisfiable",
        _ => "Other",
    }
}
