//! The report's pictures, drawn with plotters as SVG and rasterised to PNG
//! with resvg: learning curves (dev F1 per epoch), F1 per type, F1 against
//! wall time (the cost/quality trade-off), and retention against new-tagset
//! F1 when retention was scored.
//!
//! plotters leaves the text of an SVG to whoever renders it; the PNG is
//! rendered here with the DejaVu Sans font that the `dejavu` crate embeds,
//! so it has its labels on a machine with no font installed (plotters'
//! own bitmap text needs fontconfig).

use std::path::Path;
use std::sync::Arc;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use retag_data::eval_record::read_eval_log;

use crate::error::{CompareError, Result};
use crate::report::{CompareReport, RecipeRow};

const SIZE: (u32, u32) = (900, 520);

/// Ten colours that stay apart from each other on white (matplotlib's
/// `tab10`), in recipe order.
const COLOURS: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

fn colour(index: usize) -> RGBAColor {
    let (r, g, b) = COLOURS[index % COLOURS.len()];
    RGBColor(r, g, b).to_rgba()
}
const FONT: &str = "sans-serif";

/// One picture: its file stem, title and SVG text.
#[derive(Debug, Clone)]
pub struct Picture {
    pub stem: &'static str,
    pub title: String,
    pub svg: String,
}

/// Every picture the report has data for.
pub fn draw_all(report: &CompareReport) -> Result<Vec<Picture>> {
    let mut pictures = Vec::new();
    if let Some(picture) = learning_curves(report)? {
        pictures.push(picture);
    }
    if let Some(picture) = per_type_bars(report)? {
        pictures.push(picture);
    }
    let ran: Vec<&RecipeRow> = report.recipes.iter().filter(|row| row.test_f1.is_some()).collect();
    let cost: Vec<(String, f64, f64)> = ran
        .iter()
        .filter_map(|row| Some((row.name.clone(), row.wall_secs?.mean / 60.0, row.test_f1?.mean * 100.0)))
        .collect();
    if !cost.is_empty() {
        pictures.push(scatter(
            "f1-vs-time",
            "Test F1 against wall time per run",
            "wall time (minutes)",
            "test F1 (%)",
            &cost,
        )?);
    }
    let kept: Vec<(String, f64, f64)> = ran
        .iter()
        .filter_map(|row| Some((row.name.clone(), row.test_f1?.mean * 100.0, row.retention_f1?.mean * 100.0)))
        .collect();
    if !kept.is_empty() {
        pictures.push(scatter(
            "retention",
            "What each recipe kept of the old tagset",
            "new-tagset test F1 (%)",
            "retention F1 on the old tagset (%)",
            &kept,
        )?);
    }
    Ok(pictures)
}

/// Writes each picture as `STEM.svg` and `STEM.png` into `dir`.
pub fn write_all(pictures: &[Picture], dir: &Path) -> Result<()> {
    for picture in pictures {
        retag_data::atomic::write_atomically(&dir.join(format!("{}.svg", picture.stem)), picture.svg.as_bytes())?;
        let png = to_png(&picture.svg)?;
        retag_data::atomic::write_atomically(&dir.join(format!("{}.png", picture.stem)), &png)?;
    }
    Ok(())
}

/// The SVG rendered to PNG with the embedded font.
pub fn to_png(svg: &str) -> Result<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    let mut fonts = usvg::fontdb::Database::new();
    fonts.load_font_data(dejavu::sans::regular().to_vec());
    fonts.load_font_data(dejavu::sans::bold().to_vec());
    fonts.set_sans_serif_family("DejaVu Sans");
    let options =
        usvg::Options { font_family: "DejaVu Sans".into(), fontdb: Arc::new(fonts), ..usvg::Options::default() };
    let tree = usvg::Tree::from_data(svg.as_bytes(), &options).map_err(|error| picture_error(error.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| picture_error(format!("an empty picture ({}x{})", size.width(), size.height())))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|error| picture_error(error.to_string()))
}

fn picture_error(reason: String) -> CompareError {
    CompareError::Picture { reason }
}

fn drawn<E: std::fmt::Debug>(error: E) -> CompareError {
    picture_error(format!("{error:?}"))
}

/// Dev F1 after each epoch, averaged over seeds, one line per recipe.
fn learning_curves(report: &CompareReport) -> Result<Option<Picture>> {
    let mut lines: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for row in &report.recipes {
        let mut by_epoch: std::collections::BTreeMap<usize, Vec<f64>> = Default::default();
        for run in &row.runs {
            let Some(run_dir) = &run.run_dir else { continue };
            // A run folder may be gone (cleaned by the user): its curve is left out, not an error.
            let Ok(records) = read_eval_log(Path::new(run_dir)) else { continue };
            for record in records {
                by_epoch.entry(record.epoch).or_default().push(record.dev_f1 * 100.0);
            }
        }
        let points: Vec<(f64, f64)> =
            by_epoch.into_iter().map(|(epoch, f1)| (epoch as f64, f1.iter().sum::<f64>() / f1.len() as f64)).collect();
        if !points.is_empty() {
            lines.push((row.name.clone(), points));
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let last_epoch = lines.iter().flat_map(|(_, p)| p.iter().map(|(e, _)| *e)).fold(1.0, f64::max);
    let top = lines.iter().flat_map(|(_, p)| p.iter().map(|(_, f)| *f)).fold(0.0, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawn)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Learning curves: dev F1 after each epoch (mean over seeds)", (FONT, 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0.5..last_epoch + 0.5, 0.0..(top * 1.1).clamp(10.0, 100.0))
            .map_err(drawn)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("dev F1 (%)")
            .x_labels((last_epoch as usize).min(30) + 1)
            .x_label_formatter(&|x| if x.fract() == 0.0 && *x >= 1.0 { format!("{x:.0}") } else { String::new() })
            .label_style((FONT, 14))
            .draw()
            .map_err(drawn)?;
        for (at, (name, points)) in lines.iter().enumerate() {
            let color = colour(at);
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
                .map_err(drawn)?
                .label(name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
            chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled()))).map_err(drawn)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(drawn)?;
    }
    Ok(Some(Picture { stem: "learning-curves", title: "Learning curves".into(), svg }))
}

/// Test F1 per entity type, one bar per recipe in each type's group.
fn per_type_bars(report: &CompareReport) -> Result<Option<Picture>> {
    let rows: Vec<&RecipeRow> = report.recipes.iter().filter(|row| !row.per_type_f1.is_empty()).collect();
    let types: Vec<String> = rows
        .iter()
        .flat_map(|row| row.per_type_f1.keys().cloned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if types.is_empty() {
        return Ok(None);
    }
    let group = rows.len() as f64 + 1.0;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawn)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("Test F1 per type (mean over seeds)", (FONT, 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..types.len() as f64 * group, 0.0..100.0)
            .map_err(drawn)?;
        // The type names are written by hand under each group's middle: the
        // mesh's own labels sit on "nice" tick values, which neither fall on
        // the groups' middles nor come one per group.
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc("test F1 (%)")
            .label_style((FONT, 14))
            .draw()
            .map_err(drawn)?;
        let under_axis = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
        for (t, kind) in types.iter().enumerate() {
            let (x, y) = chart.backend_coord(&((t as f64 + 0.5) * group, 0.0));
            root.draw(&Text::new(kind.clone(), (x, y + 10), under_axis.clone())).map_err(drawn)?;
        }
        for (at, row) in rows.iter().enumerate() {
            let color = colour(at);
            let bars = types.iter().enumerate().filter_map(|(t, kind)| {
                let f1 = row.per_type_f1.get(kind)?.mean * 100.0;
                let left = t as f64 * group + 0.5 + at as f64;
                Some(Rectangle::new([(left, 0.0), (left + 0.9, f1)], color.filled()))
            });
            chart
                .draw_series(bars)
                .map_err(drawn)?
                .label(row.name.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], color.filled()));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(drawn)?;
    }
    Ok(Some(Picture { stem: "per-type-f1", title: "F1 per type".into(), svg }))
}

/// The series' names in a framed box, the same in every picture.
fn draw_legend<'a>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    position: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(position)
        .draw()
        .map_err(drawn)
}

/// One labelled point per recipe.
fn scatter(
    stem: &'static str,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    points: &[(String, f64, f64)],
) -> Result<Picture> {
    let span = |values: Vec<f64>| {
        let (low, high) = values.iter().fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
        let pad = ((high - low) * 0.15).max(1.0);
        (low - pad).max(0.0)..high + pad
    };
    let x_range = span(points.iter().map(|p| p.1).collect());
    let y_range = span(points.iter().map(|p| p.2).collect());
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawn)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 20))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(x_range, y_range)
            .map_err(drawn)?;
        chart.configure_mesh().x_desc(x_desc).y_desc(y_desc).label_style((FONT, 14)).draw().map_err(drawn)?;
        for (at, (name, x, y)) in points.iter().enumerate() {
            let color = colour(at);
            // The name beside its point, offset in pixels so the dot stays visible.
            let point = EmptyElement::at((*x, *y))
                + Circle::new((0, 0), 6, color.filled())
                + Text::new(name.clone(), (9, -16), (FONT, 14).into_font());
            chart.draw_series(std::iter::once(point)).map_err(drawn)?;
        }
        root.present().map_err(drawn)?;
    }
    Ok(Picture { stem, title: title.to_string(), svg })
}
