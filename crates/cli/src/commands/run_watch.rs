//! What a `retag compare` run is doing while it runs: the last line of its
//! log, which the child `retag retrain` writes as plain progress lines.
//!
//! Why: each run is a child process whose output goes to its log, so
//! between "[3/21] ... running" and its result a terminal showed nothing for
//! minutes. On a terminal a spinner now carries the run's latest step; in a
//! log file (CI, `nohup`) a plain line repeats it once a minute.

use std::io::{IsTerminal, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often the log is read again.
const POLL: Duration = Duration::from_millis(250);
/// How often a plain line repeats the run's progress when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(60);
/// The end of the log that is read: a progress line is far shorter.
const TAIL_BYTES: u64 = 4096;

/// Shows one run's progress until dropped.
pub struct RunWatch {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RunWatch {
    /// Starts showing `log`'s last line, prefixed with `label`.
    pub fn start(label: String, log: PathBuf) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let stop = Arc::clone(&stop);
            move || watch(&label, &log, &stop)
        });
        Self { stop, thread: Some(thread) }
    }
}

impl Drop for RunWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            // A panic in the display thread must not hide the run's result.
            let _ = thread.join();
        }
    }
}

fn watch(label: &str, log: &Path, stop: &AtomicBool) {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new_spinner();
        let style = ProgressStyle::with_template("    {spinner} {elapsed_precise} {wide_msg}")
            .expect("a fixed, valid template");
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    let mut last_plain = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        // The log is read only when its line is shown: every poll for the
        // spinner, once a minute for plain lines.
        match &bar {
            Some(bar) => {
                if let Some(line) = last_line(log) {
                    bar.set_message(format!("{label}: {line}"));
                }
            }
            None if last_plain.elapsed() >= PLAIN_EVERY => {
                if let Some(line) = last_line(log) {
                    eprintln!("    {label}: {line}");
                    last_plain = Instant::now();
                }
            }
            None => {}
        }
        std::thread::sleep(POLL);
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
}

/// The last non-blank line of `path` (lines end at `\n` or `\r`), or
/// `None` when the file is missing or blank so far.
pub fn last_line(path: &Path) -> Option<String> {
    let mut file = std::fs::File::open(path).ok()?;
    let length = file.metadata().ok()?.len();
    file.seek(SeekFrom::Start(length.saturating_sub(TAIL_BYTES))).ok()?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail).ok()?;
    let text = String::from_utf8_lossy(&tail);
    text.split(['\n', '\r']).map(str::trim).rfind(|line| !line.is_empty()).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_last_line_of_a_log() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("run.log");
        assert_eq!(last_line(&log), None, "no log yet");
        let cases: [(String, Option<&str>); 4] = [
            (String::new(), None),
            ("naive: 3394 train\nstep 50/639 epoch 1 loss 0.41\n\n".to_string(), Some("step 50/639 epoch 1 loss 0.41")),
            ("step 1/9\rstep 2/9\r".to_string(), Some("step 2/9")),
            // Longer than the tail that is read: the last line still comes back whole.
            (format!("{}\nstep 7/9 epoch 2\n", "x".repeat(10_000)), Some("step 7/9 epoch 2")),
        ];
        for (text, expected) in cases {
            std::fs::write(&log, &text).unwrap();
            assert_eq!(last_line(&log).as_deref(), expected, "{text:.40?}");
        }
    }

    #[test]
    fn stops_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        drop(RunWatch::start("naive, seed 42".to_string(), dir.path().join("run.log")));
        assert!(started.elapsed() < Duration::from_secs(5), "the watch thread ended promptly");
    }
}
