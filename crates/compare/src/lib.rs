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
//! - [`pictures`]: learning curves, F1 per type, F1 against time and
//!   retention against F1, as SVG and PNG (the font embedded).

pub mod error;
pub mod html;
pub mod pictures;
pub mod recipe;
pub mod report;
pub mod runner;

pub use error::{CompareError, Result};
pub use recipe::{Recipe, default_recipes, strategy_recipes};
pub use report::CompareReport;

/// Writes everything the report has into `dir`: `report.json`,
/// `report.md`, each picture as SVG and PNG, and `report.html`.
pub fn write_report(report: &CompareReport, dir: &std::path::Path) -> Result<Vec<pictures::Picture>> {
    report.write(dir)?;
    let pictures = pictures::draw_all(report)?;
    pictures::write_all(&pictures, dir)?;
    let html = html::to_html(report, &pictures);
    retag_data::atomic::write_atomically(&dir.join(html::REPORT_HTML), html.as_bytes())?;
    Ok(pictures)
}
pub use runner::{CompareSpec, Event, Launcher, RunRecord, run_all};
