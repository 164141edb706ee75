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

/// The longest search a person types, in characters and in words: enough for any product or
/// place name, and a bound on the work one query asks of the database.
pub const MAX_SEARCH_CHARS: usize = 100;
pub const MAX_SEARCH_WORDS: usize = 10;

/// A search box's text as the folded words to match, `None` when it is empty, or why it is refused.
pub fn search_terms(q: &str) -> Result<Option<String>, crate::Invalid> {
    let folded = fold(q);
    if folded.is_empty() {
        return Ok(None);
    }
    if folded.chars().count() > MAX_SEARCH_CHARS || folded.split(' ').count() > MAX_SEARCH_WORDS {
        return Err(crate::Invalid::new("invalid-search-too-long")
            .with("chars", MAX_SEARCH_CHARS)
            .with("words", MAX_SEARCH_WORDS));
    }
    Ok(Some(folded))
}

/// What each word of a folded query may match, so that Vietnamese compounds written joined or
/// apart find each other: the word itself; the word joined with its neighbour ("mac ca" finds
/// "macca"); the word split in two ("macca" finds "mắc ca"; each part at least two letters with
/// a vowel, so "dong" is never "do ng"; never for codes with digits). Each alternative is a phrase that must start a word of the text; a
/// record matches when every word has a matching alternative.
pub fn search_alternatives(folded: &str) -> Vec<Vec<String>> {
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    words
        .iter()
        .enumerate()
        .map(|(i, word)| {
            let mut alternatives = vec![(*word).to_owned()];
            if i > 0 {
                alternatives.push(format!("{}{word}", words[i - 1]));
            }
            if let Some(next) = words.get(i + 1) {
                alternatives.push(format!("{word}{next}"));
            }
            let letters: Vec<char> = word.chars().collect();
            if !letters.iter().any(char::is_ascii_digit) && letters.len() >= 4 {
                let syllable = |part: &[char]| part.len() >= 2 && part.iter().any(|c| "aeiouy".contains(*c));
                for cut in 2..=letters.len() - 2 {
                    let (a, b) = letters.split_at(cut);
                    if syllable(a) && syllable(b) {
                        alternatives.push(format!("{} {}", a.iter().collect::<String>(), b.iter().collect::<String>()));
                    }
                }
            }
            alternatives
        })
        .collect()
}

/// Percent-encodes a value for one segment of a URL path: everything but the unreserved
/// characters, so a certificate number like `3981/QĐ-UBND-07` stays one segment.
pub fn url_segment(value: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The Vietnamese collation key of a text (CLDR `vi`): comparing keys as bytes orders texts as a
/// Vietnamese dictionary does (a ă â b c d đ e ê …), identically on every database.
pub fn sort_key(s: &str) -> Vec<u8> {
    use icu_collator::{Collator, CollatorBorrowed, options::CollatorOptions};
    use std::sync::LazyLock;
    static VI: LazyLock<Option<CollatorBorrowed<'static>>> =
        LazyLock::new(|| Collator::try_new(icu_locale_core::locale!("vi").into(), CollatorOptions::default()).ok());
    let mut key = Vec::new();
    match VI.as_ref() {
        Some(collator) => {
            let Ok(()) = collator.write_sort_key_to(s, &mut key);
        }
        // Without collation data the folded text still sorts sensibly.
        None => key.extend(fold(s).into_bytes()),
    }
    key
}

/// Which collation produced the stored sort keys; when it changes, the keys are rebuilt.
pub const COLLATION: &str = "icu_collator 2.4 vi";

#[cfg(test)]
mod tests {
    #[test]
    fn searches_are_bounded() {
        assert_eq!(super::search_terms("  Mật  ONG  "), Ok(Some("mat ong".to_owned())));
        assert_eq!(super::search_terms("   "), Ok(None));
        let many = ["mat"; 11].join(" ");
        assert_eq!(super::search_terms(&many).map_err(|e| e.key), Err("invalid-search-too-long"));
        assert_eq!(super::search_terms(&"a".repeat(101)).map_err(|e| e.key), Err("invalid-search-too-long"));
        assert!(super::search_terms(&["mat"; 10].join(" ")).is_ok());
    }

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

    #[test]
    fn vietnamese_dictionary_order() {
        let mut words = vec!["Uyên", "Đào", "Ôn", "Bình", "Ân", "Ưng", "Dung", "On", "An", "Ơn", "Ăn"];
        words.sort_by_key(|w| sort_key(w));
        assert_eq!(words, ["An", "Ăn", "Ân", "Bình", "Dung", "Đào", "On", "Ôn", "Ơn", "Uyên", "Ưng"]);
    }

    proptest::proptest! {
        #[test]
        fn fold_is_idempotent_and_ascii_for_vietnamese(s in "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵĐ ]{0,40}") {
            let once = fold(&s);
            proptest::prop_assert_eq!(fold(&once), once.clone());
            proptest::prop_assert!(once.is_ascii());
        }
    }

    #[test]
    fn compounds_match_joined_and_apart() {
        let apart = search_alternatives("mac ca");
        assert_eq!(apart, vec![vec!["mac".to_owned(), "macca".into()], vec!["ca".to_owned(), "macca".into()]]);
        let joined = search_alternatives("macca");
        assert_eq!(joined, vec![vec!["macca".to_owned(), "ma cca".into(), "mac ca".into()]]);
        // Codes are not cut apart.
        assert_eq!(search_alternatives("0101234567"), vec![vec!["0101234567".to_owned()]]);
        assert_eq!(search_alternatives("che"), vec![vec!["che".to_owned()]]);
        assert_eq!(search_alternatives("dong"), vec![vec!["dong".to_owned()]], "no part without a vowel");
    }
}
