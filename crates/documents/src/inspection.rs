//! The inspection record (biên bản kiểm tra, giám sát) as a PDF: the visit, each checklist item
//! with its answer and note, the findings with their deadlines, and the signatures block.

use crate::letterhead;
use crate::pdf::{A4, Align, Cell, Doc, Rgb, Style, Table, Width, cm, wrap};

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

/// What the record shows. Every text is normalised to NFC before it is set.
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

/// Sets the record on A4 pages, numbered.
pub fn inspection_pdf(r: &InspectionRecord) -> Vec<u8> {
    record(r).finish(true)
}

fn record(r: &InspectionRecord) -> Doc {
    let mut doc = Doc::new(A4, (cm(2.0), cm(1.8)), &format!("{} {}", r.title, r.number), &r.authority);
    let (left, span) = (doc.left, doc.width());
    let top = doc.y;
    doc.y = letterhead(&mut doc, left, span, top, 9.0, &r.authority, Some(&r.number)) + cm(0.4);
    doc.title(Style::new(14.0).bold(), &r.title);
    if !r.done {
        doc.paragraph(
            Style::new(10.0).bold().color(Rgb(0xb0, 0x00, 0x20)),
            Align::Center,
            "(BẢN NHÁP — CHƯA KẾT THÚC)",
        );
    }
    doc.space(cm(0.3));

    let plain = Style::new(10.0);
    let bold = plain.bold();
    let row = |label: &str, value: &str, style: Style| vec![Cell::new(label, plain), Cell::new(value, style)];
    doc.table(&Table {
        widths: vec![Width::Fixed(cm(4.9)), Width::Share(1.0)],
        header: Vec::new(),
        rows: vec![
            row("Kế hoạch kiểm tra:", &r.plan, plain),
            row("Ngày kiểm tra:", &r.visited_on, plain),
            row("Chủ thể được kiểm tra:", &r.producer, bold),
            row("Địa chỉ:", &r.address, plain),
            row("Người đại diện:", &r.representative, plain),
            row("Thành phần tham dự:", &r.present, plain),
            row("Sản phẩm được kiểm tra:", &r.products.join("\n"), plain),
            row("Bộ nội dung kiểm tra:", &r.checklist_version, plain),
        ],
        grid: None,
        inset: (0.0, 3.0),
    });

    let grid = Some(Rgb::grey(150));
    doc.heading("I. Kết quả kiểm tra theo nội dung");
    doc.table(&Table {
        widths: vec![Width::Fixed(cm(1.1)), Width::Share(1.0), Width::Fixed(cm(2.6)), Width::Fixed(cm(4.2))],
        header: ["Mục", "Nội dung kiểm tra", "Kết quả", "Ghi chú"].map(|h| Cell::new(h, bold)).to_vec(),
        rows: r
            .checklist
            .iter()
            .map(|i| [&i.code, &i.text, &i.answer, &i.note].map(|t| Cell::new(t.as_str(), plain)).to_vec())
            .collect(),
        grid,
        inset: (4.0, 4.0),
    });

    doc.heading("II. Các tồn tại, vi phạm và thời hạn khắc phục");
    if r.findings.is_empty() {
        doc.paragraph(plain, Align::Left, "Không phát hiện tồn tại, vi phạm.");
    } else {
        doc.table(&Table {
            widths: vec![Width::Fixed(cm(0.8)), Width::Fixed(cm(3.0)), Width::Share(1.0), Width::Fixed(cm(3.0))],
            header: ["TT", "Mức độ", "Nội dung", "Khắc phục trước"].map(|h| Cell::new(h, bold)).to_vec(),
            rows: r
                .findings
                .iter()
                .enumerate()
                .map(|(n, f)| {
                    let what = if f.about.is_empty() {
                        f.description.clone()
                    } else {
                        format!("{}: {}", f.about, f.description)
                    };
                    vec![
                        Cell::new((n + 1).to_string(), plain),
                        Cell::new(f.severity.as_str(), plain),
                        Cell::new(what, plain),
                        Cell::new(f.remedy_by.as_str(), plain),
                    ]
                })
                .collect(),
            grid,
            inset: (4.0, 4.0),
        });
    }
    doc.space(6.0);
    doc.paragraph(
        plain,
        Align::Left,
        "Biên bản được lập thành hai bản có giá trị như nhau: chủ thể giữ một bản, đoàn kiểm tra giữ một bản. \
         Chủ thể có trách nhiệm khắc phục các tồn tại trong thời hạn nêu trên và báo cáo kết quả trên nền tảng OCOP.",
    );

    // The signatures stay together on one page.
    doc.space(cm(0.8));
    let half = span / 2.0;
    let representative = wrap(plain, &r.representative, half);
    let inspectors = wrap(plain, &r.inspectors.join("\n"), half);
    let names = representative.len().max(inspectors.len()) as f32 * plain.leading();
    doc.ensure(bold.leading() + Style::new(9.0).leading() + cm(1.8) + names);
    let y = doc.y;
    let mut end = y;
    for (x, party, names) in [(left, "ĐẠI DIỆN CHỦ THỂ", &representative), (left + half, "ĐOÀN KIỂM TRA", &inspectors)]
    {
        let mut at = doc.lines_at(x, half, y, bold, Align::Center, &[party.to_owned()]);
        at = doc.lines_at(x, half, at, Style::new(9.0).italic(), Align::Center, &["(Ký, ghi rõ họ tên)".to_owned()]);
        end = end.max(doc.lines_at(x, half, at + cm(1.8), plain, Align::Center, names));
    }
    doc.y = end;
    doc
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
        let pdf = inspection_pdf(&r);
        assert!(pdf.starts_with(b"%PDF-"));
        r.findings.push(RecordedFinding {
            severity: "Nghiêm trọng".into(),
            about: "2.1".into(),
            description: "Nhãn thiếu hạn sử dụng".into(),
            remedy_by: "10/07/2026".into(),
        });
        r.done = false;
        r.checklist = (1..=40)
            .map(|n| CheckedItem {
                code: format!("{}.{}", n / 10 + 1, n % 10),
                text: "Điều kiện nhà xưởng, kho bảo quản và vệ sinh an toàn thực phẩm ".repeat(n % 4 + 1),
                answer: if n % 7 == 0 { "Không đạt" } else { "Đạt" }.into(),
                note: if n % 5 == 0 { "Cần bổ sung hồ sơ".into() } else { String::new() },
            })
            .collect();
        let doc = record(&r);
        let pages = doc.page_count();
        assert!(pages > 2 && !doc.spilled(), "{pages} pages, within the margins");
        let pdf = doc.finish(true);
        if let Ok(dir) = std::env::var("OCOP_ARTIFACTS") {
            std::fs::write(format!("{dir}/inspection-sample.pdf"), &pdf).expect("write sample");
        }
        assert_eq!(String::from_utf8_lossy(&pdf).matches("/Type /Page ").count(), pages);
    }
}
