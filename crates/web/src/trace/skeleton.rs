//! A label's page rendered once and filled per scan. Everything a page shows of the product and
//! its lot is the same for every label of that lot; what differs from one scan to the next is
//! the verdict, the label's own card (serial, counters), the address the page answers for and
//! the address the language switch comes back to. The page is rendered with a mark in each of
//! those places and kept as the text between the marks; a scan writes the pieces and its own
//! parts into one buffer.

use std::hash::BuildHasher;
use std::sync::LazyLock;

/// A place a scan fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The request's path and query, percent-encoded (the language and sign-in links).
    Here,
    /// The canonical path of the label, HTML-escaped.
    Anchor,
    /// The verdict banner.
    Verdict,
    /// The label's card: serial, scans.
    Label,
}

const SLOTS: [Slot; 4] = [Slot::Here, Slot::Anchor, Slot::Verdict, Slot::Label];

/// The marks: letters and digits only, so that neither HTML escaping nor percent-encoding
/// changes them, with a part drawn at random per process so that no product text can hold one.
static MARKS: LazyLock<[String; 4]> = LazyLock::new(|| {
    let nonce = std::collections::hash_map::RandomState::new().hash_one(std::process::id());
    SLOTS.map(|slot| format!("ocopslot{nonce:016x}{}x", slot.index()))
});

impl Slot {
    fn index(self) -> usize {
        match self {
            Slot::Here => 0,
            Slot::Anchor => 1,
            Slot::Verdict => 2,
            Slot::Label => 3,
        }
    }

    /// What a page is rendered with where this slot goes.
    pub fn mark(self) -> &'static str {
        &MARKS[self.index()]
    }
}

#[derive(Debug)]
enum Piece {
    Text(Box<str>),
    Slot(Slot),
}

/// A rendered page cut at its slots.
#[derive(Debug)]
pub struct Skeleton {
    pieces: Vec<Piece>,
    text_len: usize,
}

/// What one scan puts in the slots (already escaped for where they go).
pub struct Filling<'a> {
    pub here: &'a str,
    pub anchor: &'a str,
    pub verdict: &'a str,
    pub label: &'a str,
}

impl Skeleton {
    /// Cuts a page rendered with `Slot::mark`s.
    pub fn cut(html: &str) -> Skeleton {
        let prefix = &MARKS[0][..MARKS[0].len() - 2];
        let mut pieces = Vec::new();
        let mut rest = html;
        while let Some(at) = rest.find(prefix) {
            let after = &rest[at..];
            let Some(slot) = SLOTS.into_iter().find(|s| after.starts_with(s.mark())) else {
                // Not one of ours: keep it as text.
                let keep = at + prefix.len();
                pieces.push(Piece::Text(rest[..keep].into()));
                rest = &rest[keep..];
                continue;
            };
            if at > 0 {
                pieces.push(Piece::Text(rest[..at].into()));
            }
            pieces.push(Piece::Slot(slot));
            rest = &after[slot.mark().len()..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.into()));
        }
        let text_len = pieces.iter().map(|p| if let Piece::Text(t) = p { t.len() } else { 0 }).sum();
        Skeleton { pieces, text_len }
    }

    /// The page for one scan.
    pub fn fill(&self, f: &Filling<'_>) -> String {
        let extra = f.here.len() * 2 + f.anchor.len() * 3 + f.verdict.len() + f.label.len();
        let mut out = String::with_capacity(self.text_len + extra);
        for piece in &self.pieces {
            out.push_str(match piece {
                Piece::Text(t) => t,
                Piece::Slot(Slot::Here) => f.here,
                Piece::Slot(Slot::Anchor) => f.anchor,
                Piece::Slot(Slot::Verdict) => f.verdict,
                Piece::Slot(Slot::Label) => f.label,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_cut_at_its_marks_and_filled_per_scan() {
        let html = format!(
            "<a href=\"/lang/en?next={}\">EN</a><link href=\"{}\">{}<h1>Mật ong</h1>{}<p>{} again</p>",
            Slot::Here.mark(),
            Slot::Anchor.mark(),
            Slot::Verdict.mark(),
            Slot::Label.mark(),
            Slot::Anchor.mark(),
        );
        let page = Skeleton::cut(&html);
        let filled =
            page.fill(&Filling { here: "%2F01%2F1", anchor: "/01/1", verdict: "<b>Tem thật</b>", label: "" });
        assert_eq!(
            filled,
            "<a href=\"/lang/en?next=%2F01%2F1\">EN</a><link href=\"/01/1\"><b>Tem thật</b><h1>Mật ong</h1><p>/01/1 again</p>"
        );
        // Text that merely starts like a mark stays as it is.
        let like = format!("{}9x", &Slot::Label.mark()[..Slot::Label.mark().len() - 2]);
        let near = format!("{like}… {}", Slot::Label.mark());
        assert_eq!(
            Skeleton::cut(&near).fill(&Filling { here: "", anchor: "", verdict: "", label: "L" }),
            format!("{like}… L")
        );
        assert!(SLOTS.iter().all(|s| s.mark().bytes().all(|b| b.is_ascii_alphanumeric())));
    }
}
