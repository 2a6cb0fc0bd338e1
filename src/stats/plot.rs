//! The `--plot` image of `cameo stats` (PNG, or SVG when the file name ends in `.svg`): three panels, one under the other — samples per
//! language, samples per emotion, and a histogram of sample durations (the last bin holds
//! everything past the 99th percentile's bin, so one long recording does not squash the rest).
use super::{quantile, Stats};
use crate::fonts::{ensure_fonts, FONT};
use crate::record::Record;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{}: cannot draw the plot: {message}", path.display())]
pub struct PlotError {
    pub path: PathBuf,
    pub message: String,
}

const WIDTH: u32 = 1400;
const PANEL_HEIGHTS: [u32; 3] = [480, 560, 480];
const BAR: RGBColor = RGBColor(49, 104, 163);

type Area<DB> = DrawingArea<DB, Shift>;

/// Whether `path` asks for SVG (its name ends in `.svg`, any case) rather than PNG.
pub fn is_svg(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"))
}

/// Vertical bars with the category names under them (rotated when `rotate`) and the counts on top.
fn bars<DB: DrawingBackend>(
    area: &Area<DB>,
    title: &str,
    bars: &[(String, usize)],
    rotate: bool,
) -> Result<(), String> {
    let n = bars.len().max(1);
    let top = bars.iter().map(|(_, count)| *count).max().unwrap_or(0).max(1) as f64;
    let label_room = if rotate { 130 } else { 40 };
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, 24))
        .margin(20)
        .x_label_area_size(label_room)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..n as f64, 0f64..top * 1.15)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_label_formatter(&|_| String::new())
        .y_desc("samples")
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style((FONT, 14))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, (_, count))| {
            Rectangle::new([(i as f64 + 0.15, 0.0), (i as f64 + 0.85, *count as f64)], BAR.filled())
        }))
        .map_err(|e| e.to_string())?;
    let count_style = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    chart
        .draw_series(
            bars.iter().enumerate().map(|(i, (_, count))| {
                Text::new(count.to_string(), (i as f64 + 0.5, *count as f64), count_style.clone())
            }),
        )
        .map_err(|e| e.to_string())?;
    let label_style = if rotate {
        TextStyle::from((FONT, 15).into_font().transform(FontTransform::Rotate270))
            .pos(Pos::new(HPos::Right, VPos::Center))
    } else {
        TextStyle::from((FONT, 15).into_font()).pos(Pos::new(HPos::Center, VPos::Top))
    };
    for (i, (name, _)) in bars.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        // backend_coord is in the whole image's pixels; the area draws in its own.
        let (left, upper) = area.get_base_pixel();
        area.draw(&Text::new(name.clone(), (x - left, y - upper + 8), label_style.clone()))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A bin width from 1-2-5 steps giving at most about 40 bins up to `upper` seconds.
fn bin_width(upper: f64) -> f64 {
    let mut width = 0.1;
    for step in [0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0] {
        width = step;
        if upper / step <= 40.0 {
            break;
        }
    }
    width
}

fn histogram<DB: DrawingBackend>(area: &Area<DB>, records: &[Record]) -> Result<(), String> {
    let mut durations: Vec<f64> = records.iter().map(|r| r.duration).collect();
    durations.sort_by(f64::total_cmp);
    let p99 = quantile(&durations, 0.99);
    let width = bin_width(p99.max(0.1));
    // Durations are multiples of 1/16000 s; the small slack keeps 0.6 s in the bin [0.6, 0.7).
    let bin_of = |duration: f64| (duration / width + 1e-9).floor() as usize;
    let bins = bin_of(p99) + 1;
    let mut counts = vec![0usize; bins];
    let mut longer = 0usize;
    for &duration in &durations {
        match counts.get_mut(bin_of(duration)) {
            Some(count) => *count += 1,
            None => longer += 1,
        }
    }
    if longer > 0 {
        counts.push(longer);
    }
    let top = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let end = counts.len() as f64 * width;
    let caption = if longer > 0 {
        format!("Sample durations ({} samples; last bar: {:.2} s and longer)", durations.len(), bins as f64 * width)
    } else {
        format!("Sample durations ({} samples, bins of {width} s)", durations.len())
    };
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 24))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0f64..end, 0f64..top * 1.15)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc("seconds")
        .y_desc("samples")
        .x_label_formatter(&|x| format!("{x:.1}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style((FONT, 14))
        .draw()
        .map_err(|e| e.to_string())?;
    let placed: Vec<(f64, usize)> =
        counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, c)| (i as f64 * width, *c)).collect();
    chart
        .draw_series(
            placed
                .iter()
                .map(|&(x0, count)| Rectangle::new([(x0, 0.0), (x0 + width * 0.95, count as f64)], BAR.filled())),
        )
        .map_err(|e| e.to_string())?;
    let count_style = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    chart
        .draw_series(
            placed.iter().map(|&(x0, count)| {
                Text::new(count.to_string(), (x0 + width * 0.475, count as f64), count_style.clone())
            }),
        )
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Draws the three panels into one image at `path`: SVG when it ends in `.svg`, else PNG.
pub fn draw(path: &Path, stats: &Stats, records: &[Record]) -> Result<(), PlotError> {
    ensure_fonts();
    let fail = |message: String| PlotError { path: path.to_path_buf(), message };
    // The image encoder reports file errors in Rust debug form; opening the file first gives the
    // operating system's own words (no such folder, permission denied, is a directory).
    std::fs::File::create(path).map_err(|error| fail(error.to_string()))?;
    let size = (WIDTH, PANEL_HEIGHTS.iter().sum());
    if is_svg(path) {
        draw_on(SVGBackend::new(path, size).into_drawing_area(), stats, records).map_err(fail)
    } else {
        draw_on(BitMapBackend::new(path, size).into_drawing_area(), stats, records).map_err(fail)
    }
}

fn draw_on<DB: DrawingBackend>(root: Area<DB>, stats: &Stats, records: &[Record]) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (languages, rest) = root.split_vertically(PANEL_HEIGHTS[0]);
    let (emotions, durations) = rest.split_vertically(PANEL_HEIGHTS[1]);
    let language_bars: Vec<(String, usize)> = stats.languages.iter().map(|g| (g.name.clone(), g.samples)).collect();
    bars(&languages, "Samples per language", &language_bars, false)?;
    let emotion_bars: Vec<(String, usize)> = stats.emotions.iter().map(|c| (c.name.clone(), c.samples)).collect();
    bars(&emotions, "Samples per emotion", &emotion_bars, true)?;
    histogram(&durations, records)?;
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}
