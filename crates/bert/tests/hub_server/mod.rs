//! A stand-in for the HuggingFace hub on the loopback, so that the `hub`
//! feature's download path is tested for real on a machine without a
//! network: a `std::net` HTTP/1.1 server on `127.0.0.1:0`, on its own
//! thread, serving [`ServedRepo`]s as the hub serves them to hf-hub 0.4.3's
//! sync client ([`routes`]). It logs every request, so that a test can assert
//! what was (not) fetched, and breaks the next download of a file on request
//! ([`Fault`]).
//!
//! Each test starts its own server on its own port: tests run in parallel
//! threads and must not see each other's requests.

#![allow(dead_code)] // not every test uses every helper

mod http;
mod repo;
mod routes;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub use http::{Fault, Request};
pub use repo::{ServedRepo, etag};

/// The running server; stopped when dropped.
pub struct HubServer {
    address: SocketAddr,
    url: String,
    shared: Arc<Shared>,
    accept_loop: Option<JoinHandle<()>>,
}

/// What the test and the server thread both see.
struct Shared {
    repos: Vec<ServedRepo>,
    log: Mutex<Vec<Request>>,
    /// `(file, fault)`: the next download of `file` breaks so, once.
    faults: Mutex<Vec<(String, Fault)>>,
    stopping: AtomicBool,
}

impl HubServer {
    pub fn start(repos: Vec<ServedRepo>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on the loopback");
        let address = listener.local_addr().expect("a bound listener has an address");
        let url = format!("http://{address}");
        let shared = Arc::new(Shared {
            repos,
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
        });
        let accept_loop = {
            let (shared, url) = (Arc::clone(&shared), url.clone());
            std::thread::spawn(move || serve(&listener, &shared, &url))
        };
        Self { address, url, shared, accept_loop: Some(accept_loop) }
    }

    /// The endpoint to give `ResolveOptions`, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.log.lock().expect("the server thread never panics holding the log").clone()
    }

    /// Breaks the next download of `file` (not its `bytes=0-0` size probe)
    /// with `fault`; later downloads go well.
    pub fn break_next_download(&self, file: &str, fault: Fault) {
        self.shared
            .faults
            .lock()
            .expect("the server thread never panics holding the faults")
            .push((file.to_owned(), fault));
    }

    /// Stops accepting and closes the port, so that the hub is unreachable.
    pub fn stop(&mut self) {
        let Some(accept_loop) = self.accept_loop.take() else { return };
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the blocked `accept` so that it sees the flag.
        let _ = TcpStream::connect(self.address);
        accept_loop.join().expect("the server thread does not panic");
    }
}

impl Drop for HubServer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Shared {
    fn take_fault(&self, file: &str) -> Option<Fault> {
        let mut faults = self.faults.lock().expect("the server thread never panics holding the faults");
        let index = faults.iter().position(|(name, _)| name == file)?;
        Some(faults.remove(index).1)
    }
}

/// Answers connections one at a time until stopped: hf-hub's sync client
/// makes one request at a time, and each connection carries one request.
fn serve(listener: &TcpListener, shared: &Shared, url: &str) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        // A client that stalls must not hang the test run.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        let Ok(request) = Request::read(&stream) else { continue };
        shared.log.lock().expect("the server thread never panics holding the log").push(request.clone());
        let mut response = routes::answer(&shared.repos, &request, url);
        if let Some(file) = response.file()
            && !request.is_size_probe()
            && let Some(fault) = shared.take_fault(file)
        {
            response = response.broken(fault);
        }
        // The client may hang up first: hf-hub drops the size probe's
        // answer unread.
        let _ = response.write_to(&stream);
    }
}
