//! Vietnamese text: NFC normalisation and the diacritic-free folding used by search.

use unicode_normalization::UnicodeNormalization;

/// The text in Unicode NFC, trimmed, with runs of whitespace collapsed to one space.
///
/// Some Vietnamese keyboards emit combining marks; everything we store goes through here so that
/// equal names compare equal.
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower-case, strips every diacritic and folds đ/Đ to d: `"Gốm sứ Bát Tràng"` → `"gom su bat trang"`.
///
/// Search stores this form beside the original and folds the query the same way, so that
/// `dong anh` finds `Đông Anh` on both databases.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_tones_marks_and_d_stroke() {
        assert_eq!(fold("Mật ong rừng ĐẮK LẮK"), "mat ong rung dak lak");
        assert_eq!(fold("Đông Anh"), "dong anh");
        assert_eq!(fold("Gốm sứ Bát Tràng"), "gom su bat trang");
        assert_eq!(fold("  Thạch   Thất "), "thach that");
        assert_eq!(fold("Ư Ơ Ă Â Ê Ô"), "u o a a e o");
    }

    #[test]
    fn clean_composes_combining_marks() {
        // "ệ" typed as e + U+0323 + U+0302
        let decomposed = "Vie\u{0323}\u{0302}t   Nam ";
        assert_eq!(clean(decomposed), "Việt Nam");
        assert_eq!(clean(decomposed).chars().count(), 8);
    }

    proptest::proptest! {
        #[test]
        fn fold_is_idempotent_and_ascii_for_vietnamese(s in "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐ ]{0,40}") {
            let once = fold(&s);
            proptest::prop_assert_eq!(fold(&once), once.clone());
            proptest::prop_assert!(once.is_ascii());
        }
    }
}
