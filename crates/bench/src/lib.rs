//! retag's benchmark harness, without burn: what `cargo xtask bench` runs
//! (xtask only parses its flags and builds the binaries with cargo), and the
//! results format the `retag-bench` binary writes.
//!
//! - `bench encoder` ([`encoder_runs`]): the `retag-bench` binary, one build
//!   per burn backend, measures the encoder inside its own process
//!   ([`report`], [`timing`], [`memory`]) against `scripts/bench_encoder.py`.
//! - `bench pipeline` ([`pipeline`]): whole programs, `retag predict` and
//!   `retag retrain`, against the PyTorch programs that do the same jobs and,
//!   for predict, ONNX Runtime; each a process measured from outside
//!   ([`process`]) on files made for it ([`inputs`]), tags compared
//!   ([`agreement`]).
//!
//! Errors are `anyhow` with context, as in the binaries that call this: every
//! failure here is a file or a program of the bench's own, reported to the
//! person running it, and no caller matches on a kind.

pub mod agreement;
pub mod encoder_runs;
pub mod inputs;
pub mod machine;
pub mod memory;
pub mod pipeline;
pub mod process;
pub mod python;
pub mod report;
pub mod timing;
