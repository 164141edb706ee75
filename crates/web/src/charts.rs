//! Charts drawn on the server as SVG, so a page needs no chart library and a PDF embeds the same
//! drawing. Every chart is also its data: the page shows a text summary and the table the bars are
//! drawn from, and each bar may link to the list of records it counts.
//!
//! Two shapes cover the dashboard: stacked horizontal bars for categories (stars, groups, places),
//! with the label above each bar so long Vietnamese names stay readable on a phone, and stacked
//! columns for time series (years, months, days). Colours are attributes, not CSS, so the drawing
//! keeps them outside the page too (saved, or opened on its own). The PDF report draws the same
//! data itself (`documents::Plot`), in the same colours.

use std::fmt::Write;

/// One category or period and its values per series.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub values: Vec<i64>,
    /// The list behind this bar.
    pub href: Option<String>,
}

/// A chart's data and drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Stable name: the API path (`/api/v1/stats/{id}`), the report's sheet, the page anchor.
    pub id: &'static str,
    pub title: String,
    /// One or two sentences saying what the chart shows, for every reader.
    pub summary: String,
    /// The label column's header, then one per series.
    pub header: Vec<String>,
    pub bars: Vec<Bar>,
    pub svg: String,
    /// What the drawing shows, for the PDF report to draw it again.
    pub plot: documents::Plot,
}

/// Series `i`'s colour (the report's palette: dark to light, distinguishable in grey too).
fn colour(i: usize) -> String {
    let (r, g, b) = documents::PALETTE[i % documents::PALETTE.len()];
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The largest stack of values above zero, what a full bar stands for (negative values are not
/// drawn, so they must not shorten the others).
fn scale(bars: &[Bar]) -> f64 {
    bars.iter().map(|b| b.values.iter().filter(|v| **v > 0).sum::<i64>()).max().unwrap_or(0).max(1) as f64
}

const WIDTH: f64 = 400.0;
const FONT: &str = "font-family=\"DejaVu Sans, Arial, sans-serif\"";

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `1.649` — Vietnamese thousands separator (the PDFs' own, so that both say the same).
pub use documents::number;

/// A label cut to `max` characters with "…", so that it does not run into the bar's total (the
/// table and the bar's tooltip keep it whole).
fn shortened(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

fn open(out: &mut String, height: f64, title: &str, summary: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" width=\"100%\" role=\"group\" \
         aria-label=\"{}\" {FONT} font-size=\"12\"><title>{}</title><desc>{}</desc>",
        esc(title),
        esc(title),
        esc(summary)
    );
}

fn legend(out: &mut String, series: &[String], y: f64) {
    if series.len() < 2 {
        return;
    }
    let mut x = 0.0;
    for (i, name) in series.iter().enumerate() {
        let _ = write!(
            out,
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" fill=\"#333\">{}</text>",
            y - 9.0,
            colour(i),
            x + 14.0,
            y,
            esc(name)
        );
        x += 22.0 + 7.0 * name.chars().count() as f64;
        if x > WIDTH - 60.0 {
            break;
        }
    }
}

fn link_open(out: &mut String, href: Option<&str>) {
    if let Some(h) = href {
        let _ = write!(out, "<a href=\"{}\">", esc(h));
    }
}

fn link_close(out: &mut String, href: Option<&str>) {
    if href.is_some() {
        out.push_str("</a>");
    }
}

/// Stacked horizontal bars, the label and total above each bar.
pub fn bars(title: &str, summary: &str, series: &[String], bars: &[Bar]) -> String {
    let row = 34.0;
    let top = if series.len() > 1 { 22.0 } else { 4.0 };
    let height = top + row * bars.len().max(1) as f64 + 4.0;
    let mut out = String::new();
    open(&mut out, height, title, summary);
    legend(&mut out, series, 12.0);
    let max = scale(bars);
    for (i, b) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let total: i64 = b.values.iter().sum();
        link_open(&mut out, b.href.as_deref());
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\" fill=\"#222\">{}</text><text x=\"{WIDTH}\" y=\"{}\" text-anchor=\"end\" fill=\"#222\" \
             font-weight=\"bold\">{}</text>",
            y + 12.0,
            esc(&shortened(&b.label, 46)),
            y + 12.0,
            number(total)
        );
        let mut x = 0.0;
        for (s, v) in b.values.iter().enumerate() {
            if *v <= 0 {
                continue;
            }
            let w = (WIDTH * *v as f64 / max).max(1.0);
            let name = series.get(s).map_or("", String::as_str);
            let _ = write!(
                out,
                "<rect x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"13\" fill=\"{}\"><title>{}: {} {}</title></rect>",
                y + 16.0,
                colour(s),
                esc(&b.label),
                esc(name),
                number(*v)
            );
            x += w;
        }
        link_close(&mut out, b.href.as_deref());
    }
    out.push_str("</svg>");
    out
}

/// Stacked columns over periods, labels under them (thinned when there are many).
pub fn columns(title: &str, summary: &str, series: &[String], bars: &[Bar]) -> String {
    let (top, plot, bottom) = (if series.len() > 1 { 22.0 } else { 6.0 }, 150.0, 20.0);
    let height = top + plot + bottom;
    let mut out = String::new();
    open(&mut out, height, title, summary);
    legend(&mut out, series, 12.0);
    let max = scale(bars);
    let _ = write!(
        out,
        "<line x1=\"0\" y1=\"{0}\" x2=\"{WIDTH}\" y2=\"{0}\" stroke=\"#999\" stroke-width=\"1\"/>",
        top + plot
    );
    let n = bars.len().max(1) as f64;
    let slot = WIDTH / n;
    let every = (bars.len() / 12).max(1);
    for (i, b) in bars.iter().enumerate() {
        let x = slot * i as f64;
        let total: i64 = b.values.iter().sum();
        link_open(&mut out, b.href.as_deref());
        let mut y = top + plot;
        for (s, v) in b.values.iter().enumerate() {
            if *v <= 0 {
                continue;
            }
            let h = plot * *v as f64 / max;
            y -= h;
            let name = series.get(s).map_or("", String::as_str);
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}: {} {}</title></rect>",
                x + slot * 0.12,
                slot * 0.76,
                colour(s),
                esc(&b.label),
                esc(name),
                number(*v)
            );
        }
        if bars.len() <= 12 && total > 0 {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#222\" font-size=\"10\">{}</text>",
                x + slot / 2.0,
                y - 3.0,
                number(total)
            );
        }
        link_close(&mut out, b.href.as_deref());
        if i.is_multiple_of(every) {
            let _ = write!(
                out,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333\" font-size=\"10\">{}</text>",
                x + slot / 2.0,
                top + plot + 14.0,
                esc(&b.label)
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, values: &[i64]) -> Bar {
        Bar { label: label.into(), values: values.to_vec(), href: Some(format!("/x?k={label}&a=1")) }
    }

    #[test]
    fn a_value_below_zero_does_not_stretch_the_others() {
        // Inspected more than planned: the "waiting" series is negative and not drawn.
        let svg = bars("t", "s", &["a".to_owned(), "b".to_owned()], &[bar("x", &[5, -3]), bar("y", &[2, 0])]);
        let widths: Vec<f64> = svg
            .split(" width=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next()?.parse().ok())
            .filter(|w| *w != 10.0)
            .collect();
        assert!(!widths.is_empty() && widths.iter().all(|w| *w <= WIDTH), "{widths:?}");
    }

    #[test]
    fn bars_scale_to_the_largest_total_escape_text_and_link() {
        let series = vec!["5★".to_owned(), "4★".to_owned()];
        let svg =
            bars("Sao <của> sản phẩm", "Tóm tắt", &series, &[bar("Ba Vì & Sơn Tây", &[1, 3]), bar("Gia Lâm", &[0, 2])]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Sao &lt;của&gt; sản phẩm") && svg.contains("Ba Vì &amp; Sơn Tây"));
        assert!(svg.contains("href=\"/x?k=Gia Lâm&amp;a=1\""));
        // The largest total fills the width; the zero value draws nothing.
        assert!(svg.contains("width=\"100.0\"") && svg.contains("width=\"300.0\""), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 3 + 2, "three bars and a two-entry legend");
        let empty = columns("t", "s", &[], &[]);
        assert!(empty.contains("</svg>") && !empty.contains("NaN"));
    }

    #[test]
    fn columns_thin_their_labels_when_there_are_many() {
        let days: Vec<Bar> = (1..=90).map(|d| bar(&format!("{d:02}"), &[d])).collect();
        let svg = columns("Lượt quét", "s", &["quét".to_owned()], &days);
        assert_eq!(svg.matches("font-size=\"10\">").count(), 90_usize.div_ceil(7));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }
}
