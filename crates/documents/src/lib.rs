//! Documents the platform prints: the OCOP certificate, the inspection record and the programme
//! report as PDFs (written by [`pdf`], with an embedded DejaVu Sans so every Vietnamese diacritic
//! renders), with a QR code to the public verification page; and the streamed label sheets.

mod inspection;
pub mod labels;
mod pdf;
mod report;

pub use inspection::{CheckedItem, InspectionRecord, RecordedFinding, inspection_pdf};
pub use report::{Plot, Report, ReportChart, ReportTarget, number, report_pdf};

use pdf::{A4, Align, Cell, Doc, Rgb, Style, Table, Width, cm, wrap};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

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

/// A QR code of `text` as SVG (error correction M), for pages and PDFs.
pub fn qr_svg(text: &str) -> Result<String, String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| e.to_string())?;
    Ok(code.render::<svg::Color<'_>>().min_dimensions(160, 160).quiet_zone(true).build())
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
        left = doc.lines_at(x, half, left + 4.0, Style::new(size), Align::Center, &[format!("Số: {number}")]);
    }
    let motto = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM".to_owned(), "Độc lập - Tự do - Hạnh phúc".to_owned()];
    let right = doc.lines_at(x + half, half, y, bold, Align::Center, &motto) + 2.0;
    doc.line((x + half * 1.325, right), (x + half * 1.675, right), 0.6, Rgb::BLACK);
    left.max(right + 4.0)
}

/// Sets the certificate on one landscape A4 page; the error is a QR code that cannot hold the
/// verification address.
pub fn certificate_pdf(c: &Certificate) -> Result<Vec<u8>, String> {
    let (w, h) = (A4.1, A4.0);
    let mut doc =
        Doc::new((w, h), (cm(1.6), cm(1.3)), &format!("Giấy chứng nhận sản phẩm OCOP {}", c.number), &c.issuer);
    let (left, top, right, bottom) = (doc.left, doc.top, doc.right, doc.bottom);
    doc.rect(left, top, right - left, bottom - top, None, Some((3.0, GREEN)));
    doc.rect(left + 10.0, top + 10.0, right - left - 20.0, bottom - top - 20.0, None, Some((0.8, GOLD)));
    let (x0, x1, y0, y1) = (left + 26.0, right - 26.0, top + 26.0, bottom - 26.0);
    let span = x1 - x0;

    let mut y = letterhead(&mut doc, x0, span, y0, 10.0, &c.issuer, Some(&c.number)) + cm(0.4);
    let centred = |doc: &mut Doc, y: f32, style: Style, text: &str| {
        let lines = wrap(style, text, span);
        doc.lines_at(x0, span, y, style, Align::Center, &lines)
    };
    y = centred(&mut doc, y, Style::new(24.0).bold().color(GREEN), "GIẤY CHỨNG NHẬN") + cm(0.1);
    y = centred(&mut doc, y, Style::new(14.0).bold(), "SẢN PHẨM MỖI XÃ MỘT SẢN PHẨM (OCOP)") + cm(0.2);
    y = centred(&mut doc, y, Style::new(28.0).color(GOLD), &"★".repeat(usize::from(c.stars.clamp(3, 5))));
    y = centred(&mut doc, y, Style::new(12.0).bold(), rank_label(c.stars, c.central)) + cm(0.3);

    // The particulars on the left, the QR code on the right.
    let (qr_column, gutter) = (cm(4.2), cm(0.8));
    let plain = Style::new(11.5);
    let strong = plain.bold();
    let row = |label: &str, value: String, style: Style| vec![Cell::new(label, plain), Cell::new(value, style)];
    let table = Table {
        widths: vec![Width::Fixed(cm(5.2)), Width::Share(1.0)],
        header: Vec::new(),
        rows: vec![
            row("Tên sản phẩm:", c.product_name.clone(), Style::new(14.0).bold()),
            row("Mã sản phẩm OCOP:", c.product_code.clone(), plain),
            row("Nhóm, bộ sản phẩm:", c.sheet.clone(), plain),
            row("Chủ thể sản xuất:", c.producer_name.clone(), strong),
            row("Địa chỉ:", c.producer_address.clone(), plain),
            row("Quyết định công nhận:", format!("Số {} ngày {}", c.decision_number, c.decision_date), plain),
            row("Bộ tiêu chí áp dụng:", format!("Quyết định {}", c.criteria_version), plain),
            row("Hiệu lực:", format!("Từ ngày {} đến hết ngày {}", c.issued_on, c.expires_on), strong),
        ],
        grid: None,
        inset: (0.0, 4.0),
    };
    doc.left = x0;
    doc.right = x1 - qr_column - gutter;
    doc.y = y;
    doc.table(&table);
    let table_end = doc.y;
    let caption_style = Style::new(7.5);
    let mut caption = vec!["Quét mã để kiểm tra hiệu lực".to_owned()];
    caption.extend(wrap(caption_style, &c.verify_url, qr_column));
    let block = cm(4.0) + 4.0 + caption.len() as f32 * caption_style.leading();
    let qr_x = x1 - qr_column;
    let qr_y = y + ((table_end - y - block) / 2.0).max(0.0);
    doc.qr(qr_x + cm(0.1), qr_y, cm(4.0), &c.verify_url)?;
    doc.lines_at(qr_x, qr_column, qr_y + cm(4.0) + 4.0, caption_style, Align::Center, &caption);

    // The foot: the note on validity at the bottom left, the signature on the right.
    let half = span / 2.0;
    let note_style = Style::new(8.5).color(Rgb::grey(90));
    let note = wrap(
        note_style,
        "Giấy chứng nhận có giá trị 36 tháng kể từ ngày ban hành quyết định (Điều 4.3 Quyết định \
         26/2026/QĐ-TTg). Tình trạng hiện thời (còn hiệu lực, hết hạn, bị thu hồi) xem tại trang kiểm tra \
         trực tuyến.",
        half - 20.0,
    );
    doc.lines_at(x0, half, y1 - note.len() as f32 * note_style.leading(), note_style, Align::Left, &note);
    let sign = Style::new(11.0);
    let signer_lines = wrap(sign.bold(), &c.signer_title, half);
    let sign_height = sign.leading() * (2.0 + signer_lines.len() as f32) + cm(1.4);
    let mut s = y1 - sign_height;
    s = doc.lines_at(x0 + half, half, s, sign.italic(), Align::Center, &[format!("{}, ngày {}", c.place, c.issued_on)]);
    s = doc.lines_at(x0 + half, half, s, sign.bold(), Align::Center, &signer_lines) + cm(1.4);
    doc.lines_at(x0 + half, half, s, sign.bold(), Align::Center, std::slice::from_ref(&c.signer));

    // A revoked certificate printed again carries the revocation across the page.
    if !c.revoked.trim().is_empty() {
        let mut stamp = Style::new(34.0).bold().color(RED);
        let natural = pdf::width(stamp, &c.revoked);
        if natural > span * 0.8 {
            stamp.size *= span * 0.8 / natural;
        }
        let (bw, bh) = (pdf::width(stamp, &c.revoked) + 36.0, stamp.size * 1.2 + 20.0);
        let (bx, by) = ((w - bw) / 2.0, (h - bh) / 2.0 + cm(1.2));
        doc.veil(bx, by, bw, bh);
        doc.rect(bx, by, bw, bh, None, Some((3.0, RED)));
        // Capitals centred: the baseline sits half a cap height below the middle.
        doc.text(bx + 18.0, by + bh / 2.0 + stamp.size * 0.36, stamp, &c.revoked);
    }
    Ok(doc.finish(false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_a_pdf_with_an_embedded_font() {
        let mut c = Certificate {
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
        };
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
    fn only_the_ministry_five_is_national() {
        assert_eq!(rank_label(5, true), "HẠNG 5 SAO (CẤP QUỐC GIA)");
        assert!(!rank_label(5, false).contains("QUỐC GIA") && rank_label(5, false).contains("TIỀM NĂNG"));
    }

    #[test]
    fn qr_codes_are_svg() {
        let svg = qr_svg("https://ocop.example/verify/certificate/X").expect("qr");
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"));
    }
}
