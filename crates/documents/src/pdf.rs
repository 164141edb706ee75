//! A small PDF writer for the documents the platform prints: pages of text in DejaVu Sans (every
//! Vietnamese letter is a precomposed glyph of the font, so text in NFC needs no shaping), lines,
//! rectangles, QR codes and tables that flow over pages.
//!
//! Text is written with the font's glyph ids (a `Type0` font, `Identity-H`), each font embedded as
//! a subset: the glyphs a document uses keep their ids and the others are emptied, so the file
//! stays small and needs no renumbering. A `ToUnicode` map gives every glyph back its character,
//! so the text can be searched, copied and read by `pdftotext`. Coordinates are in points from
//! the page's top left; the writer turns them into PDF's bottom-left space.

use crate::{BOLD, REGULAR};
use flate2::Compression;
use flate2::write::ZlibEncoder;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::LazyLock;
use ttf_parser::{Face, GlyphId, Tag};
use unicode_normalization::UnicodeNormalization;

pub(crate) const A4: (f32, f32) = (595.28, 841.89);

/// Centimetres in points.
pub(crate) fn cm(v: f32) -> f32 {
    v * 72.0 / 2.54
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0, 0, 0);

    pub const fn grey(l: u8) -> Rgb {
        Rgb(l, l, l)
    }

    fn components(self) -> String {
        let c = |v: u8| f32::from(v) / 255.0;
        format!("{} {} {}", num(c(self.0)), num(c(self.1)), num(c(self.2)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    pub size: f32,
    pub bold: bool,
    /// Slanted by the text matrix: DejaVu Sans has no italic we embed.
    pub italic: bool,
    pub color: Rgb,
}

impl Style {
    pub const fn new(size: f32) -> Style {
        Style { size, bold: false, italic: false, color: Rgb::BLACK }
    }

    pub const fn bold(self) -> Style {
        Style { bold: true, ..self }
    }

    pub const fn italic(self) -> Style {
        Style { italic: true, ..self }
    }

    pub const fn color(self, color: Rgb) -> Style {
        Style { color, ..self }
    }

    /// The distance between two baselines.
    pub fn leading(self) -> f32 {
        self.size * 1.3
    }

    fn font(self) -> &'static Font {
        &FONTS[usize::from(self.bold)]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    Right,
}

/// A number as PDF writes it: at most two decimals, no trailing zeros.
fn num(v: f32) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

struct Font {
    face: Face<'static>,
    name: &'static str,
    /// Glyph advances in thousandths of the font size, by glyph id.
    advances: Vec<f32>,
}

impl Font {
    fn load(data: &'static [u8], name: &'static str) -> Font {
        // The fonts are part of the binary; a font that does not parse is a build defect that the
        // crate's tests catch, so an empty face list is not worth an error path in every document.
        let face = Face::parse(data, 0).unwrap_or_else(|e| panic!("embedded font {name}: {e}"));
        let per_em = f32::from(face.units_per_em().max(1));
        let advances = (0..face.number_of_glyphs())
            .map(|g| f32::from(face.glyph_hor_advance(GlyphId(g)).unwrap_or(0)) * 1000.0 / per_em)
            .collect();
        Font { face, name, advances }
    }

    fn glyph(&self, c: char) -> u16 {
        self.face.glyph_index(c).map_or(0, |g| g.0)
    }

    fn advance(&self, glyph: u16) -> f32 {
        self.advances.get(usize::from(glyph)).copied().unwrap_or(0.0)
    }

    fn units(&self, v: i16) -> f32 {
        f32::from(v) * 1000.0 / f32::from(self.face.units_per_em().max(1))
    }
}

static FONTS: LazyLock<[Font; 2]> =
    LazyLock::new(|| [Font::load(REGULAR, "DejaVuSans"), Font::load(BOLD, "DejaVuSans-Bold")]);

/// The width of `s` in points.
pub(crate) fn width(style: Style, s: &str) -> f32 {
    let font = style.font();
    s.nfc().map(|c| font.advance(font.glyph(c))).sum::<f32>() * style.size / 1000.0
}

/// `s` broken into lines no wider than `max` points: at spaces, at line breaks, and inside a word
/// only when the word alone is wider than a line (an address, a long code).
pub(crate) fn wrap(style: Style, s: &str, max: f32) -> Vec<String> {
    let text: String = s.nfc().collect();
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if width(style, &candidate) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                line.push(c);
                if width(style, &line) > max && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// One cell of a table: its text and how it is set.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cell {
    pub text: String,
    pub style: Style,
    pub align: Align,
}

impl Cell {
    pub fn new(text: impl Into<String>, style: Style) -> Cell {
        Cell { text: text.into(), style, align: Align::Left }
    }

    pub fn right(self) -> Cell {
        Cell { align: Align::Right, ..self }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Width {
    Fixed(f32),
    /// Its widest cell's text, at most half the table.
    Auto,
    /// A share of what the fixed and automatic columns leave.
    Share(f32),
}

/// A table that flows over pages, its header repeated on each.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    pub widths: Vec<Width>,
    pub header: Vec<Cell>,
    pub rows: Vec<Vec<Cell>>,
    /// The colour of the cells' borders; none drawn without.
    pub grid: Option<Rgb>,
    /// Space between a cell's border and its text: across, then down.
    pub inset: (f32, f32),
}

struct Page {
    ops: String,
}

/// A document being laid out: pages of drawing operations, a cursor running down the page, and
/// the glyphs used so far in each font.
pub(crate) struct Doc {
    size: (f32, f32),
    pub left: f32,
    pub right: f32,
    pub top: f32,
    pub bottom: f32,
    /// Where the next block starts, from the top of the current page.
    pub y: f32,
    pages: Vec<Page>,
    /// The page being drawn on.
    current: usize,
    used: [BTreeMap<u16, char>; 2],
    faded: bool,
    title: String,
    author: String,
}

impl Doc {
    /// A document of pages `size` with margins `margin` (across, down).
    pub fn new(size: (f32, f32), margin: (f32, f32), title: &str, author: &str) -> Doc {
        Doc {
            size,
            left: margin.0,
            right: size.0 - margin.0,
            top: margin.1,
            bottom: size.1 - margin.1,
            y: margin.1,
            pages: vec![Page { ops: String::new() }],
            current: 0,
            used: [BTreeMap::new(), BTreeMap::new()],
            faded: false,
            title: title.nfc().collect(),
            author: author.nfc().collect(),
        }
    }

    pub fn width(&self) -> f32 {
        self.right - self.left
    }

    fn ops(&mut self) -> &mut String {
        &mut self.pages[self.current].ops
    }

    fn pdf_y(&self, y: f32) -> f32 {
        self.size.1 - y
    }

    pub fn new_page(&mut self) {
        self.pages.push(Page { ops: String::new() });
        self.current = self.pages.len() - 1;
        self.y = self.top;
    }

    /// Starts a new page unless `height` still fits on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > self.bottom && self.y > self.top {
            self.new_page();
        }
    }

    pub fn space(&mut self, height: f32) {
        self.y += height;
    }

    /// One line of text, its baseline at `baseline`.
    pub fn text(&mut self, x: f32, baseline: f32, style: Style, s: &str) {
        let slot = usize::from(style.bold);
        let font = style.font();
        let mut hex = String::new();
        for c in s.nfc() {
            let glyph = font.glyph(c);
            self.used[slot].entry(glyph).or_insert(c);
            let _ = write!(hex, "{glyph:04X}");
        }
        if hex.is_empty() {
            return;
        }
        let skew = if style.italic { "0.2" } else { "0" };
        let y = self.pdf_y(baseline);
        let op = format!(
            "BT /F{slot} {} Tf {} rg 1 0 {skew} 1 {} {} Tm <{hex}> Tj ET\n",
            num(style.size),
            style.color.components(),
            num(x),
            num(y)
        );
        self.ops().push_str(&op);
    }

    /// One line of text placed in the span `x`..`x + span` as `align` says.
    pub fn text_in(&mut self, x: f32, span: f32, baseline: f32, style: Style, align: Align, s: &str) {
        let x = match align {
            Align::Left => x,
            Align::Center => x + (span - width(style, s)) / 2.0,
            Align::Right => x + span - width(style, s),
        };
        self.text(x, baseline, style, s);
    }

    /// Lines of text at `y` (the top of the first line) in `x`..`x + span`; returns where they
    /// end. Does not break pages: for blocks whose place is fixed.
    pub fn lines_at(&mut self, x: f32, span: f32, y: f32, style: Style, align: Align, lines: &[String]) -> f32 {
        let mut y = y;
        for line in lines {
            self.text_in(x, span, y + style.size, style, align, line);
            y += style.leading();
        }
        y
    }

    /// A paragraph across the page at the cursor, breaking pages between lines.
    pub fn paragraph(&mut self, style: Style, align: Align, s: &str) {
        let (left, span) = (self.left, self.width());
        for line in wrap(style, s, span) {
            self.ensure(style.leading());
            let y = self.y;
            self.text_in(left, span, y + style.size, style, align, &line);
            self.y += style.leading();
        }
    }

    /// A section heading, kept on the page of what follows it.
    pub fn heading(&mut self, s: &str) {
        let style = Style::new(11.0).bold();
        self.space(8.0);
        self.ensure(style.leading() * 4.0);
        self.paragraph(style, Align::Left, s);
        self.space(3.0);
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, color: Rgb) {
        let op = format!(
            "{} RG {} w {} {} m {} {} l S\n",
            color.components(),
            num(width),
            num(from.0),
            num(self.pdf_y(from.1)),
            num(to.0),
            num(self.pdf_y(to.1))
        );
        self.ops().push_str(&op);
    }

    /// A rectangle from its top-left corner, filled and/or stroked.
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Option<Rgb>, stroke: Option<(f32, Rgb)>) {
        let mut op = String::new();
        if let Some(fill) = fill {
            let _ = write!(op, "{} rg ", fill.components());
        }
        if let Some((width, color)) = stroke {
            let _ = write!(op, "{} RG {} w ", color.components(), num(width));
        }
        let paint = match (fill, stroke) {
            (Some(_), Some(_)) => "B",
            (Some(_), None) => "f",
            (None, Some(_)) => "S",
            (None, None) => return,
        };
        let _ = writeln!(op, "{} {} {} {} re {paint}", num(x), num(self.pdf_y(y + h)), num(w), num(h));
        self.ops().push_str(&op);
    }

    /// A white veil over a rectangle, letting what is under it show through.
    pub fn veil(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.faded = true;
        let op = format!("q /Veil gs 1 1 1 rg {} {} {} {} re f Q\n", num(x), num(self.pdf_y(y + h)), num(w), num(h));
        self.ops().push_str(&op);
    }

    /// A QR code (error correction M, with its quiet zone) of side `side` at `x`, `y`: a 1-bit
    /// image mask, one sample per module, so that the modules meet without seams at any scale.
    pub fn qr(&mut self, x: f32, y: f32, side: f32, text: &str) -> Result<(), String> {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| e.to_string())?;
        let n = code.width();
        let colors = code.to_colors();
        let mut hex = String::new();
        for row in colors.chunks(n) {
            for byte in row.chunks(8) {
                let bits = byte
                    .iter()
                    .enumerate()
                    .fold(0_u8, |b, (i, c)| if *c == qrcode::Color::Dark { b | (0x80 >> i) } else { b });
                let _ = write!(hex, "{bits:02X}");
            }
        }
        let module = side / (n as f32 + 8.0);
        let inner = module * n as f32;
        let op = format!(
            "q 0 0 0 rg {} 0 0 {} {} {} cm BI /W {n} /H {n} /IM true /BPC 1 /D [1 0] /F /AHx ID {hex}> EI Q\n",
            num(inner),
            num(inner),
            num(x + 4.0 * module),
            num(self.pdf_y(y + 4.0 * module + inner))
        );
        self.ops().push_str(&op);
        Ok(())
    }

    fn column_widths(&self, t: &Table) -> Vec<f32> {
        let total = self.width();
        let natural = |i: usize| {
            t.rows
                .iter()
                .chain(std::iter::once(&t.header))
                .filter_map(|row| row.get(i))
                .fold(0.0_f32, |m, c| c.text.split('\n').map(|line| width(c.style, line)).fold(m, f32::max))
                + 2.0 * t.inset.0
                + 0.5
        };
        let mut widths: Vec<f32> = t
            .widths
            .iter()
            .enumerate()
            .map(|(i, w)| match w {
                Width::Fixed(v) => *v,
                Width::Auto => natural(i).min(total / 2.0),
                Width::Share(_) => 0.0,
            })
            .collect();
        let left = (total - widths.iter().sum::<f32>()).max(0.0);
        let shares: f32 = t.widths.iter().map(|w| if let Width::Share(s) = w { *s } else { 0.0 }).sum();
        for (w, spec) in widths.iter_mut().zip(&t.widths) {
            if let Width::Share(s) = spec {
                *w = left * s / shares.max(f32::EPSILON);
            }
        }
        widths
    }

    /// Draws one row's lines (at most `count` of each cell's) at the cursor; returns its height.
    fn row(&mut self, t: &Table, widths: &[f32], cells: &[Cell], lines: &mut [Vec<String>], count: usize) -> f32 {
        let leading = cells.iter().map(|c| c.style.leading()).fold(0.0, f32::max);
        let shown = lines.iter().map(|l| l.len().min(count)).max().unwrap_or(0).max(1);
        let height = shown as f32 * leading + 2.0 * t.inset.1;
        let mut x = self.left;
        let y = self.y;
        for ((cell, w), cell_lines) in cells.iter().zip(widths).zip(lines.iter_mut()) {
            if let Some(grid) = t.grid {
                self.rect(x, y, *w, height, None, Some((0.5, grid)));
            }
            let take = cell_lines.len().min(count);
            let now: Vec<String> = cell_lines.drain(..take).collect();
            self.lines_at(x + t.inset.0, w - 2.0 * t.inset.0, y + t.inset.1, cell.style, cell.align, &now);
            x += w;
        }
        self.y += height;
        height
    }

    fn header(&mut self, t: &Table, widths: &[f32]) {
        if t.header.is_empty() {
            return;
        }
        let mut lines: Vec<Vec<String>> =
            t.header.iter().zip(widths).map(|(c, w)| wrap(c.style, &c.text, w - 2.0 * t.inset.0)).collect();
        self.row(t, widths, &t.header, &mut lines, usize::MAX);
    }

    /// A table at the cursor. A row moves to the next page whole when it fits there; a row longer
    /// than a page is split between lines.
    pub fn table(&mut self, t: &Table) {
        let widths = self.column_widths(t);
        let header_height = if t.header.is_empty() {
            0.0
        } else {
            let lines = t.header.iter().zip(&widths).map(|(c, w)| wrap(c.style, &c.text, w - 2.0 * t.inset.0).len());
            lines.max().unwrap_or(1) as f32 * t.header.iter().map(|c| c.style.leading()).fold(0.0, f32::max)
                + 2.0 * t.inset.1
        };
        let first = t.rows.first().map_or(0.0, |r| r.iter().map(|c| c.style.leading()).fold(0.0, f32::max));
        self.ensure(header_height + first + 2.0 * t.inset.1);
        self.header(t, &widths);
        for cells in &t.rows {
            let leading = cells.iter().map(|c| c.style.leading()).fold(0.0, f32::max);
            let mut lines: Vec<Vec<String>> =
                cells.iter().zip(&widths).map(|(c, w)| wrap(c.style, &c.text, w - 2.0 * t.inset.0)).collect();
            loop {
                let left = lines.iter().map(Vec::len).max().unwrap_or(0);
                let need = left.max(1) as f32 * leading + 2.0 * t.inset.1;
                let room = self.bottom - self.y;
                if need <= room {
                    self.row(t, &widths, cells, &mut lines, usize::MAX);
                    break;
                }
                let page = self.bottom - self.top - header_height;
                let fit = (1..left).take_while(|n| *n as f32 * leading + 2.0 * t.inset.1 <= room).last();
                if let (true, Some(fit)) = (need > page, fit) {
                    // A row longer than a page: as many lines as fit here, the rest after.
                    self.row(t, &widths, cells, &mut lines, fit);
                }
                self.new_page();
                self.header(t, &widths);
                if lines.iter().all(Vec::is_empty) {
                    break;
                }
            }
        }
    }

    /// The finished file; with `numbered`, each page carries "n/N" at its foot.
    pub fn finish(mut self, numbered: bool) -> Vec<u8> {
        let total = self.pages.len();
        if numbered {
            let style = Style::new(8.0).color(Rgb::grey(90));
            let (left, span, baseline) = (self.left, self.width(), self.size.1 - self.top / 2.0);
            for i in 0..total {
                self.current = i;
                self.text_in(left, span, baseline, style, Align::Center, &format!("{}/{}", i + 1, total));
            }
        }
        let mut w = Writer::default();
        let catalog = w.reserve();
        let tree = w.reserve();
        let info = w.reserve();
        let mut fonts = String::new();
        for (slot, used) in self.used.iter().enumerate() {
            if !used.is_empty() {
                let id = embed_font(&mut w, &FONTS[slot], used);
                let _ = write!(fonts, "/F{slot} {id} 0 R ");
            }
        }
        let veil = if self.faded {
            let id = w.reserve();
            w.object(id, "<< /Type /ExtGState /ca 0.6 >>");
            format!("/ExtGState << /Veil {id} 0 R >>")
        } else {
            String::new()
        };
        let mut kids = String::new();
        for page in &self.pages {
            let content = w.reserve();
            w.stream(content, "", page.ops.as_bytes());
            let id = w.reserve();
            w.object(
                id,
                &format!(
                    "<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {} {}] /Resources << /Font << {fonts}>> {veil} >> \
                     /Contents {content} 0 R >>",
                    num(self.size.0),
                    num(self.size.1)
                ),
            );
            let _ = write!(kids, "{id} 0 R ");
        }
        w.object(tree, &format!("<< /Type /Pages /Kids [{kids}] /Count {total} >>"));
        w.object(catalog, &format!("<< /Type /Catalog /Pages {tree} 0 R /Lang (vi) >>"));
        w.object(
            info,
            &format!(
                "<< /Title {} /Author {} /Producer (ocop) >>",
                text_string(&self.title),
                text_string(&self.author)
            ),
        );
        w.finish(catalog, info)
    }
}

/// A text string for the document's information: UTF-16 with its byte-order mark, in hex.
fn text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in s.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

/// Objects written in any order once their numbers are reserved, and the cross-reference table.
#[derive(Default)]
struct Writer {
    out: Vec<u8>,
    offsets: Vec<Option<usize>>,
}

impl Writer {
    fn reserve(&mut self) -> usize {
        if self.out.is_empty() {
            self.out.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
        }
        self.offsets.push(None);
        self.offsets.len()
    }

    fn object(&mut self, id: usize, body: &str) {
        self.offsets[id - 1] = Some(self.out.len());
        self.out.extend_from_slice(format!("{id} 0 obj\n{body}\nendobj\n").as_bytes());
    }

    /// A stream compressed with Flate; `extra` adds entries to its dictionary.
    fn stream(&mut self, id: usize, extra: &str, data: &[u8]) {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        // Writing to a Vec cannot fail.
        let packed = z.write_all(data).and_then(|()| z.finish()).unwrap_or_default();
        self.offsets[id - 1] = Some(self.out.len());
        self.out.extend_from_slice(
            format!("{id} 0 obj\n<< /Length {} /Filter /FlateDecode {extra}>>\nstream\n", packed.len()).as_bytes(),
        );
        self.out.extend_from_slice(&packed);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    fn finish(mut self, root: usize, info: usize) -> Vec<u8> {
        let xref = self.out.len();
        let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", self.offsets.len() + 1);
        for offset in &self.offsets {
            let _ = writeln!(table, "{:010} 00000 n ", offset.unwrap_or(0));
        }
        let _ = write!(
            table,
            "trailer\n<< /Size {} /Root {root} 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            self.offsets.len() + 1
        );
        self.out.extend_from_slice(table.as_bytes());
        self.out
    }
}

/// Writes a font's objects for the glyphs `used` (id and the character each stands for); returns
/// the id of its `Type0` font.
fn embed_font(w: &mut Writer, font: &Font, used: &BTreeMap<u16, char>) -> usize {
    let (type0, cid, descriptor, file, to_unicode) = (w.reserve(), w.reserve(), w.reserve(), w.reserve(), w.reserve());
    // A subset is named with six capitals of its own (ISO 32000-1, 9.6.4), here from its glyphs.
    let mut hash: u32 = 2_166_136_261;
    for g in used.keys() {
        hash = (hash ^ u32::from(*g)).wrapping_mul(16_777_619);
    }
    let tag: String = (0..6).map(|i| char::from(b'A' + u8::try_from((hash >> (i * 5)) % 26).unwrap_or(0))).collect();
    let name = format!("{tag}+{}", font.name);
    let mut widths = String::new();
    for g in used.keys() {
        let _ = write!(widths, "{g} [{}] ", num(font.advance(*g)));
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
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{name} /CIDSystemInfo << /Registry (Adobe) /Ordering \
             (Identity) /Supplement 0 >> /FontDescriptor {descriptor} 0 R /W [{widths}] /CIDToGIDMap /Identity >>"
        ),
    );
    let face = &font.face;
    let b = face.global_bounding_box();
    w.object(
        descriptor,
        &format!(
            "<< /Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} \
             /Descent {} /CapHeight {} /StemV 80 /FontFile2 {file} 0 R >>",
            num(font.units(b.x_min)),
            num(font.units(b.y_min)),
            num(font.units(b.x_max)),
            num(font.units(b.y_max)),
            num(font.units(face.ascender())),
            num(font.units(face.descender())),
            num(font.units(face.capital_height().unwrap_or(face.ascender())))
        ),
    );
    let program = subset(face, used.keys().copied());
    w.stream(file, &format!("/Length1 {} ", program.len()), &program);
    w.stream(to_unicode, "", unicode_map(used).as_bytes());
    type0
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

/// The font program with only the glyphs `used` (and the glyphs they are composed of) drawn:
/// every other glyph keeps its id and is emptied. Keeps the tables a PDF reader needs of an
/// embedded TrueType font (ISO 32000-1, 9.9).
fn subset(face: &Face<'_>, used: impl Iterator<Item = u16>) -> Vec<u8> {
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
        // A composite glyph: follow its components (OpenType `glyf`, composite glyph description).
        let mut at = 10;
        loop {
            let (flags, component) = (be16(d, at), be16(d, at + 2));
            if !keep.contains(&component) {
                todo.push(component);
            }
            at += 4 + if flags & 0x1 != 0 { 4 } else { 2 };
            at += if flags & 0x8 != 0 {
                2
            } else if flags & 0x40 != 0 {
                4
            } else if flags & 0x80 != 0 {
                8
            } else {
                0
            };
            if flags & 0x20 == 0 || at >= d.len() {
                break;
            }
        }
    }
    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity((count + 1) * 4);
    for g in 0..count {
        new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).unwrap_or(0).to_be_bytes());
        if keep.contains(&u16::try_from(g).unwrap_or(0)) {
            new_glyf.extend_from_slice(data(g));
            while new_glyf.len() % 4 != 0 {
                new_glyf.push(0);
            }
        }
    }
    new_loca.extend_from_slice(&u32::try_from(new_glyf.len()).unwrap_or(0).to_be_bytes());
    let mut new_head = head.to_vec();
    if new_head.len() >= 54 {
        new_head[8..12].fill(0);
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

/// A TrueType file of `tables` (sorted by tag).
fn sfnt(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let n = u16::try_from(tables.len()).unwrap_or(0);
    let power = if n == 0 { 0 } else { 15 - n.leading_zeros() };
    let range = (1_u16 << power) * 16;
    let mut out = Vec::new();
    for v in [0x0001_u16, 0x0000, n, range, u16::try_from(power).unwrap_or(0), n * 16 - range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut at = 12 + 16 * tables.len();
    for (tag, data) in tables {
        let sum = data.chunks(4).fold(0_u32, |s, c| {
            let mut word = [0_u8; 4];
            word[..c.len()].copy_from_slice(c);
            s.wrapping_add(u32::from_be_bytes(word))
        });
        out.extend_from_slice(tag);
        out.extend_from_slice(&sum.to_be_bytes());
        out.extend_from_slice(&u32::try_from(at).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        at += data.len().div_ceil(4) * 4;
    }
    for (_, data) in tables {
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(4) * 4, 0);
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
    fn lines_never_run_past_their_width() {
        let style = Style::new(10.0);
        let text =
            "Hợp tác xã Nông nghiệp và Dịch vụ Bát Tràng https://ocop.example/verify/certificate/OCOP-01-2026-00001";
        for max in [40.0, 90.0, 200.0] {
            let lines = wrap(style, text, max);
            assert!(lines.iter().all(|l| width(style, l) <= max), "{max}: {lines:?}");
            let joined: String = lines.concat().split_whitespace().collect();
            assert_eq!(joined, text.split_whitespace().collect::<String>(), "nothing lost");
        }
        assert_eq!(wrap(style, "a\n\nb", 100.0), ["a", "", "b"]);
        assert!(width(style.bold(), "Mật ong") > width(style, "Mật ong"));
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
        let other = font.glyph('Q');
        assert!(sub.glyph_bounding_box(GlyphId(other)).is_none(), "an unused glyph is emptied");
        assert!(program.len() < REGULAR.len() / 4);
    }

    #[test]
    fn a_long_table_flows_over_pages_and_keeps_every_row() {
        let mut doc = Doc::new(A4, (cm(2.0), cm(1.8)), "Bảng", "ocop");
        let style = Style::new(10.0);
        let long = "Nội dung rất dài ".repeat(400);
        let table = Table {
            widths: vec![Width::Auto, Width::Share(1.0)],
            header: vec![Cell::new("Mục", style.bold()), Cell::new("Nội dung", style.bold())],
            rows: (0..60)
                .map(|i| {
                    vec![
                        Cell::new(i.to_string(), style),
                        Cell::new(long.chars().take(i * 10).collect::<String>(), style),
                    ]
                })
                .collect(),
            grid: Some(Rgb::grey(150)),
            inset: (4.0, 4.0),
        };
        doc.table(&table);
        assert!(doc.pages.len() > 3, "{} pages", doc.pages.len());
        assert!(doc.y <= doc.bottom);
        let pdf = doc.finish(true);
        assert!(pdf.starts_with(b"%PDF-1.7") && pdf.ends_with(b"%%EOF\n"));
        // Every entry of the cross-reference table points at its object.
        let text = String::from_utf8_lossy(&pdf);
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .expect("startxref")
            .parse()
            .expect("offset");
        let table = &pdf[start..];
        let entries: Vec<&[u8]> = table.split(|b| *b == b'\n').skip(3).take_while(|l| l.ends_with(b" n ")).collect();
        assert!(entries.len() > 10, "{} objects", entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let offset: usize = String::from_utf8_lossy(&entry[..10]).parse().expect("offset");
            assert!(pdf[offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()), "object {}", i + 1);
        }
    }
}
