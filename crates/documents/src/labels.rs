//! Label sheets: A4 pages of QR labels, written as a stream of byte chunks so that a sheet of
//! 10,000 labels never sits in memory whole and the first bytes leave at once.
//!
//! The PDF is written by hand (its syntax is small): every object number is known in advance
//! from the label count and the grid, so page objects can be written as soon as their serials
//! are read, and the cross-reference table at the end lists the offsets counted on the way.
//! Each QR code is a 1-bit image mask (one module per pixel, scaled by the page), and the text
//! uses the standard Helvetica font (WinAnsi: the lot and serial are ASCII).

use crate::pdf::{A4, HEADER, qr_mask, xref};
use rayon::prelude::*;

/// The grid of labels on an A4 page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    pub columns: u32,
    pub rows: u32,
    /// Page margin in millimetres.
    pub margin_mm: f32,
}

impl Default for Grid {
    fn default() -> Self {
        Grid { columns: 4, rows: 10, margin_mm: 8.0 }
    }
}

impl Grid {
    pub const MAX_COLUMNS: u32 = 8;
    pub const MAX_ROWS: u32 = 20;

    /// A grid within sensible bounds, or `None`.
    pub fn new(columns: u32, rows: u32) -> Option<Grid> {
        ((1..=Self::MAX_COLUMNS).contains(&columns) && (1..=Self::MAX_ROWS).contains(&rows)).then_some(Grid {
            columns,
            rows,
            ..Grid::default()
        })
    }

    pub fn per_page(self) -> u32 {
        self.columns * self.rows
    }
}

/// One label: the URI its QR code carries and the lines printed beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub uri: String,
    pub lines: Vec<String>,
}

const MM: f32 = 72.0 / 25.4;

/// Writes a sheet of `total` labels in chunks: [`LabelSheet::start`], then [`LabelSheet::page`]
/// for each page's labels in order, then [`LabelSheet::finish`].
pub struct LabelSheet {
    grid: Grid,
    total: u32,
    pages: u32,
    written: usize,
    offsets: Vec<(u32, usize)>,
    next_page: u32,
}

impl LabelSheet {
    pub fn new(grid: Grid, total: u32) -> LabelSheet {
        let pages = total.div_ceil(grid.per_page()).max(1);
        LabelSheet { grid, total, pages, written: 0, offsets: Vec::new(), next_page: 0 }
    }

    /// First object of page `i`: the page, its content, then one image per label.
    fn page_object(&self, i: u32) -> u32 {
        4 + i * (2 + self.grid.per_page())
    }

    fn object(&mut self, out: &mut Vec<u8>, id: u32, body: &[u8]) {
        self.offsets.push((id, self.written + out.len()));
        out.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }

    /// The header, catalogue, page tree and font.
    pub fn start(&mut self) -> Vec<u8> {
        let mut out = HEADER.to_vec();
        self.object(&mut out, 1, b"<< /Type /Catalog /Pages 2 0 R >>");
        let kids: Vec<String> = (0..self.pages).map(|i| format!("{} 0 R", self.page_object(i))).collect();
        let pages = format!("<< /Type /Pages /Count {} /Kids [{}] >>", self.pages, kids.join(" "));
        self.object(&mut out, 2, pages.as_bytes());
        self.object(&mut out, 3, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
        self.written += out.len();
        out
    }

    /// The next page with its labels (at most one grid's worth; only the last may be short).
    pub fn page(&mut self, labels: &[Label]) -> Result<Vec<u8>, String> {
        let i = self.next_page;
        if i >= self.pages || labels.len() > self.grid.per_page() as usize {
            return Err("label sheet: more labels than announced".into());
        }
        self.next_page += 1;
        let first = self.page_object(i);
        let (w, h) = A4;
        let margin = self.grid.margin_mm * MM;
        let cell_w = (w - 2.0 * margin) / self.grid.columns as f32;
        let cell_h = (h - 2.0 * margin) / self.grid.rows as f32;
        let pad = 2.0 * MM;
        let qr_size = (cell_h - 2.0 * pad).min(cell_w * 0.45);
        // The text beside the code, sized to fit its longest line (Helvetica's digits and
        // capitals average about 0.62 em).
        let text_w = cell_w - qr_size - 3.0 * pad;
        let longest = labels.iter().flat_map(|l| l.lines.iter()).map(|l| l.chars().count()).max().unwrap_or(1).max(1);
        let font = (text_w / (longest as f32 * 0.62)).clamp(4.0, 9.0);
        // Encoding the QR codes is most of the work: spread it over the cores.
        let masks = labels.par_iter().map(|l| qr_mask(&l.uri, 2)).collect::<Result<Vec<_>, String>>()?;
        let mut out = Vec::new();
        let mut content = String::new();
        let mut images = Vec::with_capacity(labels.len());
        let mut xobjects = String::new();
        for (n, (label, mask)) in labels.iter().zip(masks).enumerate() {
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            let (col, row) = (n % self.grid.columns, n / self.grid.columns);
            let x = margin + col as f32 * cell_w;
            let y = h - margin - (row + 1) as f32 * cell_h;
            // A light cut line around the label.
            content.push_str(&format!("q 0.8 G 0.3 w {x:.2} {y:.2} {cell_w:.2} {cell_h:.2} re S Q\n"));
            let id = first + 2 + n;
            content.push_str(&format!(
                "q {qr_size:.2} 0 0 {qr_size:.2} {:.2} {:.2} cm /Q{n} Do Q\n",
                x + pad,
                y + (cell_h - qr_size) / 2.0
            ));
            xobjects.push_str(&format!("/Q{n} {id} 0 R "));
            let tx = x + pad * 2.0 + qr_size;
            let block = label.lines.len() as f32 * font * 1.35;
            let mut ty = y + (cell_h + block) / 2.0 - font;
            for line in &label.lines {
                content.push_str(&format!("BT /F1 {font:.1} Tf {tx:.2} {ty:.2} Td ({}) Tj ET\n", pdf_text(line)));
                ty -= font * 1.35;
            }
            images.push((id, mask));
        }
        let resources = format!("<< /Font << /F1 3 0 R >> /XObject << {xobjects}>> >>");
        let page = format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] /Resources {resources} /Contents {} 0 R >>",
            first + 1
        );
        self.object(&mut out, first, page.as_bytes());
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content.as_bytes());
        stream.extend_from_slice(b"\nendstream");
        self.object(&mut out, first + 1, &stream);
        for (id, (width, bits)) in images {
            let mut body = format!(
                "<< /Type /XObject /Subtype /Image /Width {width} /Height {width} /ImageMask true \
                 /BitsPerComponent 1 /Decode [1 0] /Length {} >>\nstream\n",
                bits.len()
            )
            .into_bytes();
            body.extend_from_slice(&bits);
            body.extend_from_slice(b"\nendstream");
            self.object(&mut out, id, &body);
        }
        self.written += out.len();
        Ok(out)
    }

    /// The cross-reference table and trailer. Pages not written (an order with fewer labels
    /// than announced) are refused rather than left dangling.
    pub fn finish(mut self) -> Result<Vec<u8>, String> {
        if self.next_page < self.pages && !(self.total == 0 && self.next_page == 0) {
            return Err("label sheet: fewer pages than announced".into());
        }
        if self.total == 0 && self.next_page == 0 {
            // An empty order still makes a valid one-page document.
            let blank = self.page(&[])?;
            let mut out = blank;
            out.extend(self.tail());
            return Ok(out);
        }
        Ok(self.tail())
    }

    fn tail(&mut self) -> Vec<u8> {
        let size = self.offsets.iter().map(|(id, _)| *id).max().unwrap_or(0);
        let mut entries = vec![None; size as usize];
        for (id, offset) in &self.offsets {
            entries[*id as usize - 1] = Some(*offset);
        }
        xref(&entries, "/Root 1 0 R ", self.written).into_bytes()
    }
}

/// A PDF string in WinAnsi: Latin-1 letters as they are, anything else as `?`.
fn pdf_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c if (c as u32) >= 0xA0 && (c as u32) <= 0xFF => out.push_str(&format!("\\{:03o}", c as u32)),
            _ => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(total: u32, grid: Grid) -> Vec<u8> {
        let mut s = LabelSheet::new(grid, total);
        let mut pdf = s.start();
        let labels: Vec<Label> = (0..total)
            .map(|i| Label {
                uri: format!("https://ocop.example/01/08934563138165/21/S{i:019}"),
                lines: vec![format!("Lô {i}")],
            })
            .collect();
        for chunk in labels.chunks(grid.per_page() as usize) {
            pdf.extend(s.page(chunk).expect("test sheet"));
        }
        pdf.extend(s.finish().expect("test sheet"));
        pdf
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).rposition(|w| w == needle)
    }

    #[test]
    fn offsets_in_the_table_point_at_their_objects() {
        let pdf = sheet(45, Grid::new(4, 10).expect("test sheet"));
        let tail = find(&pdf, b"startxref\n").expect("test sheet");
        let start: usize = std::str::from_utf8(&pdf[tail + 10..])
            .expect("test sheet")
            .lines()
            .next()
            .expect("test sheet")
            .parse()
            .expect("test sheet");
        assert!(pdf[start..].starts_with(b"xref\n"));
        let table = std::str::from_utf8(&pdf[start..]).expect("test sheet");
        let entries: Vec<&str> =
            table.lines().skip(3).take_while(|l| l.ends_with(" n ") || l.ends_with(" f ")).collect();
        assert!(entries.len() > 45);
        for (i, line) in entries.iter().enumerate() {
            if line.ends_with(" n ") {
                let offset: usize = line[..10].parse().expect("test sheet");
                assert!(pdf[offset..].starts_with(format!("{} 0 obj", i + 1).as_bytes()), "object {}", i + 1);
            }
        }
        let text = String::from_utf8_lossy(&pdf);
        assert_eq!(text.matches("/Type /Page ").count(), 2);
        assert_eq!(text.matches("/ImageMask true").count(), 45);
    }

    #[test]
    fn text_is_escaped_and_latin1() {
        assert_eq!(pdf_text("Lô (A)"), "L\\364 \\(A\\)");
        assert_eq!(pdf_text("Đ"), "?");
    }

    #[test]
    fn too_many_labels_for_a_page_are_refused() {
        let grid = Grid::new(1, 1).expect("test sheet");
        let mut s = LabelSheet::new(grid, 2);
        s.start();
        let l = Label { uri: "x".into(), lines: vec![] };
        assert!(s.page(&[l.clone(), l]).is_err());
    }
}
