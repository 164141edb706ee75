//! The programme report ("Báo cáo kết quả thực hiện Chương trình OCOP") as a PDF: the headline
//! figures, each chart drawn from the same data as the dashboard's, with its table, and the plan's
//! targets with their live values.

use crate::letterhead;
use crate::pdf::{A4, Align, Cell, Doc, Rgb, Style, Table, Width, cm, text_width, wrap};

/// How a chart lays its bars out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    /// Horizontal bars, a label above each: categories (stars, groups, places).
    #[default]
    Bars,
    /// Columns over periods, labels under them: time series.
    Columns,
}

/// What a chart draws: per bar its label and one value per series, stacked (values below zero
/// are not drawn).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plot {
    pub shape: Shape,
    pub series: Vec<String>,
    pub bars: Vec<(String, Vec<i64>)>,
}

/// The series' colours, dark to light, distinguishable in grey too: the dashboard's and the
/// report's.
pub const PALETTE: [(u8, u8, u8); 5] =
    [(0x7a, 0x4b, 0x00), (0xc9, 0x8a, 0x0b), (0x1f, 0x7a, 0x4d), (0x4f, 0xa3, 0xa5), (0x8a, 0x94, 0xa6)];

/// One chart of the report: its drawing and its table (all cells as text, numbers formatted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportChart {
    pub title: String,
    pub summary: String,
    pub plot: Plot,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One target: its name, live value, threshold and whether it is met (or why it is not computed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportTarget {
    pub name: String,
    pub value: String,
    pub threshold: String,
    pub status: String,
}

/// What the report shows. Every text is normalised to NFC before it is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub authority: String,
    pub title: String,
    /// "Thành phố Hà Nội, từ 01/01/2021 đến 31/12/2021".
    pub subtitle: String,
    /// Label and value pairs of the headline.
    pub headline: Vec<(String, String)>,
    pub targets_title: String,
    pub targets: Vec<ReportTarget>,
    pub charts: Vec<ReportChart>,
    /// "Lập ngày dd/mm/yyyy từ dữ liệu của nền tảng OCOP".
    pub footer: String,
}

/// `1.649`: a whole number with the Vietnamese thousands separator.
pub fn number(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

const LABEL: Style = Style::new(8.0).color(Rgb(0x22, 0x22, 0x22));
const LEGEND: f32 = 16.0;
const BAR_ROW: f32 = 24.0;
const COLUMN_PLOT: f32 = 120.0;
/// Above the tallest column for its total, and under the axis for the labels.
const COLUMN_MARGINS: f32 = 12.0 + 26.0;

fn colour(series: usize) -> Rgb {
    let (r, g, b) = PALETTE[series % PALETTE.len()];
    Rgb(r, g, b)
}

/// The largest stack, what a full-length bar stands for (at least 1).
fn scale(p: &Plot) -> f32 {
    p.bars.iter().map(|(_, v)| positive(v).map(|(_, x)| x).sum::<f32>()).fold(1.0, f32::max)
}

/// The height a plot takes before it may break: the legend and the columns, or the legend and
/// the first bars (horizontal bars continue on the next page, one bar at a time).
fn first_height(p: &Plot) -> f32 {
    let legend = if p.series.len() > 1 { LEGEND } else { 0.0 };
    legend
        + match p.shape {
            Shape::Columns => COLUMN_PLOT + COLUMN_MARGINS,
            Shape::Bars => BAR_ROW * p.bars.len().clamp(1, 4) as f32 + 4.0,
        }
}

/// The values of one bar that are drawn, with their series.
fn positive(values: &[i64]) -> impl Iterator<Item = (usize, f32)> + '_ {
    values.iter().enumerate().filter(|(_, v)| **v > 0).map(|(s, v)| (s, *v as f32))
}

/// `s` cut with "…" to fit `max` points (the table under the chart keeps it whole).
fn fitted(style: Style, s: &str, max: f32) -> String {
    if text_width(style, s) <= max {
        return s.to_owned();
    }
    let mut out = s.to_owned();
    while !out.is_empty() && text_width(style, &format!("{out}…")) > max {
        out.pop();
    }
    format!("{}…", out.trim_end())
}

/// Draws a plot at the cursor across the page: the legend, then the bars or columns with totals.
fn draw(doc: &mut Doc, p: &Plot) {
    let (x0, span) = (doc.left, doc.width());
    if p.series.len() > 1 {
        let (mut x, y) = (x0, doc.y);
        for (i, name) in p.series.iter().enumerate() {
            let w = text_width(LABEL, name);
            if x + 14.0 + w > x0 + span {
                break;
            }
            doc.rect(x, y + 1.0, 8.0, 8.0, Some(colour(i)), None);
            doc.text(x + 12.0, y + 8.0, LABEL, name);
            x += 24.0 + w;
        }
        doc.y += LEGEND;
    }
    let max = scale(p);
    match p.shape {
        Shape::Columns => {
            let base = doc.y + 12.0 + COLUMN_PLOT;
            doc.line((x0, base), (x0 + span, base), 0.6, Rgb::grey(0x99));
            let slot = span / p.bars.len().max(1) as f32;
            let every = (p.bars.len() / 12).max(1);
            for (i, (label, values)) in p.bars.iter().enumerate() {
                let x = x0 + slot * i as f32;
                let mut top = base;
                for (s, v) in positive(values) {
                    let h = COLUMN_PLOT * v / max;
                    top -= h;
                    doc.rect(x + slot * 0.12, top, slot * 0.76, h, Some(colour(s)), None);
                }
                let total: i64 = values.iter().sum();
                if p.bars.len() <= 12 && total > 0 {
                    doc.text_in(x, slot, top - 3.0, LABEL, Align::Center, &number(total));
                }
                if i % every == 0 {
                    // A label may take the room of the unlabelled columns after it, within the chart.
                    let room = slot * every as f32;
                    let label = fitted(LABEL, label, room);
                    let at = (x + (slot - room) / 2.0).clamp(x0, x0 + span - room);
                    doc.text_in(at, room, base + 12.0, LABEL, Align::Center, &label);
                }
            }
            doc.y = base + 26.0;
        }
        Shape::Bars => {
            let strong = LABEL.bold();
            for (label, values) in &p.bars {
                doc.ensure(BAR_ROW);
                let y = doc.y;
                let sum = number(values.iter().sum());
                doc.text_in(x0, span, y + 9.0, strong, Align::Right, &sum);
                let room = span - text_width(strong, &sum) - 8.0;
                doc.text(x0, y + 9.0, LABEL, &fitted(LABEL, label, room));
                let mut x = x0;
                for (s, v) in positive(values) {
                    let w = (span * v / max).max(1.0);
                    doc.rect(x, y + 12.0, w, 9.0, Some(colour(s)), None);
                    x += w;
                }
                doc.y += BAR_ROW;
            }
            doc.y += 4.0;
        }
    }
}

/// Sets the report on A4 pages, numbered.
pub fn report_pdf(r: &Report) -> Vec<u8> {
    report(r).finish(true)
}

fn report(r: &Report) -> Doc {
    let mut doc = Doc::new(A4, (cm(1.8), cm(1.6)), &r.title, &r.authority);
    let (left, span) = (doc.left, doc.width());
    let top = doc.y;
    doc.y = letterhead(&mut doc, left, span, top, 9.0, &r.authority, None) + cm(0.4);
    doc.title(Style::new(14.0).bold(), &r.title.to_uppercase());
    doc.paragraph(Style::new(10.5), Align::Center, &r.subtitle);
    doc.space(cm(0.3));

    let plain = Style::new(9.5);
    let bold = plain.bold();
    let grid = Some(Rgb::grey(180));
    doc.table(&Table {
        widths: vec![Width::Share(45.0), Width::Share(55.0)],
        header: Vec::new(),
        rows: r
            .headline
            .iter()
            .map(|(k, v)| vec![Cell::new(k.as_str(), plain), Cell::new(v.as_str(), bold).right()])
            .collect(),
        grid,
        inset: (5.0, 5.0),
    });

    if !r.targets.is_empty() {
        doc.heading(&r.targets_title);
        doc.table(&Table {
            widths: vec![Width::Share(2.0), Width::Auto, Width::Auto, Width::Share(1.2)],
            header: Vec::new(),
            rows: r
                .targets
                .iter()
                .map(|t| {
                    vec![
                        Cell::new(t.name.as_str(), plain),
                        Cell::new(t.value.as_str(), plain).right(),
                        Cell::new(t.threshold.as_str(), plain).right(),
                        Cell::new(t.status.as_str(), plain),
                    ]
                })
                .collect(),
            grid,
            inset: (5.0, 5.0),
        });
    }

    let summary = Style::new(8.5).color(Rgb::grey(70));
    for c in &r.charts {
        // The title and the summary stay with the drawing's start.
        let summary_height = wrap(summary, &c.summary, span).len() as f32 * summary.leading();
        doc.ensure(doc.heading_height(&c.title) + summary_height + 6.0 + first_height(&c.plot));
        doc.heading(&c.title);
        doc.paragraph(summary, Align::Left, &c.summary);
        doc.space(6.0);
        doc.figure(&c.summary, |doc| draw(doc, &c.plot));
        let columns = c.rows.iter().map(Vec::len).chain([c.header.len()]).max().unwrap_or(0);
        if columns > 0 {
            doc.space(6.0);
            let mut widths = vec![Width::Share(1.0)];
            widths.extend(std::iter::repeat_n(Width::Auto, columns - 1));
            let cell = |i: usize, v: &str, style: Style| {
                if i == 0 { Cell::new(v, style) } else { Cell::new(v, style).right() }
            };
            let padded = |row: &[String], style: Style| -> Vec<Cell> {
                (0..columns).map(|i| cell(i, row.get(i).map_or("", String::as_str), style)).collect()
            };
            doc.table(&Table {
                widths,
                header: if c.header.is_empty() { Vec::new() } else { padded(&c.header, bold) },
                rows: c.rows.iter().map(|row| padded(row, plain)).collect(),
                grid,
                inset: (4.0, 4.0),
            });
        }
    }
    doc.space(cm(0.5));
    doc.paragraph(Style::new(8.0).color(Rgb::grey(90)), Align::Left, &r.footer);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(shape: Shape, bars: i64) -> ReportChart {
        ReportChart {
            title: "Hồ sơ theo tỉnh".into(),
            summary: "Tóm tắt".into(),
            plot: Plot {
                shape,
                series: vec!["Đã kiểm tra".into(), "Chưa kiểm tra".into()],
                // A negative value (more inspected than planned) is not drawn and does not
                // stretch the scale.
                bars: (0..bars).map(|i| (format!("Tỉnh số {i}"), vec![i * 3, 40 - i * 2])).collect(),
            },
            header: vec!["Tỉnh".into(), "Kế hoạch".into(), "Đã kiểm tra".into()],
            rows: (0..bars).map(|i| vec![format!("Tỉnh số {i}"), number(40), number(i * 3)]).collect(),
        }
    }

    #[test]
    fn a_report_keeps_every_chart_within_its_pages() {
        let r = Report {
            authority: "Văn phòng Điều phối Chương trình OCOP".into(),
            title: "Báo cáo kết quả thực hiện Chương trình OCOP".into(),
            subtitle: "Toàn quốc".into(),
            headline: vec![("Sản phẩm còn hiệu lực".into(), "1.649".into())],
            targets_title: "Mục tiêu".into(),
            targets: Vec::new(),
            charts: vec![chart(Shape::Bars, 34), chart(Shape::Columns, 30), chart(Shape::Bars, 0)],
            footer: "Lập ngày 03/12/2026".into(),
        };
        let doc = report(&r);
        assert!(doc.page_count() >= 3 && !doc.spilled(), "{} pages, within the margins", doc.page_count());
        let pdf = doc.finish(true);
        if let Ok(dir) = std::env::var("OCOP_ARTIFACTS") {
            std::fs::write(format!("{dir}/report-sample.pdf"), &pdf).expect("write sample");
        }
        let plot = &r.charts[0].plot;
        assert_eq!(scale(plot), 99.0, "the largest stack of values above zero: 33 × 3 + 0");
    }

    #[test]
    fn numbers_use_the_vietnamese_separator() {
        assert_eq!(
            [number(0), number(999), number(1649), number(-10_000_000)],
            ["0", "999", "1.649", "-10.000.000"].map(String::from)
        );
    }
}
