//! Documents the platform prints: the OCOP certificate, the inspection record and the programme
//! report as PDFs, written by the crate's own `pdf` module with an embedded DejaVu Sans so every
//! Vietnamese diacritic renders, with a QR code to the public verification page; and the streamed
//! label sheets.

mod inspection;
pub mod labels;
mod pdf;
mod report;

pub use inspection::{CheckedItem, InspectionRecord, RecordedFinding, inspection_pdf};
pub use report::{PALETTE, Plot, Report, ReportChart, ReportTarget, Shape, number, report_pdf};

use pdf::{A4, Align, Cell, Doc, Rgb, Style, Table, Width, cm, text_width, wrap};

const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

const GREEN: Rgb = Rgb(0x0b, 0x6e, 0x4f);
const GOLD: Rgb = Rgb(0xb8, 0x86, 0x0b);
const RED: Rgb = Rgb(190, 20, 20);

/// What a certificate shows. Every text is normalised to NFC before it is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Certificate {
    pub number: String,
    /// "Ủy ban nhân dân Thành phố Hà Nội", "Bộ Nông nghiệp và Môi trường".
    pub issuer: String,
    pub stars: u8,
    pub product_name: String,
    pub product_code: String,
    pub sheet: String,
    pub producer_name: String,
    pub producer_address: String,
    pub decision_number: String,
    /// `dd/mm/yyyy`.
    pub decision_date: String,
    pub issued_on: String,
    pub expires_on: String,
    pub criteria_version: String,
    /// "Hà Nội", where the decision was signed.
    pub place: String,
    /// "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", "BỘ TRƯỞNG".
    pub signer_title: String,
    pub signer: String,
    /// The public page that shows the certificate's live status.
    pub verify_url: String,
    /// Recognised by the Ministry on the central council's advice: only then is a 5★ "cấp quốc
    /// gia"; a province's 5★ is "tiềm năng 5 sao".
    pub central: bool,
    /// "ĐÃ THU HỒI …" across the page of a revoked certificate printed again; blank otherwise.
    pub revoked: String,
}

fn rank_label(stars: u8, central: bool) -> &'static str {
    match (stars, central) {
        (5, true) => "HẠNG 5 SAO (CẤP QUỐC GIA)",
        (5, false) => "TIỀM NĂNG 5 SAO (CẤP TỈNH)",
        (4, _) => "HẠNG 4 SAO (CẤP TỈNH)",
        _ => "HẠNG 3 SAO (CẤP TỈNH)",
    }
}

/// The heading every administrative document opens with (Nghị định 30/2020/NĐ-CP): the issuing
/// body and the document's number on the left, the national motto on the right, each underlined.
/// Returns where it ends.
fn letterhead(doc: &mut Doc, x: f32, span: f32, y: f32, size: f32, issuer: &str, number: Option<&str>) -> f32 {
    let half = span / 2.0;
    let bold = Style::new(size).bold();
    let lines = wrap(bold, &issuer.to_uppercase(), half - 10.0);
    let mut left = doc.lines_at(x, half, y, bold, Align::Center, &lines) + 2.0;
    doc.line((x + half * 0.35, left), (x + half * 0.65, left), 0.6, Rgb::BLACK);
    if let Some(number) = number {
        let lines = wrap(Style::new(size), &format!("Số: {number}"), half - 10.0);
        left = doc.lines_at(x, half, left + 4.0, Style::new(size), Align::Center, &lines);
    }
    let motto = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_owned(), "Độc lập - Tự do - Hạnh phúc".to_owned()];
    let right = doc.lines_at(x + half, half, y, bold, Align::Center, &motto) + 2.0;
    doc.line((x + half * 1.325, right), (x + half * 1.675, right), 0.6, Rgb::BLACK);
    left.max(right + 4.0)
}

/// The certificate's particulars, set at `scale` of their usual size.
fn particulars(c: &Certificate, scale: f32) -> Table {
    let plain = Style::new(11.5).scaled(scale);
    let row = |label: &str, value: String, style: Style| vec![Cell::new(label, plain), Cell::new(value, style)];
    Table {
        widths: vec![Width::Fixed(cm(5.2) * scale), Width::Share(1.0)],
        header: Vec::new(),
        rows: vec![
            row("Tên sản phẩm:", c.product_name.clone(), Style::new(14.0).scaled(scale).bold()),
            row("Mã sản phẩm OCOP:", c.product_code.clone(), plain),
            row("Nhóm, bộ sản phẩm:", c.sheet.clone(), plain),
            row("Chủ thể sản xuất:", c.producer_name.clone(), plain.bold()),
            row("Địa chỉ:", c.producer_address.clone(), plain),
            row("Quyết định công nhận:", format!("Số {} ngày {}", c.decision_number, c.decision_date), plain),
            row("Bộ tiêu chí áp dụng:", format!("Quyết định {}", c.criteria_version), plain),
            row("Hiệu lực:", format!("Từ ngày {} đến hết ngày {}", c.issued_on, c.expires_on), plain.bold()),
        ],
        grid: None,
        inset: (0.0, 4.0 * scale),
    }
}

/// Sets the certificate on one landscape A4 page: long names and addresses make the particulars
/// smaller, never a second page. The error is a QR code that cannot hold the address.
pub fn certificate_pdf(c: &Certificate) -> Result<Vec<u8>, String> {
    certificate(c).map(|doc| doc.finish(false))
}

fn certificate(c: &Certificate) -> Result<Doc, String> {
    let (w, h) = (A4.1, A4.0);
    let title = format!("Giấy chứng nhận sản phẩm OCOP {}", c.number);
    let mut doc = Doc::new((w, h), (cm(1.6), cm(1.3)), &title, &c.issuer);
    let (left, top, right, bottom) = (doc.left, doc.top, doc.right, doc.bottom);
    doc.rect(left, top, right - left, bottom - top, None, Some((3.0, GREEN)));
    doc.rect(left + 10.0, top + 10.0, right - left - 20.0, bottom - top - 20.0, None, Some((0.8, GOLD)));
    let (x0, x1, y0, y1) = (left + 26.0, right - 26.0, top + 26.0, bottom - 26.0);
    let span = x1 - x0;
    let half = span / 2.0;

    let mut y = letterhead(&mut doc, x0, span, y0, 10.0, &c.issuer, Some(&c.number)) + cm(0.4);
    let centred = |doc: &mut Doc, y: f32, style: Style, text: &str| {
        let lines = wrap(style, text, span);
        doc.lines_at(x0, span, y, style, Align::Center, &lines)
    };
    doc.begin("H1");
    y = centred(&mut doc, y, Style::new(24.0).bold().color(GREEN), "GIẤY CHỨNG NHẬN") + cm(0.1);
    y = centred(&mut doc, y, Style::new(14.0).bold(), "SẢN PHẨM MỖI XÃ MỘT SẢN PHẨM (OCOP)") + cm(0.2);
    doc.end();
    y = centred(&mut doc, y, Style::new(28.0).color(GOLD), &"★".repeat(usize::from(c.stars.clamp(3, 5))));
    y = centred(&mut doc, y, Style::new(12.0).bold(), rank_label(c.stars, c.central)) + cm(0.3);

    // The foot first, pinned to the bottom of the frame: the note on validity on the left, the
    // signature on the right. The particulars fill what is left above it.
    let note_style = Style::new(8.5).color(Rgb::grey(90));
    let note = wrap(
        note_style,
        "Giấy chứng nhận có giá trị 36 tháng kể từ ngày ban hành quyết định (Điều 4.3 Quyết định \
         26/2026/QĐ-TTg). Tình trạng hiện thời (còn hiệu lực, hết hạn, bị thu hồi) xem tại trang kiểm tra \
         trực tuyến.",
        half - 20.0,
    );
    let note_top = y1 - note.len() as f32 * note_style.leading();
    let sign = Style::new(11.0);
    let place = wrap(sign.italic(), &format!("{}, ngày {}", c.place, c.issued_on), half);
    let signer_title = wrap(sign.bold(), &c.signer_title, half);
    let signer = wrap(sign.bold(), &c.signer, half);
    let sign_top = y1 - sign.leading() * (place.len() + signer_title.len() + signer.len()) as f32 - cm(1.4);
    let foot = note_top.min(sign_top) - cm(0.3);

    // The particulars on the left, the QR code on the right.
    let (qr_column, gutter) = (cm(4.2), cm(0.8));
    let table_span = span - qr_column - gutter;
    let mut scale = 1.0;
    let mut table = particulars(c, scale);
    while y + Doc::table_height(&table, table_span) > foot && scale > 0.5 {
        scale -= 0.05;
        table = particulars(c, scale);
    }
    doc.y = y;
    doc.table_in(x0, table_span, &table);
    let table_end = doc.y;
    let caption_style = Style::new(7.5);
    let mut caption = vec!["Quét mã để kiểm tra hiệu lực".to_owned()];
    caption.extend(wrap(caption_style, &c.verify_url, qr_column));
    let block = cm(4.0) + 4.0 + caption.len() as f32 * caption_style.leading();
    let qr_x = x1 - qr_column;
    let qr_y = y + ((table_end - y - block) / 2.0).max(0.0);
    doc.qr(qr_x + cm(0.1), qr_y, cm(4.0), &c.verify_url, &format!("Mã QR kiểm tra hiệu lực: {}", c.verify_url))?;
    doc.lines_at(qr_x, qr_column, qr_y + cm(4.0) + 4.0, caption_style, Align::Center, &caption);

    doc.lines_at(x0, half, note_top, note_style, Align::Left, &note);
    let mut s = doc.lines_at(x0 + half, half, sign_top, sign.italic(), Align::Center, &place);
    s = doc.lines_at(x0 + half, half, s, sign.bold(), Align::Center, &signer_title) + cm(1.4);
    doc.lines_at(x0 + half, half, s, sign.bold(), Align::Center, &signer);

    // A revoked certificate printed again carries the revocation across the page.
    let revoked = c.revoked.split_whitespace().collect::<Vec<_>>().join(" ");
    if !revoked.is_empty() {
        let mut stamp = Style::new(34.0).bold().color(RED);
        let natural = text_width(stamp, &revoked);
        if natural > span * 0.8 {
            stamp.size *= span * 0.8 / natural;
        }
        let (bw, bh) = (text_width(stamp, &revoked) + 36.0, stamp.size * 1.2 + 20.0);
        let (bx, by) = ((w - bw) / 2.0, (h - bh) / 2.0 + cm(1.2));
        doc.veil(bx, by, bw, bh);
        doc.rect(bx, by, bw, bh, None, Some((3.0, RED)));
        // Capitals centred: the baseline sits half a cap height below the middle.
        doc.text(bx + 18.0, by + bh / 2.0 + stamp.size * 0.36, stamp, &revoked);
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Certificate {
        Certificate {
            number: "OCOP-01-2026-00001".into(),
            issuer: "Ủy ban nhân dân Thành phố Hà Nội".into(),
            stars: 4,
            product_name: "Mật ong hoa nhãn Đông Anh".into(),
            product_code: "01-00577-001-2026".into(),
            sheet: "04 · Mật ong, mật khác và nông sản thực phẩm khác".into(),
            producer_name: "Hợp tác xã Nông nghiệp Bát Tràng".into(),
            producer_address: "Xã Bát Tràng, Thành phố Hà Nội".into(),
            decision_number: "5123/QĐ-UBND".into(),
            decision_date: "20/11/2026".into(),
            issued_on: "20/11/2026".into(),
            expires_on: "20/11/2029".into(),
            criteria_version: "26/2026/QĐ-TTg".into(),
            place: "Hà Nội".into(),
            signer_title: "CHỦ TỊCH".into(),
            signer: "Nguyễn Văn Đức".into(),
            verify_url: "https://ocop.example/verify/certificate/OCOP-01-2026-00001".into(),
            central: false,
            revoked: String::new(),
        }
    }

    #[test]
    fn a_certificate_is_a_pdf_with_an_embedded_font() {
        let mut c = sample();
        let pdf = certificate_pdf(&c).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("DejaVuSans") && text.contains("/FontFile2"), "the font is embedded");
        c.revoked = "ĐÃ THU HỒI NGÀY 01/12/2026 THEO QUYẾT ĐỊNH 6001/QĐ-UBND".into();
        let revoked = certificate_pdf(&c).expect("pdf");
        assert!(String::from_utf8_lossy(&revoked).contains("/ExtGState"), "the stamp's veil");
        if let Ok(dir) = std::env::var("OCOP_ARTIFACTS") {
            std::fs::write(format!("{dir}/certificate-sample.pdf"), &pdf).expect("write sample");
            std::fs::write(format!("{dir}/certificate-revoked-sample.pdf"), &revoked).expect("write sample");
        }
    }

    #[test]
    fn a_certificate_at_the_longest_names_stays_on_its_page() {
        let c = Certificate {
            stars: 5,
            product_name: "Mật ong hoa nhãn rừng tự nhiên ".repeat(7),
            producer_name: "Hợp tác xã Nông nghiệp và Dịch vụ Tổng hợp ".repeat(5),
            producer_address: "Thôn Đông, xã Bát Tràng, Thành phố Hà Nội, ".repeat(6),
            signer_title: "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH".into(),
            central: true,
            revoked: "ĐÃ THU HỒI · 01/12/2026".into(),
            ..sample()
        };
        assert!(c.product_name.chars().count() >= 200 && c.producer_address.chars().count() >= 250);
        let doc = certificate(&c).expect("sets");
        assert_eq!(doc.page_count(), 1);
        assert!(!doc.spilled(), "nothing below the frame");
        if let Ok(dir) = std::env::var("OCOP_ARTIFACTS") {
            std::fs::write(format!("{dir}/certificate-long-sample.pdf"), doc.finish(false)).expect("write sample");
        }
    }

    #[test]
    fn only_the_ministry_five_is_national() {
        assert_eq!(rank_label(5, true), "HẠNG 5 SAO (CẤP QUỐC GIA)");
        assert!(!rank_label(5, false).contains("QUỐC GIA") && rank_label(5, false).contains("TIỀM NĂNG"));
    }
}
