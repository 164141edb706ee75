//! The programme report ("Báo cáo kết quả thực hiện Chương trình OCOP") as a PDF: the headline
//! figures, each chart drawn from the same SVG the dashboard shows with its table, and the plan's
//! targets with their live values.

use crate::{BOLD, REGULAR};
use std::sync::LazyLock;
use typst::foundations::{Array, Dict, IntoValue, Str, Value};
use typst::layout::PagedDocument;
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use unicode_normalization::UnicodeNormalization;

const TEMPLATE: &str = include_str!("../templates/report.typ");

static ENGINE: LazyLock<TypstEngine<TypstTemplateMainFile>> =
    LazyLock::new(|| TypstEngine::builder().main_file(TEMPLATE).fonts([REGULAR, BOLD]).build());

/// One chart of the report: its drawing and its table (all cells as text, numbers formatted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportChart {
    pub title: String,
    pub summary: String,
    pub svg: String,
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

/// What the report shows. Every text is normalised to NFC before it is typeset.
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

fn text(s: &str) -> Value {
    Str::from(s.nfc().collect::<String>()).into_value()
}

fn texts(items: &[String]) -> Value {
    items.iter().map(|s| text(s)).collect::<Array>().into_value()
}

/// Typesets the report; the error is typst's diagnostic, a defect of ours.
pub fn report_pdf(r: &Report) -> Result<Vec<u8>, String> {
    let mut inputs = Dict::new();
    for (key, value) in [
        ("authority", r.authority.as_str()),
        ("title", &r.title),
        ("subtitle", &r.subtitle),
        ("targets_title", &r.targets_title),
        ("footer", &r.footer),
    ] {
        inputs.insert(key.into(), text(value));
    }
    let headline: Array = r.headline.iter().map(|(k, v)| texts(&[k.clone(), v.clone()])).collect();
    inputs.insert("headline".into(), headline.into_value());
    let targets: Array = r
        .targets
        .iter()
        .map(|t| texts(&[t.name.clone(), t.value.clone(), t.threshold.clone(), t.status.clone()]))
        .collect();
    inputs.insert("targets".into(), targets.into_value());
    let charts: Array = r
        .charts
        .iter()
        .map(|c| {
            let mut d = Dict::new();
            d.insert("title".into(), text(&c.title));
            d.insert("summary".into(), text(&c.summary));
            // typst draws the SVG without a browser: links and titles inside are ignored.
            d.insert("svg".into(), Str::from(c.svg.as_str()).into_value());
            d.insert("header".into(), texts(&c.header));
            d.insert("rows".into(), c.rows.iter().map(|row| texts(row)).collect::<Array>().into_value());
            d.into_value()
        })
        .collect();
    inputs.insert("charts".into(), charts.into_value());
    let doc: PagedDocument = ENGINE.compile_with_input(inputs).output.map_err(|e| format!("{e:?}"))?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).map_err(|e| format!("{e:?}"))
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
                svg: "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"><rect width=\"5\" height=\"5\"/></svg>".into(),
                header: vec!["Hạng".into(), "Số".into()],
                rows: vec![vec!["4 sao".into(), "1.098".into()]],
            }],
            footer: "Lập ngày 03/12/2026".into(),
        };
        let pdf = report_pdf(&r).expect("pdf");
        assert!(pdf.starts_with(b"%PDF"));
    }
}
