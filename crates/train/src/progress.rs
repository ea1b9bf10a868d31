//! What a person watching training sees: a live bar (steps, loss, tokens/s,
//! ETA) when stderr is a terminal, a plain line every few steps when it is
//! a log file or a CI job, where a redrawn bar would be noise.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressMode {
    /// A bar on a terminal, plain lines otherwise.
    #[default]
    Auto,
    Bar,
    Plain,
    /// Nothing (tests, library callers with their own reporting).
    Off,
}

/// One step's figures for the display.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepFigures {
    pub step: usize,
    pub epoch: usize,
    pub loss: f64,
    pub learning_rate: f64,
    /// Real (unpadded) tokens in the step's batch.
    pub tokens: usize,
}

pub(crate) struct Progress {
    display: Display,
    total_steps: usize,
    every: usize,
    started: Instant,
    /// The step count when this session started (a resumed run's ETA must
    /// not count the steps done before).
    first_step: usize,
    tokens: usize,
}

enum Display {
    Bar(ProgressBar),
    Plain,
    Off,
}

impl Progress {
    pub fn new(mode: ProgressMode, total_steps: usize, first_step: usize, every: usize) -> Self {
        let use_bar = match mode {
            ProgressMode::Auto => std::io::stderr().is_terminal(),
            ProgressMode::Bar => true,
            ProgressMode::Plain | ProgressMode::Off => false,
        };
        let display = if mode == ProgressMode::Off {
            Display::Off
        } else if use_bar {
            let bar = ProgressBar::new(total_steps as u64);
            if let Ok(style) =
                ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] step {pos}/{len} {msg} ETA {eta}")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_position(first_step as u64);
            Display::Bar(bar)
        } else {
            Display::Plain
        };
        Self { display, total_steps, every: every.max(1), started: Instant::now(), first_step, tokens: 0 }
    }

    pub fn step(&mut self, figures: StepFigures) {
        self.tokens += figures.tokens;
        let seconds = self.started.elapsed().as_secs_f64().max(1e-9);
        let tokens_per_second = self.tokens as f64 / seconds;
        match &self.display {
            Display::Bar(bar) => {
                bar.set_position(figures.step as u64);
                bar.set_message(format!(
                    "epoch {} loss {:.4} lr {:.2e} {:.0} tok/s",
                    figures.epoch, figures.loss, figures.learning_rate, tokens_per_second
                ));
            }
            Display::Plain if figures.step.is_multiple_of(self.every) || figures.step == self.total_steps => {
                let done = figures.step.saturating_sub(self.first_step).max(1) as f64;
                let eta = seconds / done * self.total_steps.saturating_sub(figures.step) as f64;
                eprintln!(
                    "step {}/{} epoch {} loss {:.4} lr {:.2e} {:.0} tok/s ETA {:.0}s",
                    figures.step,
                    self.total_steps,
                    figures.epoch,
                    figures.loss,
                    figures.learning_rate,
                    tokens_per_second,
                    eta
                );
            }
            Display::Plain | Display::Off => {}
        }
    }

    /// A line that must stay visible (an evaluation's scores).
    pub fn note(&self, line: &str) {
        match &self.display {
            Display::Bar(bar) => bar.println(line),
            Display::Plain => eprintln!("{line}"),
            Display::Off => {}
        }
    }

    pub fn finish(&self) {
        if let Display::Bar(bar) = &self.display {
            bar.finish_and_clear();
        }
    }
}
