//! DejaVu Sans as the documents use it: glyph ids and advances from the font's tables, and the
//! font embedded as a subset (the glyphs a document uses keep their ids, every other glyph is
//! emptied, so nothing needs renumbering) with a `ToUnicode` map that gives each glyph back its
//! character, so the text can be searched, copied and read aloud.

use super::num;
use super::writer::Writer;
use crate::{BOLD, REGULAR};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::LazyLock;
use ttf_parser::{Face, GlyphId, Tag};

pub(crate) struct Font {
    face: Face<'static>,
    name: &'static str,
    /// Glyph advances in thousandths of the font size, by glyph id.
    advances: Vec<f32>,
}

/// Regular, then bold: indexed by `Style::bold`.
pub(crate) static FONTS: LazyLock<[Font; 2]> =
    LazyLock::new(|| [Font::load(REGULAR, "DejaVuSans"), Font::load(BOLD, "DejaVuSans-Bold")]);

impl Font {
    fn load(data: &'static [u8], name: &'static str) -> Font {
        // The fonts are part of the binary; one that does not parse is a build defect that the
        // crate's tests catch, not an error for every document to carry.
        let face = Face::parse(data, 0).unwrap_or_else(|e| panic!("embedded font {name}: {e}"));
        let per_em = f32::from(face.units_per_em().max(1));
        let advances = (0..face.number_of_glyphs())
            .map(|g| f32::from(face.glyph_hor_advance(GlyphId(g)).unwrap_or(0)) * 1000.0 / per_em)
            .collect();
        Font { face, name, advances }
    }

    /// The glyph of `c`; 0 (the font's "missing" box) when the font has none.
    pub fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map_or(0, |g| g.0)
    }

    pub fn advance(&self, glyph: u16) -> f32 {
        self.advances.get(usize::from(glyph)).copied().unwrap_or(0.0)
    }

    fn units(&self, v: i16) -> f32 {
        f32::from(v) * 1000.0 / f32::from(self.face.units_per_em().max(1))
    }

    /// Writes the font's objects for the glyphs `used` (each with the character it stands for);
    /// returns the number of its `Type0` font.
    pub fn embed(&self, w: &mut Writer, used: &BTreeMap<u16, char>) -> usize {
        let (type0, cid, descriptor, file, to_unicode) =
            (w.reserve(), w.reserve(), w.reserve(), w.reserve(), w.reserve());
        // A subset is named with six capitals of its own (ISO 32000-1, 9.6.4), here from its glyphs.
        let hash = used.keys().fold(2_166_136_261_u32, |h, g| (h ^ u32::from(*g)).wrapping_mul(16_777_619));
        let tag: String =
            (0..6).map(|i| char::from(b'A' + u8::try_from((hash >> (i * 5)) % 26).unwrap_or(0))).collect();
        let name = format!("{tag}+{}", self.name);
        let mut widths = String::new();
        for g in used.keys() {
            let _ = write!(widths, "{g} [{}] ", num(self.advance(*g)));
        }
        w.object(
            type0,
            &format!(
                "<< /Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H /DescendantFonts [{cid} 0 R] \
                 /ToUnicode {to_unicode} 0 R >>"
            ),
        );
        w.object(
            cid,
            &format!(
                "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) \
                 /Ordering (Identity) /Supplement 0 >> /FontDescriptor {descriptor} 0 R /W [{widths}] \
                 /CIDToGIDMap /Identity >>"
            ),
        );
        let face = &self.face;
        let b = face.global_bounding_box();
        // DejaVu Sans states no cap height (its OS/2 table is too old): the top of "H" is one.
        let cap = face
            .capital_height()
            .or_else(|| face.glyph_bounding_box(GlyphId(self.glyph('H'))).map(|r| r.y_max))
            .unwrap_or(face.ascender());
        w.object(
            descriptor,
            &format!(
                "<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{} {} {} {}] /ItalicAngle 0 \
                 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 {file} 0 R >>",
                num(self.units(b.x_min)),
                num(self.units(b.y_min)),
                num(self.units(b.x_max)),
                num(self.units(b.y_max)),
                num(self.units(face.ascender())),
                num(self.units(face.descender())),
                num(self.units(cap))
            ),
        );
        let program = subset(face, used.keys().copied());
        w.stream(file, &format!("/Length1 {} ", program.len()), &program);
        w.stream(to_unicode, "", unicode_map(used).as_bytes());
        type0
    }
}

/// The `ToUnicode` map: each glyph id to its character in UTF-16.
fn unicode_map(used: &BTreeMap<u16, char>) -> String {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) \
         /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let pairs: Vec<(&u16, &char)> = used.iter().filter(|(g, _)| **g != 0).collect();
    for chunk in pairs.chunks(100) {
        let _ = writeln!(out, "{} beginbfchar", chunk.len());
        for (g, c) in chunk {
            let mut units = [0_u16; 2];
            let hex: String = c.encode_utf16(&mut units).iter().map(|u| format!("{u:04X}")).collect();
            let _ = writeln!(out, "<{g:04X}> <{hex}>");
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out
}

fn be16(data: &[u8], at: usize) -> u16 {
    data.get(at..at + 2).map_or(0, |b| u16::from_be_bytes([b[0], b[1]]))
}

fn be32(data: &[u8], at: usize) -> u32 {
    data.get(at..at + 4).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The font program with only the glyphs `used` (and the glyphs they are composed of) drawn.
/// Keeps the tables a PDF reader needs of an embedded TrueType font (ISO 32000-1, 9.9).
pub(crate) fn subset(face: &Face<'_>, used: impl Iterator<Item = u16>) -> Vec<u8> {
    let raw = face.raw_face();
    let table = |tag: &[u8; 4]| raw.table(Tag::from_bytes(tag)).unwrap_or(&[]);
    let (head, glyf, loca) = (table(b"head"), table(b"glyf"), table(b"loca"));
    let count = usize::from(face.number_of_glyphs());
    let long = be16(head, 50) == 1;
    let offset = |g: usize| -> usize {
        if long { usize::try_from(be32(loca, g * 4)).unwrap_or(usize::MAX) } else { usize::from(be16(loca, g * 2)) * 2 }
    };
    let data = |g: usize| -> &[u8] { glyf.get(offset(g)..offset(g + 1)).unwrap_or(&[]) };
    let mut keep = BTreeSet::from([0_u16]);
    let mut todo: Vec<u16> = used.collect();
    while let Some(g) = todo.pop() {
        if usize::from(g) >= count || !keep.insert(g) {
            continue;
        }
        let d = data(usize::from(g));
        if d.len() < 10 || be16(d, 0) & 0x8000 == 0 {
            continue;
        }
        // A composite glyph: follow its components (OpenType `glyf`, composite glyph description:
        // flags, glyph index, two arguments of one or two words, then an optional transform).
        let mut at = 10;
        loop {
            let (flags, component) = (be16(d, at), be16(d, at + 2));
            todo.push(component);
            at += 4 + if flags & 0x0001 != 0 { 4 } else { 2 };
            at += if flags & 0x0008 != 0 {
                2
            } else if flags & 0x0040 != 0 {
                4
            } else if flags & 0x0080 != 0 {
                8
            } else {
                0
            };
            if flags & 0x0020 == 0 || at >= d.len() {
                break;
            }
        }
    }
    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity((count + 1) * 4);
    for g in 0..count {
        new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).unwrap_or(0).to_be_bytes());
        if u16::try_from(g).is_ok_and(|g| keep.contains(&g)) {
            new_glyf.extend_from_slice(data(g));
            new_glyf.resize(new_glyf.len().div_ceil(4) * 4, 0);
        }
    }
    new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).unwrap_or(0).to_be_bytes());
    let mut new_head = head.to_vec();
    if new_head.len() >= 54 {
        new_head[50..52].copy_from_slice(&1_u16.to_be_bytes());
    }
    let mut tables: Vec<([u8; 4], Vec<u8>)> = vec![
        (*b"cvt ", table(b"cvt ").to_vec()),
        (*b"fpgm", table(b"fpgm").to_vec()),
        (*b"glyf", new_glyf),
        (*b"head", new_head),
        (*b"hhea", table(b"hhea").to_vec()),
        (*b"hmtx", table(b"hmtx").to_vec()),
        (*b"loca", new_loca),
        (*b"maxp", table(b"maxp").to_vec()),
        (*b"prep", table(b"prep").to_vec()),
    ];
    tables.retain(|(_, d)| !d.is_empty());
    sfnt(&tables)
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0_u32, |s, c| {
        let mut word = [0_u8; 4];
        word[..c.len()].copy_from_slice(c);
        s.wrapping_add(u32::from_be_bytes(word))
    })
}

/// A TrueType file of `tables` (sorted by tag), with the checksums the format asks for.
fn sfnt(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let n = u16::try_from(tables.len()).unwrap_or(0);
    let power = if n == 0 { 0 } else { 15 - n.leading_zeros() };
    let range = (1_u16 << power) * 16;
    let mut out = Vec::new();
    for v in [0x0001_u16, 0x0000, n, range, u16::try_from(power).unwrap_or(0), n * 16 - range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut at = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        if tag == b"head" {
            head_at = Some(at);
        }
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&u32::try_from(at).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        at += data.len().div_ceil(4) * 4;
    }
    for (tag, data) in tables {
        let start = out.len();
        out.extend_from_slice(data);
        if tag == b"head" && data.len() >= 12 {
            // The whole-file checksum is computed with this field at zero.
            out[start + 8..start + 12].fill(0);
        }
        out.resize(out.len().div_ceil(4) * 4, 0);
    }
    if let Some(head) = head_at {
        let adjustment = 0xB1B0_AFBA_u32.wrapping_sub(checksum(&out));
        out[head + 8..head + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_letters_have_glyphs_of_their_own() {
        let font = &FONTS[0];
        for c in "ẮẰẲẴẶắằẳẵặỆệỞởỮữỰựĐđ★".chars() {
            assert_ne!(font.glyph(c), 0, "{c}");
        }
        assert_eq!(font.glyph('\u{4E2D}'), 0, "no CJK in DejaVu Sans");
    }

    #[test]
    fn a_subset_keeps_the_glyphs_used_and_their_components() {
        let font = &FONTS[0];
        // "ệ" in DejaVu Sans is drawn from components; it must survive the subset.
        let g = font.glyph('ệ');
        let program = subset(&font.face, [g].into_iter());
        let sub = Face::parse(&program, 0).expect("the subset parses");
        assert_eq!(sub.number_of_glyphs(), font.face.number_of_glyphs(), "ids unchanged");
        assert!(sub.glyph_bounding_box(GlyphId(g)).is_some(), "the glyph is drawn");
        let drawn = (0..sub.number_of_glyphs()).filter(|i| sub.glyph_bounding_box(GlyphId(*i)).is_some()).count();
        assert!(drawn > 2, "the missing box, the glyph and its components: {drawn}");
        let other = font.glyph('Q');
        assert!(sub.glyph_bounding_box(GlyphId(other)).is_none(), "an unused glyph is emptied");
        assert!(program.len() < REGULAR.len() / 4);
        assert_eq!(checksum(&program), 0xB1B0_AFBA, "the whole-file checksum");
    }
}
