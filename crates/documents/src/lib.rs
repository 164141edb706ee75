//! Documents the platform prints: the OCOP certificate and the inspection record as PDFs (typst, with an embedded
//! DejaVu Sans so every Vietnamese diacritic renders), with a QR code to its public verification
//! page. Kept in its own crate because typst is the heaviest part of the build: editing a page
//! does not recompile it.

mod inspection;
pub mod labels;
mod report;

pub use inspection::{CheckedItem, InspectionRecord, RecordedFinding, inspection_pdf};
pub use report::{Report, ReportChart, ReportTarget, report_pdf};

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use std::sync::LazyLock;
use typst::foundations::{Dict, IntoValue, Str};
use typst::layout::PagedDocument;
use typst_as_lib::TypstEngine;
use typst_as_lib::TypstTemplateMainFile;
use unicode_normalization::UnicodeNormalization;

const TEMPLATE: &str = include_str!("../templates/certificate.typ");
const REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

static ENGINE: LazyLock<TypstEngine<TypstTemplateMainFile>> =
    LazyLock::new(|| TypstEngine::builder().main_file(TEMPLATE).fonts([REGULAR, BOLD]).build());

/// What a certificate shows. Every text is normalised to NFC before it is typeset.
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

/// Typesets the certificate; the error is typst's diagnostic, a defect of ours.
pub fn certificate_pdf(c: &Certificate) -> Result<Vec<u8>, String> {
    let qr = qr_svg(&c.verify_url)?;
    let text = |s: &str| Str::from(s.nfc().collect::<String>()).into_value();
    let mut inputs = Dict::new();
    for (key, value) in [
        ("number", c.number.as_str()),
        ("issuer", &c.issuer),
        ("product_name", &c.product_name),
        ("product_code", &c.product_code),
        ("sheet", &c.sheet),
        ("producer_name", &c.producer_name),
        ("producer_address", &c.producer_address),
        ("decision_number", &c.decision_number),
        ("decision_date", &c.decision_date),
        ("issued_on", &c.issued_on),
        ("expires_on", &c.expires_on),
        ("criteria_version", &c.criteria_version),
        ("place", &c.place),
        ("signer_title", &c.signer_title),
        ("signer", &c.signer),
        ("verify_url", &c.verify_url),
        ("qr", &qr),
        ("rank_label", rank_label(c.stars, c.central)),
        ("revoked", &c.revoked),
    ] {
        inputs.insert(key.into(), text(value));
    }
    inputs.insert("star_glyphs".into(), text(&"★".repeat(usize::from(c.stars.clamp(3, 5)))));
    let doc: PagedDocument = ENGINE.compile_with_input(inputs).output.map_err(|e| format!("{e:?}"))?;
    typst_pdf::pdf(&doc, &typst_pdf::PdfOptions::default()).map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_a_pdf_with_an_embedded_font() {
        let pdf = certificate_pdf(&Certificate {
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
        })
        .expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        if let Ok(dir) = std::env::var("OCOP_ARTIFACTS") {
            std::fs::write(format!("{dir}/certificate-sample.pdf"), &pdf).expect("write sample");
        }
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("DejaVuSans"), "the font is embedded");
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
