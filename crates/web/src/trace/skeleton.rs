//! A label's page rendered once and filled per scan. Everything a page shows of the product and
//! its lot is the same for every label of that lot; what differs from one scan to the next is
//! the verdict, the label's own card (serial, counters), the address the page answers for and
//! the address the language switch comes back to. The page is rendered with a mark in each of
//! those places and kept as the text between the marks. A scan's answer is a body of pieces: the
//! long runs of the kept text are shared, not copied (hyper writes them with one `writev`), and
//! its own parts are written with the short runs around them into one small buffer.

use axum::body::Bytes;
use http_body::{Body, Frame, SizeHint};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll};

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
    Text(Bytes),
    Slot(Slot),
}

/// A run of kept text at least this long is sent as it is kept; shorter ones are copied with
/// the scan's parts around them (so that a page is a handful of pieces, not dozens).
const SHARED: usize = 512;

/// A rendered page cut at its slots.
#[derive(Debug)]
pub struct Skeleton {
    pieces: Vec<Piece>,
}

/// One scan's page: pieces with the exact length known, so that it goes out with a
/// `Content-Length` and in one write.
pub struct Page {
    pieces: VecDeque<Bytes>,
    len: u64,
}

impl Body for Page {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.pieces.pop_front().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.pieces.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
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
                pieces.push(Piece::Text(Bytes::copy_from_slice(&rest.as_bytes()[..keep])));
                rest = &rest[keep..];
                continue;
            };
            if at > 0 {
                pieces.push(Piece::Text(Bytes::copy_from_slice(&rest.as_bytes()[..at])));
            }
            pieces.push(Piece::Slot(slot));
            rest = &after[slot.mark().len()..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(Bytes::copy_from_slice(rest.as_bytes())));
        }
        Skeleton { pieces }
    }

    /// The page for one scan.
    pub fn fill(&self, f: &Filling<'_>) -> Page {
        let mut pieces = VecDeque::with_capacity(16);
        let mut len = 0;
        let mut small: Vec<u8> = Vec::with_capacity(1024 + f.verdict.len() + f.label.len());
        let flush = |small: &mut Vec<u8>, pieces: &mut VecDeque<Bytes>| {
            if !small.is_empty() {
                pieces.push_back(Bytes::from(std::mem::take(small)));
            }
        };
        for piece in &self.pieces {
            let part: &[u8] = match piece {
                Piece::Text(t) if t.len() >= SHARED => {
                    flush(&mut small, &mut pieces);
                    len += t.len();
                    pieces.push_back(t.clone());
                    continue;
                }
                Piece::Text(t) => t,
                Piece::Slot(Slot::Here) => f.here.as_bytes(),
                Piece::Slot(Slot::Anchor) => f.anchor.as_bytes(),
                Piece::Slot(Slot::Verdict) => f.verdict.as_bytes(),
                Piece::Slot(Slot::Label) => f.label.as_bytes(),
            };
            len += part.len();
            small.extend_from_slice(part);
        }
        flush(&mut small, &mut pieces);
        Page { pieces, len: u64::try_from(len).unwrap_or(u64::MAX) }
    }
}

impl Page {
    /// The page as one string (tests, and callers that need it whole).
    pub fn concat(&self) -> String {
        let bytes: Vec<u8> = self.pieces.iter().flat_map(|b| b.iter().copied()).collect();
        String::from_utf8(bytes).unwrap_or_default()
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
            page.fill(&Filling { here: "%2F01%2F1", anchor: "/01/1", verdict: "<b>Tem thật</b>", label: "" }).concat();
        assert_eq!(
            filled,
            "<a href=\"/lang/en?next=%2F01%2F1\">EN</a><link href=\"/01/1\"><b>Tem thật</b><h1>Mật ong</h1><p>/01/1 again</p>"
        );
        // Text that merely starts like a mark stays as it is.
        let like = format!("{}9x", &Slot::Label.mark()[..Slot::Label.mark().len() - 2]);
        let near = format!("{like}… {}", Slot::Label.mark());
        assert_eq!(
            Skeleton::cut(&near).fill(&Filling { here: "", anchor: "", verdict: "", label: "L" }).concat(),
            format!("{like}… L")
        );
        assert!(SLOTS.iter().all(|s| s.mark().bytes().all(|b| b.is_ascii_alphanumeric())));
    }

    #[test]
    fn long_runs_of_the_page_are_shared_and_short_ones_go_with_the_scan_s_parts() {
        let long = "<p>Mật ong rừng Ba Vì</p>".repeat(40);
        let html = format!("<html>{}{long}<a>{}</a>{long}</html>", Slot::Verdict.mark(), Slot::Label.mark());
        let page = Skeleton::cut(&html);
        let f = Filling { here: "", anchor: "", verdict: "<b>Tem thật</b>", label: "123" };
        let (one, two) = (page.fill(&f), page.fill(&f));
        assert_eq!(one.concat(), format!("<html><b>Tem thật</b>{long}<a>123</a>{long}</html>"));
        assert_eq!(one.len, u64::try_from(one.concat().len()).expect("length"));
        // <html> and the verdict; the long run; <a> and the label; the rest, long.
        assert_eq!(one.pieces.len(), 4);
        assert_eq!(one.pieces[1].as_ptr(), two.pieces[1].as_ptr(), "the long run is not copied per scan");
        assert_ne!(one.pieces[0].as_ptr(), two.pieces[0].as_ptr(), "the scan's own parts are");
    }
}
