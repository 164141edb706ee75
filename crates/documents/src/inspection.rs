//! The inspection record (biên bản kiểm tra, giám sát) as a PDF: the visit, each checklist item
//! with its answer and note, the findings with their deadlines, and the signatures block.

use crate::{BOLD, REGULAR};
use std::sync::LazyLock;
use typst::foundations::{Array, Dict, IntoValue, Str, Value};
use typst::layout::PagedDocument;
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};
use unicode_normalization::UnicodeNormalization;

const TEMPLATE: &str = include_str!("../templates/inspection.typ");

static ENGINE: LazyLock<TypstEngine<TypstTemplateMainFile>> =
    LazyLock::new(|| TypstEngine::builder().main_file(TEMPLATE).fonts([REGULAR, BOLD]).build());

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedItem {
    pub code: String,
    pub text: String,
    /// "Đạt", "Không đạt", "Không áp dụng", or empty while unanswered.
    pub answer: String,
    pub note: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordedFinding {
    pub severity: String,
    /// The checklist item and product it is about.
    pub about: String,
    pub description: String,
    /// `dd/mm/yyyy`.
    pub remedy_by: String,
}

/// What the record shows. Every text is normalised to NFC before it is typeset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InspectionRecord {
    pub authority: String,
    pub title: String,
    pub number: String,
    pub plan: String,
    pub producer: String,
    pub address: String,
    pub representative: String,
    pub visited_on: String,
    pub present: String,
    pub products: Vec<String>,
    pub checklist: Vec<CheckedItem>,
    pub findings: Vec<RecordedFinding>,
    pub inspectors: Vec<String>,
    pub checklist_version: String,
    /// The record is closed; otherwise the PDF says it is a draft.
    pub done: bool,
}

fn text(s: &str) -> Value {
    Str::from(s.nfc().collect::<String>()).into_value()
}

fn dict(pairs: &[(&str, &str)]) -> Value {
    let mut d = Dict::new();
    for (k, v) in pairs {
        d.insert((*k).into(), text(v));
    }
    d.into_value()
}

fn texts(items: &[String]) -> Value {
    items.iter().map(|s| text(s)).collect::<Array>().into_value()
}

/// Typesets the record; the error is typst's diagnostic, a defect of ours.
pub fn inspection_pdf(r: &InspectionRecord) -> Result<Vec<u8>, String> {
    let mut inputs = Dict::new();
    for (key, value) in [
        ("authority", r.authority.as_str()),
        ("title", &r.title),
        ("number", &r.number),
        ("plan", &r.plan),
        ("producer", &r.producer),
        ("address", &r.address),
        ("representative", &r.representative),
        ("visited_on", &r.visited_on),
        ("present", &r.present),
        ("checklist_version", &r.checklist_version),
        ("draft", if r.done { "no" } else { "yes" }),
    ] {
        inputs.insert(key.into(), text(value));
    }
    inputs.insert("products".into(), texts(&r.products));
    inputs.insert("inspectors".into(), texts(&r.inspectors));
    let checklist: Array = r
        .checklist
        .iter()
        .map(|i| dict(&[("code", &i.code), ("text", &i.text), ("answer", &i.answer), ("note", &i.note)]))
        .collect();
    inputs.insert("checklist".into(), checklist.into_value());
    let findings: Array = r
        .findings
        .iter()
        .map(|f| {
            dict(&[
                ("severity", &f.severity),
                ("about", &f.about),
                ("description", &f.description),
                ("remedy_by", &f.remedy_by),
            ])
        })
        .collect();
    inputs.insert("findings".into(), findings.into_value());
    let doc: PagedDocument = ENGINE.compile_with_input(inputs).output.map_err(|e| format!("{e:?}"))?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_is_a_pdf_even_with_no_findings_and_odd_text() {
        let mut r = InspectionRecord {
            authority: "Văn phòng Điều phối Chương trình OCOP Thành phố Hà Nội".into(),
            title: "BIÊN BẢN KIỂM TRA, GIÁM SÁT SẢN PHẨM OCOP".into(),
            number: "12/BB-KT".into(),
            plan: "Kế hoạch kiểm tra 2026".into(),
            producer: "Hợp tác xã Mật ong Ba Vì".into(),
            address: "Xã Ba Vì, Thành phố Hà Nội".into(),
            representative: "Nguyễn Thị Hoa".into(),
            visited_on: "10/06/2026".into(),
            present: "Ông A (trưởng đoàn); bà B; #[evil] $x$ *bold*".into(),
            products: vec!["Mật ong hoa nhãn (01-00577-001-2026, 4★)".into()],
            checklist: vec![CheckedItem {
                code: "1.1".into(),
                text: "Nhà xưởng".into(),
                answer: "Đạt".into(),
                note: String::new(),
            }],
            findings: Vec::new(),
            inspectors: vec!["Trần Văn Kiểm".into()],
            checklist_version: "GS-OCOP-2026.1".into(),
            done: true,
        };
        let pdf = inspection_pdf(&r).expect("typesets");
        assert!(pdf.starts_with(b"%PDF-"));
        r.findings.push(RecordedFinding {
            severity: "Nghiêm trọng".into(),
            about: "2.1".into(),
            description: "Nhãn thiếu hạn sử dụng".into(),
            remedy_by: "10/07/2026".into(),
        });
        r.done = false;
        assert!(inspection_pdf(&r).expect("typesets").len() > 1000);
    }
}
