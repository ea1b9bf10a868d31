//! `retag-compare`: `retag compare`, strategies run side by side on the
//! user's own data and judged with several seeds and a paired bootstrap.
//!
//! - [`recipe`]: a name and the `retag retrain` flags it stands for, and
//!   the default recipes (every strategy that applies).
//! - [`runner`]: each recipe and seed as its own `retag retrain` process,
//!   measured from outside (wall time, peak memory), cached, resumed, and
//!   stopped at a time budget.
//! - [`report`]: mean and spread per recipe, F1 per type, retention, cost,
//!   and the paired bootstrap against the baseline, as JSON and Markdown.

pub mod error;
pub mod recipe;
pub mod report;
pub mod runner;

pub use error::{CompareError, Result};
pub use recipe::{Recipe, default_recipes, strategy_recipes};
pub use report::CompareReport;
pub use runner::{CompareSpec, Event, RunRecord, run_all};
