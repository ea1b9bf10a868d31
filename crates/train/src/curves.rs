//! Learning curves as an SVG picture: dev F1 and training loss per epoch,
//! one line per run, so that runs (strategies, settings) are compared at a
//! glance in a browser, without a plotting stack.

use std::fmt::Write as _;

use crate::eval_log::EvalRecord;

/// Colours that stay apart for up to eight runs (the Okabe-Ito palette,
/// readable with the common colour-vision deficiencies).
const COLOURS: [&str; 8] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"];
const PANEL_WIDTH: f64 = 420.0;
const PANEL_HEIGHT: f64 = 260.0;
const MARGIN: f64 = 50.0;

/// A panel: its title, the top of its scale, and the value it plots.
type Panel = (&'static str, f64, fn(&EvalRecord) -> f64);

/// One run's evaluations under a name for the legend.
pub struct Curve<'a> {
    pub name: &'a str,
    pub records: &'a [EvalRecord],
}

/// Two panels side by side: dev F1 (0-100%) and mean training loss, against
/// the epoch. The best evaluation of each run is drawn as a filled dot.
pub fn learning_curves_svg(curves: &[Curve<'_>]) -> String {
    let max_epoch = curves.iter().flat_map(|c| c.records.iter().map(|r| r.epoch)).max().unwrap_or(1).max(1) as f64;
    let max_loss = curves
        .iter()
        .flat_map(|c| c.records.iter().map(|r| r.train_loss))
        .filter(|loss| loss.is_finite())
        .fold(0.0f64, f64::max)
        .max(1e-9);
    let legend_height = 18.0 * curves.len() as f64;
    let width = 2.0 * (PANEL_WIDTH + 2.0 * MARGIN);
    let height = PANEL_HEIGHT + 2.0 * MARGIN + legend_height;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    let panels: [Panel; 2] = [
        ("dev entity F1 (%)", 100.0, |r| r.dev_f1 * 100.0),
        ("training loss (mean per epoch)", max_loss, |r| r.train_loss),
    ];
    for (index, (title, top, value)) in panels.into_iter().enumerate() {
        let left = MARGIN + index as f64 * (PANEL_WIDTH + 2.0 * MARGIN);
        let x = |epoch: f64| left + (epoch - 1.0).max(0.0) / (max_epoch - 1.0).max(1.0) * PANEL_WIDTH;
        let y = |v: f64| MARGIN + PANEL_HEIGHT - (v / top).clamp(0.0, 1.0) * PANEL_HEIGHT;
        let _ = writeln!(
            svg,
            "<text x=\"{left}\" y=\"{}\" font-weight=\"bold\">{title}</text>\n\
             <rect x=\"{left}\" y=\"{MARGIN}\" width=\"{PANEL_WIDTH}\" height=\"{PANEL_HEIGHT}\" fill=\"none\" stroke=\"#999\"/>",
            MARGIN - 10.0
        );
        for tick in 0..=4 {
            let v = top * f64::from(tick) / 4.0;
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                left - 5.0,
                y(v) + 4.0,
                if top >= 10.0 { format!("{v:.0}") } else { format!("{v:.2}") }
            );
        }
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">epoch (1 to {max_epoch})</text>",
            left + PANEL_WIDTH / 2.0,
            MARGIN + PANEL_HEIGHT + 20.0
        );
        for (run, curve) in curves.iter().enumerate() {
            let colour = COLOURS[run % COLOURS.len()];
            let points: Vec<String> =
                curve.records.iter().map(|r| format!("{:.1},{:.1}", x(r.epoch as f64), y(value(r)))).collect();
            let _ = writeln!(
                svg,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
                points.join(" ")
            );
            for record in curve.records {
                let fill = if record.best && index == 0 { colour } else { "white" };
                let _ = writeln!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{fill}\" stroke=\"{colour}\"/>",
                    x(record.epoch as f64),
                    y(value(record))
                );
            }
        }
    }
    for (run, curve) in curves.iter().enumerate() {
        let colour = COLOURS[run % COLOURS.len()];
        let top = PANEL_HEIGHT + 2.0 * MARGIN + 18.0 * run as f64;
        let best = curve.records.iter().map(|r| r.dev_f1).fold(f64::NAN, f64::max);
        let _ = writeln!(
            svg,
            "<rect x=\"{MARGIN}\" y=\"{}\" width=\"14\" height=\"4\" fill=\"{colour}\"/>\
             <text x=\"{}\" y=\"{}\">{} (best dev F1 {:.2}%)</text>",
            top - 6.0,
            MARGIN + 20.0,
            top,
            escape(curve.name),
            best * 100.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn record(epoch: usize, f1: f64, loss: f64, best: bool) -> EvalRecord {
        EvalRecord {
            epoch,
            step: epoch * 10,
            train_loss: loss,
            train_distill_loss: None,
            dev_precision: f1,
            dev_recall: f1,
            dev_f1: f1,
            dev_f1_per_type: BTreeMap::new(),
            best,
            elapsed_secs: epoch as f64,
        }
    }

    #[test]
    fn one_line_and_one_dot_per_evaluation_per_panel_and_names_escaped() {
        let a = [record(1, 0.2, 1.0, true), record(2, 0.5, 0.5, true), record(3, 0.4, 0.25, false)];
        let b = [record(1, 0.1, 2.0, true)];
        let svg = learning_curves_svg(&[Curve { name: "naive", records: &a }, Curve { name: "<frozen>", records: &b }]);
        assert_eq!(svg.matches("<polyline").count(), 4, "two runs, two panels");
        assert_eq!(svg.matches("<circle").count(), 8, "four evaluations, two panels");
        assert!(svg.contains("&lt;frozen&gt; (best dev F1 10.00%)"));
        assert!(svg.contains("naive (best dev F1 50.00%)"));
        // Epoch 3 of 3 sits at the right edge of the first panel; F1 0.5 halfway up.
        let right = MARGIN + PANEL_WIDTH;
        let middle = MARGIN + PANEL_HEIGHT / 2.0;
        assert!(svg.contains(&format!("{right:.1},{:.1}", MARGIN + PANEL_HEIGHT - 0.4 * PANEL_HEIGHT)), "{svg}");
        assert!(svg.contains(&format!("{:.1},{middle:.1}", MARGIN + PANEL_WIDTH / 2.0)), "{svg}");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    }

    #[test]
    fn an_empty_picture_is_still_valid() {
        let svg = learning_curves_svg(&[]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<polyline").count(), 0);
    }
}
