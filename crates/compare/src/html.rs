//! `report.html`: the report in one self-contained file (tables and the
//! SVG pictures inline, no script, no external file), to open in a browser
//! or attach to a ticket.

use std::fmt::Write as _;

use crate::pictures::Picture;
use crate::report::{ALPHA, BOOTSTRAP_SAMPLES, CompareReport};

pub const REPORT_HTML: &str = "report.html";

pub fn to_html(report: &CompareReport, pictures: &[Picture]) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>retag compare</title>\n<style>\
         body{font-family:'DejaVu Sans',sans-serif;margin:2em auto;max-width:1000px;color:#222}\
         table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:4px 10px;text-align:right}\
         th:first-child,td:first-child{text-align:left}th{background:#f0f0f0}.sig{font-weight:bold}\
         figure{margin:1.5em 0}figcaption{color:#555}code{background:#f4f4f4;padding:0 3px}\
         </style></head><body>\n<h1>Comparison</h1>\n",
    );
    let _ = writeln!(
        html,
        "<p>Old model <code>{}</code>; train <code>{}</code>, dev <code>{}</code>, test <code>{}</code>; seeds {}.</p>",
        escape(&report.old_model),
        escape(&report.train),
        escape(&report.dev),
        escape(&report.test),
        escape(&format!("{:?}", report.seeds))
    );
    let baseline = report.baseline.as_deref().unwrap_or("-");
    let retention = report.retain_data.is_some();
    let _ = write!(
        html,
        "<table><tr><th>recipe</th><th>test F1 (%)</th><th>Δ vs {} [95% CI]</th><th>p</th>",
        escape(baseline)
    );
    if retention {
        html.push_str("<th>retention F1 (%)</th>");
    }
    html.push_str("<th>wall s</th><th>peak MiB</th><th>runs</th></tr>\n");
    for cells in report.summary_rows() {
        let class = if cells.significant { " class=\"sig\"" } else { "" };
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td{class}>{}</td><td>{}</td>",
            escape(&cells.name),
            cells.test_f1,
            cells.delta,
            cells.p_value
        );
        if let Some(retention) = cells.retention_f1 {
            let _ = write!(html, "<td>{retention}</td>");
        }
        let _ =
            writeln!(html, "<td>{}</td><td>{}</td><td>{}</td></tr>", cells.wall_secs, cells.peak_rss_mib, cells.runs);
    }
    let _ = writeln!(
        html,
        "</table>\n<p>Test F1 is seqeval's micro F1, mean ± standard deviation over seeds. Δ is each recipe's F1 minus \
         the baseline's, tested with a paired bootstrap over test sentences ({BOOTSTRAP_SAMPLES} resamples, counts \
         averaged over seeds); <b>bold</b> marks p &lt; {ALPHA}.</p>"
    );
    for picture in pictures {
        let svg = picture.svg.trim_start_matches(|c| c != '<');
        let svg = if svg.starts_with("<?xml") { &svg[svg.find("?>").map_or(0, |at| at + 2)..] } else { svg };
        let _ = writeln!(html, "<figure>{svg}<figcaption>{}</figcaption></figure>", escape(&picture.title));
    }
    let types: std::collections::BTreeSet<&String> =
        report.recipes.iter().flat_map(|row| row.per_type_f1.keys()).collect();
    if !types.is_empty() {
        html.push_str("<h2>F1 per type (%)</h2>\n<table><tr><th>recipe</th>");
        for kind in &types {
            let _ = write!(html, "<th>{}</th>", escape(kind));
        }
        html.push_str("</tr>\n");
        for row in &report.recipes {
            let _ = write!(html, "<tr><td>{}</td>", escape(&row.name));
            for kind in &types {
                let cell = row.per_type_f1.get(*kind).map_or_else(|| "-".to_string(), |s| s.show(100.0, 1));
                let _ = write!(html, "<td>{cell}</td>");
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</table>\n");
    }
    if !report.missing.is_empty() {
        html.push_str("<h2>Runs without a result</h2>\n<ul>\n");
        for entry in &report.missing {
            let _ =
                writeln!(html, "<li>{}, seed {}: {}</li>", escape(&entry.recipe), entry.seed, escape(&entry.reason));
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</body></html>\n");
    html
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
