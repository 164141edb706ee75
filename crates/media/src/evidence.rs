//! Dossier evidence (PDF, JPEG, PNG): the type read from the content, a size limit, the SHA-256
//! recorded, and PDFs that carry scripts or launch actions refused.

use domain::Invalid;
use sha2::{Digest, Sha256};

/// The largest evidence file accepted.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

/// A checked evidence file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub content_type: &'static str,
    pub sha256: String,
    pub size: usize,
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// PDF names may spell a character as `#hh` (`/J#61vaScript` is `/JavaScript`): undone before
/// looking for the names that make a PDF act.
fn names_decoded(bytes: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'#'
            && let (Some(hi), Some(lo)) =
                (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            out.push(hi * 16 + lo);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Names of actions that run something when the PDF is opened or clicked. `/JS` counts when
/// followed by a delimiter, so that `/JSomething` does not.
fn is_active(bytes: &[u8]) -> bool {
    let names = names_decoded(bytes);
    let js = names
        .windows(4)
        .any(|w| &w[..3] == b"/JS" && matches!(w[3], b' ' | b'(' | b'<' | b'[' | b'/' | b'\r' | b'\n' | b'\t'));
    js || [&b"/JavaScript"[..], b"/Launch", b"/RichMedia"].iter().any(|n| contains(&names, n))
}

pub fn check(bytes: &[u8]) -> Result<Checked, Invalid> {
    if bytes.is_empty() {
        return Err(Invalid::new("invalid-evidence-empty"));
    }
    if bytes.len() > MAX_BYTES {
        return Err(Invalid::new("invalid-evidence-size").with("mb", MAX_BYTES / (1024 * 1024)));
    }
    let content_type = if bytes.starts_with(b"%PDF-") {
        let tail = &bytes[bytes.len().saturating_sub(2048)..];
        if !contains(tail, b"%%EOF") {
            return Err(Invalid::new("invalid-evidence-type"));
        }
        if is_active(bytes) {
            return Err(Invalid::new("invalid-evidence-active"));
        }
        "application/pdf"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else {
        return Err(Invalid::new("invalid-evidence-type"));
    };
    Ok(Checked { content_type, sha256: hex::encode(Sha256::digest(bytes)), size: bytes.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

    #[test]
    fn types_come_from_the_content() {
        let pdf = check(PDF).expect("pdf");
        assert_eq!(pdf.content_type, "application/pdf");
        assert_eq!(pdf.sha256.len(), 64);
        assert_eq!(check(b"\x89PNG\r\n\x1a\nrest").map(|c| c.content_type), Ok("image/png"));
        assert_eq!(check(b"<html><script>alert(1)</script>").map_err(|e| e.key), Err("invalid-evidence-type"));
        assert_eq!(check(b"MZ\x90\x00 executable").map_err(|e| e.key), Err("invalid-evidence-type"));
        assert_eq!(check(b"").map_err(|e| e.key), Err("invalid-evidence-empty"));
        assert_eq!(check(b"%PDF-1.4 truncated").map_err(|e| e.key), Err("invalid-evidence-type"));
    }

    #[test]
    fn active_pdfs_and_large_files_are_refused() {
        let scripted = [&PDF[..20], b" /OpenAction << /S /JavaScript /JS (app.alert(1)) >> ", &PDF[20..]].concat();
        assert_eq!(check(&scripted).map_err(|e| e.key), Err("invalid-evidence-active"));
        for hidden in [
            &b" /AA << /O << /S /J#61vaScript /JS(x) >> >> "[..],
            b" /OpenAction << /S /Launch /F (cmd.exe) >> ",
            b"/JS<6170702e616c657274>",
        ] {
            let pdf = [&PDF[..20], hidden, &PDF[20..]].concat();
            assert_eq!(
                check(&pdf).map_err(|e| e.key),
                Err("invalid-evidence-active"),
                "{}",
                String::from_utf8_lossy(hidden)
            );
        }
        let plain = [&PDF[..20], b" /JSONData (not a script) ", &PDF[20..]].concat();
        assert!(check(&plain).is_ok());
        let mut big = PDF.to_vec();
        big.resize(MAX_BYTES + 1, b' ');
        assert_eq!(check(&big).map_err(|e| e.key), Err("invalid-evidence-size"));
    }
}
