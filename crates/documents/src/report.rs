//! The programme report ("Báo cáo kết quả thực hiện Chương trình OCOP") as a PDF: the headline
//! figures, each chart drawn from the same data as the dashboard's, with its table, and the plan's
//! targets with their live values.

use crate::letterhead;
use crate::pdf::{self, A4, Align, Cell, Doc, Rgb, Style, Table, Width, cm, wrap};

/// What a chart draws: per bar (a category or a period) its label and one value per series,
/// stacked. Columns for time series, horizontal bars otherwise.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plot {
    pub columns: bool,
    pub series: Vec<String>,
    pub bars: Vec<(String, Vec<i64>)>,
}

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

/// The series' colours: dark to light, distinguishable in grey too (the dashboard's).
const COLOURS: [Rgb; 5] =
    [Rgb(0x7a, 0x4b, 0x00), Rgb(0xc9, 0x8a, 0x0b), Rgb(0x1f, 0x7a, 0x4d), Rgb(0x4f, 0xa3, 0xa5), Rgb(0x8a, 0x94, 0xa6)];
const LABEL: Style = Style::new(8.0).color(Rgb(0x22, 0x22, 0x22));
const BAR_ROW: f32 = 24.0;
const COLUMN_PLOT: f32 = 120.0;

fn colour(series: usize) -> Rgb {
    COLOURS[series % COLOURS.len()]
}

/// The height a plot takes.
fn plot_height(p: &Plot) -> f32 {
    let legend = if p.series.len() > 1 { 16.0 } else { 0.0 };
    legend + if p.columns { COLUMN_PLOT + 38.0 } else { BAR_ROW * p.bars.len().max(1) as f32 + 4.0 }
}

/// `s` cut with "…" to fit `max` points (the table under the chart keeps it whole).
fn fitted(style: Style, s: &str, max: f32) -> String {
    if pdf::width(style, s) <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().collect();
    while !out.is_empty() && pdf::width(style, &format!("{out}…")) > max {
        out.pop();
    }
    format!("{}…", out.trim_end())
}

/// Draws a plot at the cursor, `span` wide: the legend, then the bars or columns with totals.
fn draw(doc: &mut Doc, p: &Plot, span: f32) {
    let x0 = doc.left;
    let mut y = doc.y;
    if p.series.len() > 1 {
        let mut x = x0;
        for (i, name) in p.series.iter().enumerate() {
            let w = pdf::width(LABEL, name);
            if x + 14.0 + w > x0 + span {
                break;
            }
            doc.rect(x, y + 1.0, 8.0, 8.0, Some(colour(i)), None);
            doc.text(x + 12.0, y + 8.0, LABEL, name);
            x += 24.0 + w;
        }
        y += 16.0;
    }
    let totals: Vec<i64> = p.bars.iter().map(|(_, v)| v.iter().sum()).collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f32;
    let strong = LABEL.bold();
    if p.columns {
        // Room above the tallest column for its total.
        let base = y + 12.0 + COLUMN_PLOT;
        doc.line((x0, base), (x0 + span, base), 0.6, Rgb::grey(0x99));
        let slot = span / p.bars.len().max(1) as f32;
        let every = (p.bars.len() / 12).max(1);
        for (i, ((label, values), total)) in p.bars.iter().zip(&totals).enumerate() {
            let x = x0 + slot * i as f32;
            let mut top = base;
            for (s, v) in values.iter().enumerate().filter(|(_, v)| **v > 0) {
                let h = COLUMN_PLOT * *v as f32 / max;
                top -= h;
                doc.rect(x + slot * 0.12, top, slot * 0.76, h, Some(colour(s)), None);
            }
            if p.bars.len() <= 12 && *total > 0 {
                doc.text_in(x, slot, top - 3.0, LABEL, Align::Center, &number(*total));
            }
            if i % every == 0 {
                let label = fitted(LABEL, label, slot * every as f32);
                doc.text_in(x, slot, base + 12.0, LABEL, Align::Center, &label);
            }
        }
    } else {
        for ((label, values), total) in p.bars.iter().zip(&totals) {
            let sum = number(*total);
            doc.text_in(x0, span, y + 9.0, strong, Align::Right, &sum);
            let room = span - pdf::width(strong, &sum) - 8.0;
            doc.text(x0, y + 9.0, LABEL, &fitted(LABEL, label, room));
            let mut x = x0;
            for (s, v) in values.iter().enumerate().filter(|(_, v)| **v > 0) {
                let w = (span * *v as f32 / max).max(1.0);
                doc.rect(x, y + 12.0, w, 9.0, Some(colour(s)), None);
                x += w;
            }
            y += BAR_ROW;
        }
    }
    doc.y += plot_height(p);
}

/// Sets the report on A4 pages, numbered.
pub fn report_pdf(r: &Report) -> Result<Vec<u8>, String> {
    let mut doc = Doc::new(A4, (cm(1.8), cm(1.6)), &r.title, &r.authority);
    let (left, span) = (doc.left, doc.width());
    let top = doc.y;
    doc.y = letterhead(&mut doc, left, span, top, 9.0, &r.authority, None) + cm(0.4);
    doc.paragraph(Style::new(14.0).bold(), Align::Center, &r.title.to_uppercase());
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
        // The title, the summary and the drawing stay on one page.
        let heading = Style::new(11.0).bold();
        let block = 11.0
            + wrap(heading, &c.title, span).len() as f32 * heading.leading()
            + wrap(summary, &c.summary, span).len() as f32 * summary.leading()
            + 6.0
            + plot_height(&c.plot);
        doc.ensure(block);
        doc.heading(&c.title);
        doc.paragraph(summary, Align::Left, &c.summary);
        doc.space(6.0);
        draw(&mut doc, &c.plot, span);
        if !c.rows.is_empty() {
            doc.space(6.0);
            let mut widths = vec![Width::Share(1.0)];
            widths.extend(std::iter::repeat_n(Width::Auto, c.header.len().saturating_sub(1)));
            doc.table(&Table {
                widths,
                header: c.header.iter().map(|h| Cell::new(h.as_str(), bold)).collect(),
                rows: c
                    .rows
                    .iter()
                    .map(|row| {
                        row.iter()
                            .enumerate()
                            .map(|(i, v)| {
                                if i == 0 { Cell::new(v.as_str(), plain) } else { Cell::new(v.as_str(), plain).right() }
                            })
                            .collect()
                    })
                    .collect(),
                grid,
                inset: (4.0, 4.0),
            });
        }
    }
    doc.space(cm(0.5));
    doc.paragraph(Style::new(8.0).color(Rgb::grey(90)), Align::Left, &r.footer);
    Ok(doc.finish(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_a_pdf_with_a_chart_and_no_targets() {
        let r = Report {
            authority: "Văn phòng Điều phối Chương trình OCOP".into(),
            title: "Báo cáo kết quả thực hiện Chương trình OCOP".into(),
            subtitle: "Thành phố Hà Nội".into(),
            headline: vec![("Sản phẩm còn hiệu lực".into(), "1.649".into())],
            targets_title: "Mục tiêu".into(),
            targets: Vec::new(),
            charts: vec![ReportChart {
                title: "Sao".into(),
                summary: "Tóm tắt".into(),
                plot: Plot {
                    columns: false,
                    series: vec!["Sản phẩm".into()],
                    bars: vec![("4 sao".into(), vec![1098])],
                },
                header: vec!["Hạng".into(), "Số".into()],
                rows: vec![vec!["4 sao".into(), "1.098".into()]],
            }],
            footer: "Lập ngày 03/12/2026".into(),
        };
        let pdf = report_pdf(&r).expect("pdf");
        assert!(pdf.starts_with(b"%PDF"));
    }
}
