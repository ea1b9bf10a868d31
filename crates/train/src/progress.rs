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

pub struct Progress {
    display: Display,
    total_steps: usize,
    every: usize,
    started: Instant,
    /// The step count when this session started (a resumed run's ETA must
    /// not count the steps done before).
    first_step: usize,
    tokens: usize,
    /// When the last plain line was printed, and at which step: the next
    /// line's seconds per step are those of the steps in between, so a slow
    /// stretch shows instead of vanishing into the session's mean.
    last_line: (Instant, usize),
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
        let started = Instant::now();
        Self {
            display,
            total_steps,
            every: every.max(1),
            started,
            first_step,
            tokens: 0,
            last_line: (started, first_step),
        }
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
                let done = figures.step.saturating_sub(self.first_step).max(1);
                let (line_at, line_step) = self.last_line;
                let recent = figures.step.saturating_sub(line_step).max(1);
                let pace = Pace {
                    tokens_per_second,
                    seconds_per_step: seconds / done as f64,
                    recent_seconds_per_step: line_at.elapsed().as_secs_f64() / recent as f64,
                };
                eprintln!("{}", plain_line(&figures, self.total_steps, pace));
                self.last_line = (Instant::now(), figures.step);
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

/// How fast the session goes: on the whole, and since the last line.
struct Pace {
    tokens_per_second: f64,
    seconds_per_step: f64,
    recent_seconds_per_step: f64,
}

/// The line printed every `log_every_steps` steps when there is no bar; the
/// ETA assumes the steps to come take as long as this session's so far.
fn plain_line(figures: &StepFigures, total_steps: usize, pace: Pace) -> String {
    let eta = pace.seconds_per_step * total_steps.saturating_sub(figures.step) as f64;
    format!(
        "step {}/{total_steps} epoch {} loss {:.4} lr {:.2e} {:.0} tok/s {:.3} s/step ETA {eta:.0}s",
        figures.step,
        figures.epoch,
        figures.loss,
        figures.learning_rate,
        pace.tokens_per_second,
        pace.recent_seconds_per_step,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_show_step_loss_speed_and_eta() {
        let figures = StepFigures { step: 50, epoch: 2, loss: 0.123456, learning_rate: 5e-5, tokens: 800 };
        assert_eq!(
            plain_line(
                &figures,
                200,
                Pace { tokens_per_second: 1234.4, seconds_per_step: 0.5, recent_seconds_per_step: 0.25 }
            ),
            "step 50/200 epoch 2 loss 0.1235 lr 5.00e-5 1234 tok/s 0.250 s/step ETA 75s"
        );
    }
}
