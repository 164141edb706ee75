//! A small PDF writer for the documents the platform prints: pages of text in DejaVu Sans (every
//! Vietnamese letter is a precomposed glyph of the font, so text in NFC needs no shaping), lines,
//! rectangles, QR codes and tables that flow over pages.
//!
//! Text is written with the font's glyph ids ([`font`]); the file is tagged: headings,
//! paragraphs, tables and figures form a structure tree in reading order, and rules, borders and
//! page numbers are marked as artifacts, so a screen reader reads a certificate as it reads a
//! page. Coordinates are in points from the page's top left; drawing turns them into PDF's
//! bottom-left space.

mod font;
mod writer;

pub(crate) use writer::{HEADER, xref};

use font::{FONTS, Font};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use unicode_normalization::UnicodeNormalization;
use writer::{Writer, text_string};

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

    pub fn scaled(self, by: f32) -> Style {
        Style { size: self.size * by, ..self }
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

/// The characters of `s` that are drawn: NFC, without control characters.
fn drawn(s: &str) -> impl Iterator<Item = char> + '_ {
    s.nfc().filter(|c| !c.is_control())
}

/// The width of `s` in points.
pub(crate) fn text_width(style: Style, s: &str) -> f32 {
    let font = style.font();
    drawn(s).map(|c| font.advance(font.glyph(c))).sum::<f32>() * style.size / 1000.0
}

/// `s` broken into lines no wider than `max` points: at white space, at line breaks, and inside
/// a word only when the word alone is wider than a line (an address, a long code).
pub(crate) fn wrap(style: Style, s: &str, max: f32) -> Vec<String> {
    let text: String = s.nfc().collect();
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
            if text_width(style, &candidate) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                line.push(c);
                if text_width(style, &line) > max && line.chars().count() > 1 {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// A QR code (error correction M) as a 1-bit mask with a quiet zone of `quiet` modules: its
/// width in modules and its rows of bits, 1 for dark (painted with `/Decode [1 0]`).
pub(crate) fn qr_mask(text: &str, quiet: usize) -> Result<(usize, Vec<u8>), String> {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).map_err(|e| e.to_string())?;
    let modules = code.width();
    let colors = code.to_colors();
    let width = modules + 2 * quiet;
    let row_bytes = width.div_ceil(8);
    let mut bits = vec![0_u8; row_bytes * width];
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % modules + quiet, i / modules + quiet);
            bits[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
        }
    }
    Ok((width, bits))
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

/// How wide a table's column is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Width {
    Fixed(f32),
    /// Its widest cell's text, at most half the table.
    Auto,
    /// A share of what the fixed and automatic columns leave.
    Share(f32),
}

/// A table that flows over pages, its header repeated on each. Every row has one cell per
/// column.
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

impl Table {
    fn lines(&self, cells: &[Cell], widths: &[f32]) -> Vec<Vec<String>> {
        debug_assert_eq!(cells.len(), widths.len(), "one cell per column");
        cells.iter().zip(widths).map(|(c, w)| wrap(c.style, &c.text, w - 2.0 * self.inset.0)).collect()
    }

    /// The height of a row showing at most `count` lines of each cell.
    fn row_height(&self, cells: &[Cell], lines: &[Vec<String>], count: usize) -> f32 {
        let leading = cells.iter().map(|c| c.style.leading()).fold(0.0, f32::max);
        let shown = lines.iter().map(|l| l.len().min(count)).max().unwrap_or(0).max(1);
        shown as f32 * leading + 2.0 * self.inset.1
    }
}

/// A node of the structure tree: its role (`P`, `H1`, `Table`, `TD`, `Figure`…), its parent,
/// and its children in reading order.
struct Element {
    role: &'static str,
    parent: usize,
    kids: Vec<Kid>,
    alt: Option<String>,
}

enum Kid {
    Element(usize),
    /// A marked run of content: its page and its number on that page.
    Content(usize, usize),
}

/// Roles whose content is text itself; text put straight under any other is given a paragraph.
const TEXT_ROLES: [&str; 6] = ["P", "H1", "H2", "TD", "TH", "Figure"];

/// A document being laid out: pages of drawing operations, a cursor running down the page, the
/// structure tree, and the glyphs used so far in each font.
pub(crate) struct Doc {
    size: (f32, f32),
    pub left: f32,
    pub right: f32,
    pub top: f32,
    pub bottom: f32,
    /// Where the next block starts, from the top of the current page.
    pub y: f32,
    pages: Vec<String>,
    /// The page being drawn on.
    current: usize,
    /// Per page, the element each marked run belongs to.
    marks: Vec<Vec<usize>>,
    elements: Vec<Element>,
    /// The elements being filled, innermost last; the document's root first.
    open: Vec<usize>,
    used: [BTreeMap<u16, char>; 2],
    veiled: bool,
    /// Something was drawn below the bottom margin.
    spilled: bool,
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
            pages: vec![String::new()],
            current: 0,
            marks: vec![Vec::new()],
            elements: vec![Element { role: "Document", parent: 0, kids: Vec::new(), alt: None }],
            open: vec![0],
            used: [BTreeMap::new(), BTreeMap::new()],
            veiled: false,
            spilled: false,
            title: title.nfc().collect(),
            author: author.nfc().collect(),
        }
    }

    pub fn width(&self) -> f32 {
        self.right - self.left
    }

    #[cfg(test)]
    pub fn spilled(&self) -> bool {
        self.spilled
    }

    #[cfg(test)]
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    fn pdf_y(&self, y: f32) -> f32 {
        self.size.1 - y
    }

    /// Notes a drawing that reaches down to `y`.
    fn reach(&mut self, y: f32) {
        if y > self.bottom + 0.5 {
            self.spilled = true;
        }
    }

    pub fn new_page(&mut self) {
        self.pages.push(String::new());
        self.marks.push(Vec::new());
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

    /// Opens an element of the structure tree under the innermost open one.
    pub fn begin(&mut self, role: &'static str) {
        self.begin_with(role, None);
    }

    fn begin_with(&mut self, role: &'static str, alt: Option<String>) {
        let parent = self.open.last().copied().unwrap_or(0);
        self.elements.push(Element { role, parent, kids: Vec::new(), alt });
        let id = self.elements.len() - 1;
        self.elements[parent].kids.push(Kid::Element(id));
        self.open.push(id);
    }

    pub fn end(&mut self) {
        if self.open.len() > 1 {
            self.open.pop();
        }
    }

    /// Whether text drawn now needs a paragraph of its own.
    fn needs_paragraph(&self) -> bool {
        let top = self.open.last().copied().unwrap_or(0);
        !TEXT_ROLES.contains(&self.elements[top].role)
    }

    /// Drawing operations that belong to the innermost open element.
    fn marked(&mut self, ops: &str) {
        let element = self.open.last().copied().unwrap_or(0);
        let mcid = self.marks[self.current].len();
        self.marks[self.current].push(element);
        self.elements[element].kids.push(Kid::Content(self.current, mcid));
        let role = self.elements[element].role;
        let _ = write!(self.pages[self.current], "/{role} << /MCID {mcid} >> BDC\n{ops}EMC\n");
    }

    /// Drawing operations that are not content (rules, borders, page numbers).
    fn artifact(&mut self, ops: &str) {
        let _ = write!(self.pages[self.current], "/Artifact BMC\n{ops}EMC\n");
    }

    /// The operations that draw one line of text, its glyphs counted in their font's subset;
    /// `None` when nothing of it is drawn.
    fn glyph_run(&mut self, x: f32, baseline: f32, style: Style, s: &str) -> Option<String> {
        let slot = usize::from(style.bold);
        let font = style.font();
        let mut hex = String::new();
        for c in drawn(s) {
            let glyph = font.glyph(c);
            self.used[slot].entry(glyph).or_insert(c);
            let _ = write!(hex, "{glyph:04X}");
        }
        if hex.is_empty() {
            return None;
        }
        let skew = if style.italic { "0.2" } else { "0" };
        Some(format!(
            "BT /F{slot} {} Tf {} rg 1 0 {skew} 1 {} {} Tm <{hex}> Tj ET\n",
            num(style.size),
            style.color.components(),
            num(x),
            num(self.pdf_y(baseline))
        ))
    }

    /// One line of text, its baseline at `baseline`.
    pub fn text(&mut self, x: f32, baseline: f32, style: Style, s: &str) {
        let Some(op) = self.glyph_run(x, baseline, style, s) else {
            return;
        };
        self.reach(baseline + style.size * 0.24);
        let paragraph = self.needs_paragraph();
        if paragraph {
            self.begin("P");
        }
        self.marked(&op);
        if paragraph {
            self.end();
        }
    }

    /// One line of text placed in the span `x`..`x + span` as `align` says.
    pub fn text_in(&mut self, x: f32, span: f32, baseline: f32, style: Style, align: Align, s: &str) {
        let x = match align {
            Align::Left => x,
            Align::Center => x + (span - text_width(style, s)) / 2.0,
            Align::Right => x + span - text_width(style, s),
        };
        self.text(x, baseline, style, s);
    }

    /// Lines of text at `y` (the top of the first line) in `x`..`x + span`, one paragraph;
    /// returns where they end. Does not break pages: for blocks whose place is fixed.
    pub fn lines_at(&mut self, x: f32, span: f32, y: f32, style: Style, align: Align, lines: &[String]) -> f32 {
        let paragraph = self.needs_paragraph();
        if paragraph {
            self.begin("P");
        }
        let mut y = y;
        for line in lines {
            self.text_in(x, span, y + style.size, style, align, line);
            y += style.leading();
        }
        if paragraph {
            self.end();
        }
        y
    }

    /// A paragraph across the page at the cursor, breaking pages between lines.
    pub fn paragraph(&mut self, style: Style, align: Align, s: &str) {
        self.paragraph_as("P", style, align, s);
    }

    fn paragraph_as(&mut self, role: &'static str, style: Style, align: Align, s: &str) {
        let (left, span) = (self.left, self.width());
        self.begin(role);
        for line in wrap(style, s, span) {
            self.ensure(style.leading());
            let y = self.y;
            self.text_in(left, span, y + style.size, style, align, &line);
            self.y += style.leading();
        }
        self.end();
    }

    /// The document's title, centred.
    pub fn title(&mut self, style: Style, s: &str) {
        self.paragraph_as("H1", style, Align::Center, s);
    }

    const HEADING: Style = Style::new(11.0).bold();

    /// The height a heading takes, its spacing included.
    pub fn heading_height(&self, s: &str) -> f32 {
        8.0 + wrap(Self::HEADING, s, self.width()).len() as f32 * Self::HEADING.leading() + 3.0
    }

    /// A section heading, kept on the page of what follows it.
    pub fn heading(&mut self, s: &str) {
        self.space(8.0);
        self.ensure(Self::HEADING.leading() * 4.0);
        self.paragraph_as("H2", Self::HEADING, Align::Left, s);
        self.space(3.0);
    }

    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), width: f32, color: Rgb) {
        self.reach(from.1.max(to.1));
        let op = format!(
            "{} RG {} w {} {} m {} {} l S\n",
            color.components(),
            num(width),
            num(from.0),
            num(self.pdf_y(from.1)),
            num(to.0),
            num(self.pdf_y(to.1))
        );
        self.artifact(&op);
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
        self.reach(y + h);
        let _ = writeln!(op, "{} {} {} {} re {paint}", num(x), num(self.pdf_y(y + h)), num(w), num(h));
        self.artifact(&op);
    }

    /// A white veil over a rectangle, letting what is under it show through.
    pub fn veil(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.veiled = true;
        self.reach(y + h);
        let op = format!("q /Veil gs 1 1 1 rg {} {} {} {} re f Q\n", num(x), num(self.pdf_y(y + h)), num(w), num(h));
        self.artifact(&op);
    }

    /// A QR code of `text` with a 4-module quiet zone, of side `side` at `x`, `y`: an image mask
    /// with one sample per module, so the modules meet without seams at any scale. A figure
    /// whose alternative text is `alt`.
    pub fn qr(&mut self, x: f32, y: f32, side: f32, text: &str, alt: &str) -> Result<(), String> {
        let (n, bits) = qr_mask(text, 4)?;
        let hex: String = bits.iter().map(|b| format!("{b:02X}")).collect();
        self.reach(y + side);
        let op = format!(
            "q 0 0 0 rg {} 0 0 {} {} {} cm BI /W {n} /H {n} /IM true /BPC 1 /D [1 0] /F /AHx ID {hex}> EI Q\n",
            num(side),
            num(side),
            num(x),
            num(self.pdf_y(y + side))
        );
        self.begin_with("Figure", Some(alt.nfc().collect()));
        self.marked(&op);
        self.end();
        Ok(())
    }

    /// A figure drawn by `draw`, read as `alt`.
    pub fn figure(&mut self, alt: &str, draw: impl FnOnce(&mut Doc)) {
        self.begin_with("Figure", Some(alt.nfc().collect()));
        draw(self);
        self.end();
    }

    fn column_widths(t: &Table, span: f32) -> Vec<f32> {
        let natural = |i: usize| {
            t.rows
                .iter()
                .chain(std::iter::once(&t.header))
                .filter_map(|row| row.get(i))
                .fold(0.0_f32, |m, c| c.text.lines().map(|line| text_width(c.style, line)).fold(m, f32::max))
                + 2.0 * t.inset.0
                + 0.5
        };
        let mut widths: Vec<f32> = t
            .widths
            .iter()
            .enumerate()
            .map(|(i, w)| match w {
                Width::Fixed(v) => *v,
                Width::Auto => natural(i).min(span / 2.0),
                Width::Share(_) => 0.0,
            })
            .collect();
        let left = (span - widths.iter().sum::<f32>()).max(0.0);
        let shares: f32 = t.widths.iter().map(|w| if let Width::Share(s) = w { *s } else { 0.0 }).sum();
        for (w, spec) in widths.iter_mut().zip(&t.widths) {
            if let Width::Share(s) = spec {
                *w = left * s / shares.max(f32::EPSILON);
            }
        }
        widths
    }

    /// The height of `t` set `span` wide, on one page.
    pub fn table_height(t: &Table, span: f32) -> f32 {
        let widths = Self::column_widths(t, span);
        std::iter::once(&t.header)
            .filter(|h| !h.is_empty())
            .chain(&t.rows)
            .map(|cells| t.row_height(cells, &t.lines(cells, &widths), usize::MAX))
            .sum()
    }

    /// Draws one row (at most `count` lines of each cell, taken from `lines`) at the cursor. The
    /// first lines of all cells share a baseline, whatever their sizes.
    fn row(&mut self, t: &Table, x: f32, widths: &[f32], cells: &[Cell], lines: &mut [Vec<String>], count: usize) {
        let height = t.row_height(cells, lines, count);
        let biggest = cells.iter().map(|c| c.style.size).fold(0.0, f32::max);
        let y = self.y;
        let mut x = x;
        self.begin("TR");
        for ((cell, w), cell_lines) in cells.iter().zip(widths).zip(lines.iter_mut()) {
            if let Some(grid) = t.grid {
                self.rect(x, y, *w, height, None, Some((0.5, grid)));
            }
            let take = cell_lines.len().min(count);
            let now: Vec<String> = cell_lines.drain(..take).collect();
            self.begin(if std::ptr::eq(cells, t.header.as_slice()) { "TH" } else { "TD" });
            let top = y + t.inset.1 + biggest - cell.style.size;
            self.lines_at(x + t.inset.0, w - 2.0 * t.inset.0, top, cell.style, cell.align, &now);
            self.end();
            x += w;
        }
        self.end();
        self.y += height;
    }

    fn header(&mut self, t: &Table, x: f32, widths: &[f32]) {
        if !t.header.is_empty() {
            let mut lines = t.lines(&t.header, widths);
            self.row(t, x, widths, &t.header, &mut lines, usize::MAX);
        }
    }

    /// A table across the page at the cursor.
    pub fn table(&mut self, t: &Table) {
        self.table_in(self.left, self.width(), t);
    }

    /// A table in `x`..`x + span` at the cursor. A row moves to the next page whole when it fits
    /// there; a row longer than a page is split between lines, at least one line a page.
    pub fn table_in(&mut self, x: f32, span: f32, t: &Table) {
        let widths = Self::column_widths(t, span);
        let header_height =
            if t.header.is_empty() { 0.0 } else { t.row_height(&t.header, &t.lines(&t.header, &widths), usize::MAX) };
        // The header stays with the first row, as much of it as a page holds.
        let first = t.rows.first().map_or(0.0, |r| t.row_height(r, &t.lines(r, &widths), usize::MAX));
        self.ensure((header_height + first).min(self.bottom - self.top));
        self.begin("Table");
        self.header(t, x, &widths);
        for cells in &t.rows {
            let leading = cells.iter().map(|c| c.style.leading()).fold(0.0, f32::max);
            let mut lines = t.lines(cells, &widths);
            loop {
                let need = t.row_height(cells, &lines, usize::MAX);
                let room = self.bottom - self.y;
                if need <= room {
                    self.row(t, x, &widths, cells, &mut lines, usize::MAX);
                    break;
                }
                let fresh = self.y <= self.top + header_height + 0.01;
                let longest = lines.iter().map(Vec::len).max().unwrap_or(0);
                let fit = (1..longest).take_while(|n| *n as f32 * leading + 2.0 * t.inset.1 <= room).last();
                let page = self.bottom - self.top - header_height;
                let split = match fit {
                    Some(n) if need > page => Some(n),
                    None if fresh => Some(1),
                    _ => None,
                };
                if let Some(n) = split {
                    self.row(t, x, &widths, cells, &mut lines, n);
                    if lines.iter().all(Vec::is_empty) {
                        break;
                    }
                }
                self.new_page();
                self.header(t, x, &widths);
            }
        }
        self.end();
    }

    /// The finished file; with `numbered`, each page carries "n/N" at its foot.
    pub fn finish(mut self, numbered: bool) -> Vec<u8> {
        let total = self.pages.len();
        if numbered {
            let style = Style::new(8.0).color(Rgb::grey(90));
            // In the middle of the bottom margin, where nothing else is.
            let baseline = self.size.1 - (self.size.1 - self.bottom) / 2.0;
            for i in 0..total {
                let n = format!("{}/{}", i + 1, total);
                let x = self.left + (self.width() - text_width(style, &n)) / 2.0;
                if let Some(op) = self.glyph_run(x, baseline, style, &n) {
                    let _ = write!(self.pages[i], "/Artifact << /Type /Pagination >> BDC\n{op}EMC\n");
                }
            }
        }
        let mut w = Writer::new();
        let catalog = w.reserve();
        let tree = w.reserve();
        let info = w.reserve();
        let root = w.reserve();
        let parents = w.reserve();
        let page_ids: Vec<usize> = (0..total).map(|_| w.reserve()).collect();
        let element_ids: Vec<usize> = self.elements.iter().map(|_| w.reserve()).collect();
        let mut fonts = String::new();
        for (slot, used) in self.used.iter().enumerate() {
            if !used.is_empty() {
                let id = FONTS[slot].embed(&mut w, used);
                let _ = write!(fonts, "/F{slot} {id} 0 R ");
            }
        }
        let veil = if self.veiled {
            let id = w.reserve();
            w.object(id, "<< /Type /ExtGState /ca 0.6 >>");
            format!("/ExtGState << /Veil {id} 0 R >> ")
        } else {
            String::new()
        };
        for (i, ops) in self.pages.iter().enumerate() {
            let content = w.reserve();
            w.stream(content, "", ops.as_bytes());
            w.object(
                page_ids[i],
                &format!(
                    "<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 {} {}] /Resources << /Font << {fonts}>> {veil}>> \
                     /Contents {content} 0 R /StructParents {i} /Tabs /S >>",
                    num(self.size.0),
                    num(self.size.1)
                ),
            );
        }
        for (e, element) in self.elements.iter().enumerate() {
            let parent = if e == 0 { root } else { element_ids[element.parent] };
            let mut kids = String::new();
            for kid in &element.kids {
                let _ = match kid {
                    Kid::Element(k) => write!(kids, "{} 0 R ", element_ids[*k]),
                    Kid::Content(page, mcid) => {
                        write!(kids, "<< /Type /MCR /Pg {} 0 R /MCID {mcid} >> ", page_ids[*page])
                    }
                };
            }
            let alt = element.alt.as_deref().map(|a| format!("/Alt {} ", text_string(a))).unwrap_or_default();
            w.object(
                element_ids[e],
                &format!("<< /Type /StructElem /S /{} /P {parent} 0 R {alt}/K [{kids}] >>", element.role),
            );
        }
        let mut nums = String::new();
        for (page, marks) in self.marks.iter().enumerate() {
            let refs: Vec<String> = marks.iter().map(|e| format!("{} 0 R", element_ids[*e])).collect();
            let _ = write!(nums, "{page} [{}] ", refs.join(" "));
        }
        w.object(parents, &format!("<< /Nums [{nums}] >>"));
        w.object(
            root,
            &format!(
                "<< /Type /StructTreeRoot /K {} 0 R /ParentTree {parents} 0 R /ParentTreeNextKey {total} >>",
                element_ids[0]
            ),
        );
        let kids: Vec<String> = page_ids.iter().map(|id| format!("{id} 0 R")).collect();
        w.object(tree, &format!("<< /Type /Pages /Kids [{}] /Count {total} >>", kids.join(" ")));
        w.object(
            catalog,
            &format!(
                "<< /Type /Catalog /Pages {tree} 0 R /Lang (vi) /MarkInfo << /Marked true >> /StructTreeRoot {root} 0 R \
                 /ViewerPreferences << /DisplayDocTitle true >> >>"
            ),
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_never_run_past_their_width() {
        let style = Style::new(10.0);
        let text =
            "Hợp tác xã Nông nghiệp và Dịch vụ Bát Tràng https://ocop.example/verify/certificate/OCOP-01-2026-00001";
        for max in [40.0, 90.0, 200.0] {
            let lines = wrap(style, text, max);
            assert!(lines.iter().all(|l| text_width(style, l) <= max), "{max}: {lines:?}");
            let joined: String = lines.concat().split_whitespace().collect();
            assert_eq!(joined, text.split_whitespace().collect::<String>(), "nothing lost");
        }
        assert_eq!(wrap(style, "a\r\n\r\nb\tc", 100.0), ["a", "", "b c"], "line ends and tabs are white space");
        assert_eq!(wrap(style, "", 100.0), [""]);
        assert!(text_width(style.bold(), "Mật ong") > text_width(style, "Mật ong"));
        assert_eq!(text_width(style, "a\u{7}b"), text_width(style, "ab"), "control characters are not drawn");
    }

    fn table(rows: usize, text: impl Fn(usize) -> String) -> Table {
        let style = Style::new(10.0);
        Table {
            widths: vec![Width::Auto, Width::Share(1.0)],
            header: vec![Cell::new("Mục", style.bold()), Cell::new("Nội dung", style.bold())],
            rows: (0..rows).map(|i| vec![Cell::new(i.to_string(), style), Cell::new(text(i), style)]).collect(),
            grid: Some(Rgb::grey(150)),
            inset: (4.0, 4.0),
        }
    }

    #[test]
    fn a_long_table_flows_over_pages_within_the_margins() {
        let mut doc = Doc::new(A4, (cm(2.0), cm(1.8)), "Bảng", "ocop");
        let long = "Nội dung rất dài ".repeat(400);
        let t = table(60, |i| long.chars().take(i * 10).collect());
        doc.table(&t);
        assert!(doc.page_count() > 3, "{} pages", doc.page_count());
        assert!(!doc.spilled(), "nothing below the margin");
        // Every row is there, each in one piece: no row here is longer than a page.
        assert_eq!(doc.elements.iter().filter(|e| e.role == "TD").count(), 2 * 60);
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
        let entries: Vec<&[u8]> =
            pdf[start..].split(|b| *b == b'\n').skip(3).take_while(|l| l.ends_with(b" n ")).collect();
        assert!(entries.len() > 10, "{} objects", entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let offset: usize = String::from_utf8_lossy(&entry[..10]).parse().expect("offset");
            assert!(pdf[offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()), "object {}", i + 1);
        }
    }

    #[test]
    fn rows_and_headers_taller_than_a_page_still_end() {
        let mut doc = Doc::new(A4, (cm(2.0), cm(1.8)), "Bảng", "ocop");
        let mut t = table(3, |_| "dòng\n".repeat(150));
        t.header[1].text = "tiêu đề\n".repeat(70);
        doc.table(&t);
        assert!(doc.page_count() > 3, "{} pages", doc.page_count());
    }

    #[test]
    fn a_header_is_not_left_alone_at_the_foot_of_a_page() {
        let mut doc = Doc::new(A4, (cm(2.0), cm(1.8)), "Bảng", "ocop");
        doc.y = doc.bottom - 60.0;
        doc.table(&table(1, |_| "dòng\n".repeat(10)));
        assert_eq!(doc.page_count(), 2);
        assert!(doc.marks[0].is_empty(), "nothing on the first page");
    }
}
