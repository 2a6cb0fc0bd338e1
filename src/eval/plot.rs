//! Plots of the leaderboard with plotters (PNG, or SVG when the file name ends in `.svg`): grouped bars of macro F1 per language, and a
//! confusion-matrix heat map. Text uses the embedded DejaVu Sans (no system fonts needed).
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;

use super::error::EvalError;
use super::metrics::ConfusionMatrix;
use crate::fonts::{ensure_fonts, FONT};

fn plot_error(path: &Path) -> impl Fn(&dyn Display) -> EvalError + '_ {
    move |error| EvalError::Plot { path: path.to_path_buf(), message: error.to_string() }
}

/// Draws with the backend the file name asks for: SVG for `.svg`, else PNG.
fn on_backend(
    path: &Path,
    size: (u32, u32),
    draw_svg: impl FnOnce(DrawingArea<SVGBackend, Shift>) -> Result<(), EvalError>,
    draw_png: impl FnOnce(DrawingArea<BitMapBackend, Shift>) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    if crate::stats::plot::is_svg(path) {
        draw_svg(SVGBackend::new(path, size).into_drawing_area())
    } else {
        draw_png(BitMapBackend::new(path, size).into_drawing_area())
    }
}

/// One group of bars: a model (at a temperature) and its value per category.
#[derive(Debug, Clone)]
pub struct BarSeries {
    pub name: String,
    pub values: BTreeMap<String, f64>,
}

/// Grouped bar chart: one group per category (sorted), one bar per series.
pub fn grouped_bars(path: &Path, title: &str, y_label: &str, series: &[BarSeries]) -> Result<(), EvalError> {
    ensure_fonts();
    let categories: Vec<&str> =
        series.iter().flat_map(|s| s.values.keys().map(String::as_str)).collect::<BTreeSet<_>>().into_iter().collect();
    let groups = categories.len().max(1);
    let width = (160 + 110 * groups as u32).max(900);
    on_backend(
        path,
        (width, 560),
        |root| draw_grouped_bars(root, path, title, y_label, series, &categories),
        |root| draw_grouped_bars(root, path, title, y_label, series, &categories),
    )
}

fn draw_grouped_bars<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    path: &Path,
    title: &str,
    y_label: &str,
    series: &[BarSeries],
    categories: &[&str],
) -> Result<(), EvalError> {
    let fail = plot_error(path);
    let groups = categories.len().max(1);
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let top = series.iter().flat_map(|s| s.values.values().copied()).fold(0.0f64, f64::max);
    let y_max = ((top * 1.25 * 10.0).ceil() / 10.0).clamp(0.1, 1.0);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 24))
        .margin(20)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..groups as f64, 0f64..y_max)
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_label_formatter(&|_| String::new())
        .y_desc(y_label)
        .y_label_formatter(&|y| format!("{y:.2}"))
        .label_style((FONT, 14))
        .draw()
        .map_err(|e| fail(&e))?;
    let count = series.len().max(1) as f64;
    for (j, s) in series.iter().enumerate() {
        let color = Palette99::pick(j).to_rgba();
        let bars = categories.iter().enumerate().filter_map(|(i, category)| {
            let value = *s.values.get(*category)?;
            let x0 = i as f64 + 0.1 + 0.8 * j as f64 / count;
            let x1 = x0 + 0.8 / count;
            Some(Rectangle::new([(x0, 0.0), (x1, value)], color.filled()))
        });
        chart
            .draw_series(bars)
            .map_err(|e| fail(&e))?
            .label(s.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], color.filled()));
        if series.len() <= 3 {
            let values = categories.iter().enumerate().filter_map(|(i, category)| {
                let value = *s.values.get(*category)?;
                let x = i as f64 + 0.1 + 0.8 * (j as f64 + 0.5) / count;
                let style = TextStyle::from((FONT, 11).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
                Some(Text::new(format!("{value:.2}"), (x, value), style))
            });
            chart.draw_series(values).map_err(|e| fail(&e))?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()
        .map_err(|e| fail(&e))?;
    let label_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (i, category) in categories.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        root.draw(&Text::new(category.to_string(), (x, y + 8), label_style.clone())).map_err(|e| fail(&e))?;
    }
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}

/// Side of a heat map cell, and the margins (left, top, bottom, right), in pixels.
const CELL: i32 = 46;
const MARGINS: (i32, i32, i32, i32) = (150, 70, 140, 30);

/// Heat map of a confusion matrix, coloured by the share of each gold row (recall per cell),
/// with the counts written in the cells.
pub fn confusion_heatmap(path: &Path, title: &str, matrix: &ConfusionMatrix) -> Result<(), EvalError> {
    ensure_fonts();
    let n = matrix.labels.len().max(1) as i32;
    let (cell, (left, top, bottom, right)) = (CELL, MARGINS);
    let width = (left + n * cell + right) as u32;
    let height = (top + n * cell + bottom) as u32;
    on_backend(
        path,
        (width, height),
        |root| draw_heatmap(root, path, title, matrix),
        |root| draw_heatmap(root, path, title, matrix),
    )
}

fn draw_heatmap<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    path: &Path,
    title: &str,
    matrix: &ConfusionMatrix,
) -> Result<(), EvalError> {
    let fail = plot_error(path);
    let n = matrix.labels.len().max(1) as i32;
    let (cell, (left, top, _, _)) = (CELL, MARGINS);
    let (width, height) = root.dim_in_pixel();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let title_style = TextStyle::from((FONT, 20).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    root.draw(&Text::new(title.to_string(), (width as i32 / 2, 15), title_style)).map_err(|e| fail(&e))?;
    for (i, row) in matrix.counts.iter().enumerate() {
        let total: usize = row.iter().sum();
        for (j, &count) in row.iter().enumerate() {
            let share = if total == 0 { 0.0 } else { count as f64 / total as f64 };
            let x = left + j as i32 * cell;
            let y = top + i as i32 * cell;
            let fill = blend(share);
            root.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], fill.filled())).map_err(|e| fail(&e))?;
            root.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], RGBColor(200, 200, 200).stroke_width(1)))
                .map_err(|e| fail(&e))?;
            if count > 0 {
                let ink = if share > 0.5 { WHITE } else { BLACK };
                let style =
                    TextStyle::from((FONT, 12).into_font()).color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                root.draw(&Text::new(count.to_string(), (x + cell / 2, y + cell / 2), style)).map_err(|e| fail(&e))?;
            }
        }
    }
    let row_style = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    let column_style = TextStyle::from((FONT, 14).into_font().transform(FontTransform::Rotate270))
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (i, label) in matrix.labels.iter().enumerate() {
        let middle = i as i32 * cell + cell / 2;
        root.draw(&Text::new(label.clone(), (left - 8, top + middle), row_style.clone())).map_err(|e| fail(&e))?;
        root.draw(&Text::new(label.clone(), (left + middle, top + n * cell + 8), column_style.clone()))
            .map_err(|e| fail(&e))?;
    }
    let axis_style = TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Left, VPos::Top));
    root.draw(&Text::new(
        "rows: gold label, columns: predicted label, colour: share of the row".to_string(),
        (10, height as i32 - 24),
        axis_style,
    ))
    .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}

/// White at 0, dark blue at 1.
fn blend(share: f64) -> RGBColor {
    let mix = |from: f64, to: f64| (from + (to - from) * share.clamp(0.0, 1.0)).round() as u8;
    RGBColor(mix(255.0, 8.0), mix(255.0, 48.0), mix(255.0, 107.0))
}
