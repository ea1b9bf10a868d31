//! Kills, as a user (or an out-of-memory killer, or a preempted machine)
//! deals them: `retag retrain` runs as a real process, is SIGKILLed at
//! seeded random moments (`Child::kill` is SIGKILL on Unix), and `--resume`
//! must end with the bytes of an uninterrupted run: the same
//! `model.safetensors`, the same scores in `metrics.json`, the same
//! evaluation log (timings aside). Also what guards a run folder: a second
//! run while one is live is refused naming the folder and the live run's
//! pid, and a resume on other data is refused naming the data.
//!
//! The library's own resume test (crates/train/tests/training.rs) stops a
//! loop between steps; only a real kill lands inside a checkpoint write, an
//! evaluation or the setup, and leaves the lock file of a dead process.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use retag_train::checkpoint::{CHECKPOINT, Checkpoint};
use tempfile::TempDir;

/// Sentences of the training file: 4 a batch, so 24 steps an epoch.
const TRAIN_SENTENCES: usize = 96;
const BATCH: usize = 4;
const EPOCHS: usize = 3;
const STEPS: usize = TRAIN_SENTENCES.div_ceil(BATCH) * EPOCHS;
/// A checkpoint after every step, so that a kill loses at most one; rates
/// high enough that the tiny model's scores move off zero, so that equal
/// scores mean something.
const CONFIG: &str = "checkpoint_every_steps = 1\nbatch_size = 4\nepochs = 3\n\
                      learning_rate = 0.005\nhead_learning_rate = 0.05\n";
/// The name the atomic writer gives a checkpoint while it writes it.
const PARTIAL: &str = ".checkpoint.bin.partial";
/// Longest a test waits for a moment in a run before it gives up.
const PATIENCE: Duration = Duration::from_secs(60);

/// A small seeded generator (an LCG): the data and the kill moments.
struct Lcg(u64);

impl Lcg {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(6364136223846793005).wrapping_add(1))
    }

    fn below(&mut self, bound: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % bound as u64) as usize
    }

    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.below(words.len())]
    }
}

/// `count` sentences of the new tagset (`person`, `city`) in words of the
/// tiny vocabulary, one `word TAG` per line.
fn sentences(count: usize, seed: u64) -> String {
    const FIRST: &[&str] = &["ann", "bob", "eve"];
    const SURNAMES: &[&str] = &["smith", "jones"];
    const CITIES: &[&str] = &["paris", "rome", "oslo", "london", "lima"];
    const OTHERS: &[&str] = &["the", "went", "to", "in", "and", "of", "is", "was", "today", "saw", "met", "big", "old"];
    let mut rng = Lcg::new(seed);
    let mut text = String::new();
    for _ in 0..count {
        let len = 3 + rng.below(7);
        let mut words = 0;
        while words < len {
            let pairs: Vec<(&str, &str)> = match rng.below(6) {
                0 => vec![(rng.pick(FIRST), "B-person")],
                1 => vec![(rng.pick(FIRST), "B-person"), (rng.pick(SURNAMES), "I-person")],
                2 => vec![(rng.pick(CITIES), "B-city")],
                3 => vec![("new", "B-city"), ("york", "I-city")],
                _ => vec![(rng.pick(OTHERS), "O")],
            };
            for (word, tag) in pairs {
                text.push_str(&format!("{word} {tag}\n"));
                words += 1;
            }
        }
        text.push('\n');
    }
    text
}

/// A folder with the tiny checkpoint (labels O, B/I-PER, B/I-LOC) and its
/// vocabulary, the data, the config and the warm-start mapping.
struct Fixture {
    dir: TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = TempDir::new().expect("a temporary directory");
        let model = dir.path().join("model");
        std::fs::create_dir(&model).expect("the model folder");
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for file in ["config.json", "model.safetensors"] {
            std::fs::copy(crates.join("bert/tests/fixtures/tiny-bert-ner").join(file), model.join(file))
                .expect("copying the fixture");
        }
        std::fs::copy(crates.join("predict/tests/fixtures/tiny-bert-ner-vocab.txt"), model.join("vocab.txt"))
            .expect("copying the vocabulary");
        let fixture = Self { dir };
        fixture.write("train.txt", &sentences(TRAIN_SENTENCES, 1));
        fixture.write("dev.txt", &sentences(16, 2));
        fixture.write("config.toml", CONFIG);
        fixture.write("map.toml", "[types]\nPER = \"person\"\nLOC = \"city\"\n");
        fixture
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).expect("writing a test file");
        path
    }

    /// `retag retrain` of `strategy` on `train` into the model folder `name`
    /// and the run folder `run.run`, progress in plain lines.
    fn retrain(&self, strategy: &str, train: &str, name: &str, run: &str, resume: bool) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_retag"));
        command.arg("retrain").arg("--model").arg(self.path("model")).args(["--strategy", strategy]);
        if strategy == "warm-start" {
            command.arg("--mapping").arg(self.path("map.toml"));
        }
        command
            .arg("--train")
            .arg(self.path(train))
            .arg("--dev")
            .arg(self.path("dev.txt"))
            .arg("--config")
            .arg(self.path("config.toml"))
            .arg("--out")
            .arg(self.path(name))
            .arg("--run-dir")
            .arg(self.run_dir(run))
            .args(["--progress", "plain"]);
        if resume {
            command.arg("--resume");
        }
        command
    }

    fn run_dir(&self, name: &str) -> PathBuf {
        self.path(&format!("{name}.run"))
    }

    /// Starts a run whose errors go to the file `log` (a pipe nobody
    /// reads could fill and stall it).
    fn spawn(&self, mut command: Command, log: &str) -> Running {
        let log = File::create(self.path(log)).expect("a log file");
        Running(command.stdout(Stdio::null()).stderr(log).spawn().expect("the retag binary starts"))
    }
}

/// A child process killed when dropped, so that a failing test leaves no
/// run behind.
struct Running(Child);

impl Running {
    fn still_running(&mut self) -> bool {
        self.0.try_wait().expect("the child can be polled").is_none()
    }

    /// SIGKILL on Unix: no destructor, no flush, no lock released by hand.
    fn kill(&mut self) -> std::process::ExitStatus {
        self.0.kill().expect("the child can be killed");
        self.0.wait().expect("the killed child is reaped")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.still_running() {
            let _ = self.kill();
        }
    }
}

fn succeed(output: &Output, what: &str) {
    assert!(output.status.success(), "{what} failed: {}", String::from_utf8_lossy(&output.stderr));
}

fn fail(output: &Output, what: &str) -> String {
    assert!(!output.status.success(), "{what} should have failed: {}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The step of the run folder's checkpoint, when there is one.
fn checkpoint_step(run_dir: &Path) -> Option<usize> {
    Checkpoint::read(&run_dir.join(CHECKPOINT)).ok().map(|checkpoint| checkpoint.header.state.step)
}

fn evaluations(run_dir: &Path) -> usize {
    std::fs::read_to_string(run_dir.join("evaluations.jsonl")).map_or(0, |log| log.lines().count())
}

/// Polls until `reached` holds or `child` exits; true when it was reached
/// with the child still running.
fn wait_for(child: &mut Running, mut reached: impl FnMut() -> bool) -> bool {
    let started = Instant::now();
    loop {
        if !child.still_running() {
            return false;
        }
        if reached() {
            return true;
        }
        assert!(started.elapsed() < PATIENCE, "the run did not get there in {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// When to kill a session.
#[derive(Debug, Clone, Copy)]
enum Moment {
    /// Once the checkpoint holds this step.
    Step(usize),
    /// Once the evaluation log has this many lines.
    Evaluations(usize),
}

/// What must match an uninterrupted run: the model's bytes, its scores
/// (`metrics.json` without timings and paths), the evaluation log without
/// its timings.
#[derive(Debug, PartialEq)]
struct Ending {
    model: Vec<u8>,
    metrics: serde_json::Value,
    log: Vec<serde_json::Value>,
}

fn ending(fixture: &Fixture, name: &str) -> Ending {
    let out = fixture.path(name);
    let mut metrics: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("metrics.json")).unwrap_or_else(|error| panic!("{name}/metrics.json: {error}")),
    )
    .expect("metrics.json is JSON");
    let object = metrics.as_object_mut().expect("metrics.json is an object");
    assert!(object.remove("timing").is_some() && object.remove("run_dir").is_some(), "{metrics}");
    let log = std::fs::read_to_string(fixture.run_dir(name).join("evaluations.jsonl"))
        .expect("the evaluation log")
        .lines()
        .map(|line| {
            let mut record: serde_json::Value = serde_json::from_str(line).expect("a log line is JSON");
            record.as_object_mut().expect("a record").remove("elapsed_secs");
            record
        })
        .collect();
    Ending { model: std::fs::read(out.join("model.safetensors")).unwrap_or_default(), metrics, log }
}

/// Runs `strategy` uninterrupted, and again killed at `moments` (one kill
/// per session, each resumed with `--resume`), and compares the two. Before
/// the second resume a stale partial checkpoint is left in the run folder,
/// as a kill inside the checkpoint write leaves one.
fn killed_runs_end_as_an_uninterrupted_one(strategy: &str, seed: u64) {
    let fixture = Fixture::new();
    // The uninterrupted run, beside the killed ones (the kills wait for
    // steps, not for time, so sharing the cores does not move them).
    let mut whole = fixture.spawn(fixture.retrain(strategy, "train.txt", "whole", "whole", false), "whole.log");

    let mut rng = Lcg::new(seed);
    let per_epoch = STEPS / EPOCHS;
    let moments = [
        // In the first epoch, before any evaluation.
        Moment::Step(1 + rng.below(per_epoch - 4)),
        // Right after the first evaluation (or, when the kill before came
        // after it but before the checkpoint that counts it, in the setup).
        Moment::Evaluations(1),
        // In the first half of the last epoch.
        Moment::Step(STEPS - per_epoch + 1 + rng.below(per_epoch / 2)),
    ];
    let run_dir = fixture.run_dir("killed");
    let mut kills = Vec::new();
    let mut finished = None;
    for (session, moment) in moments.into_iter().enumerate() {
        if session == 1 {
            std::fs::write(run_dir.join(PARTIAL), b"retag-checkpoint\nhalf a checkp").expect("a stale partial file");
        }
        let log = format!("killed-{session}.log");
        let command = fixture.retrain(strategy, "train.txt", "killed", "killed", session > 0);
        let mut child = fixture.spawn(command, &log);
        let mut last_seen = None;
        let reached = wait_for(&mut child, || match moment {
            Moment::Step(step) => {
                last_seen = checkpoint_step(&run_dir);
                last_seen.is_some_and(|at| at >= step)
            }
            Moment::Evaluations(lines) => evaluations(&run_dir) >= lines,
        });
        // A random extra delay, so the kill falls anywhere in a step: in the
        // forward pass, the update, the checkpoint write, the evaluation.
        std::thread::sleep(Duration::from_millis(rng.below(40) as u64));
        let running = reached && child.still_running();
        let status = child.kill();
        let log = std::fs::read_to_string(fixture.path(&log)).unwrap_or_default();
        if !running && session + 1 == moments.len() && status.success() {
            // A starved test thread saw the last moment too late and the
            // run finished: the kills before it were still resumed from.
            eprintln!("{strategy}: session {session} finished before the kill at {moment:?}");
            finished = Some(log);
            break;
        }
        assert!(
            running,
            "session {session} ended before the kill at {moment:?} ({status}, last checkpoint seen at step \
             {last_seen:?}): {log}"
        );
        kills.push((moment, checkpoint_step(&run_dir)));
    }
    eprintln!("{strategy}: (moment, checkpoint step) of each kill: {kills:?}");
    assert!(
        kills.windows(2).all(|pair| pair[0].1 <= pair[1].1),
        "each session went on from the last checkpoint: {kills:?}"
    );

    let last_log = match finished {
        Some(log) => log,
        None => {
            let finish = fixture.retrain(strategy, "train.txt", "killed", "killed", true).output();
            let finish = finish.expect("the retag binary runs");
            succeed(&finish, "the last resume");
            String::from_utf8_lossy(&finish.stderr).into_owned()
        }
    };
    assert!(
        last_log.contains("ended without releasing it") && last_log.contains("run.lock"),
        "the lock of the killed run is taken over with a note: {last_log}"
    );
    assert!(!run_dir.join(PARTIAL).exists(), "the stale partial checkpoint was replaced and renamed away");

    let whole = whole.0.wait().expect("the uninterrupted run ends");
    let whole_log = std::fs::read_to_string(fixture.path("whole.log")).unwrap_or_default();
    assert!(whole.success(), "the uninterrupted run failed: {whole_log}");
    let (expected, got) = (ending(&fixture, "whole"), ending(&fixture, "killed"));
    assert!(!expected.model.is_empty(), "the uninterrupted run wrote its model");
    assert!(expected.model == got.model, "{strategy}: the model's bytes differ after kills at {kills:?}");
    assert_eq!(expected.metrics, got.metrics, "{strategy}: the scores differ after kills at {kills:?}");
    assert_eq!(expected.log, got.log, "{strategy}: the evaluation log differs after kills at {kills:?}");
    assert_eq!(got.log.len(), EPOCHS, "an evaluation per epoch");
}

#[test]
fn a_naive_retrain_killed_three_times_ends_as_an_uninterrupted_one() {
    killed_runs_end_as_an_uninterrupted_one("naive", 7);
}

#[test]
fn a_warm_start_killed_three_times_ends_as_an_uninterrupted_one() {
    killed_runs_end_as_an_uninterrupted_one("warm-start", 11);
}

/// A second run in a live run's folder is refused, with or without
/// `--resume`, naming the folder and the live run's pid.
#[test]
fn a_second_run_in_a_live_run_folder_is_refused() {
    let fixture = Fixture::new();
    // Long enough to outlive the refusals (no early stop); it is killed once they are seen.
    fixture.write("config.toml", &(CONFIG.replace("epochs = 3", "epochs = 30") + "patience = 100\n"));
    let run_dir = fixture.run_dir("first");
    let mut first = fixture.spawn(fixture.retrain("naive", "train.txt", "first", "first", false), "first.log");
    let pid = first.0.id();
    // Training has begun once the lock file names the first run.
    let lock = run_dir.join("run.lock");
    let holds =
        wait_for(&mut first, || std::fs::read_to_string(&lock).is_ok_and(|text| text.trim() == pid.to_string()));
    let first_log = std::fs::read_to_string(fixture.path("first.log")).unwrap_or_default();
    assert!(holds, "the first run took the lock: {first_log}");

    for (out, resume) in [("second", false), ("third", true)] {
        let output =
            fixture.retrain("naive", "train.txt", out, "first", resume).output().expect("the retag binary runs");
        let stderr = fail(&output, &format!("a second run (resume: {resume})"));
        for expected in [run_dir.display().to_string(), format!("process {pid}"), "already training".into()] {
            assert!(stderr.contains(&expected), "resume: {resume}: {expected:?} missing from: {stderr}");
        }
        assert!(!fixture.path(out).exists(), "the refused run wrote no model");
        assert!(!stderr.contains("interrupted run"), "a live run is not called interrupted: {stderr}");
    }
    assert!(first.still_running(), "the first run was live while the others were refused");
}

/// A run folder's checkpoint belongs to its data: `--resume` with other
/// training data of the same size (one word changed) is refused, naming it.
#[test]
fn a_resume_on_other_data_is_refused_naming_it() {
    let fixture = Fixture::new();
    fixture.write("config.toml", "batch_size = 8\nepochs = 1\n");
    let train = sentences(24, 3);
    fixture.write("small.txt", &train);
    let first = fixture.retrain("naive", "small.txt", "first", "first", false).output().expect("the retag binary runs");
    succeed(&first, "the first run");

    let edited = train.replacen("\nthe O\n", "\nwent O\n", 1);
    assert_ne!(edited, train, "the data has a word to change");
    fixture.write("edited.txt", &edited);
    let command = fixture.retrain("naive", "edited.txt", "second", "first", true).output();
    let stderr = fail(&command.expect("the retag binary runs"), "a resume on other data");
    for expected in ["checkpoint.bin", "other data", "edited.txt", "resume with the run's training data"] {
        assert!(stderr.contains(expected), "{expected:?} missing from: {stderr}");
    }
}
