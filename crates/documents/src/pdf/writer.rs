//! PDF objects and the file around them: numbers reserved ahead, bodies written in any order,
//! streams compressed, and the cross-reference table that lists where each object starts.

use flate2::Compression;
use flate2::write::ZlibEncoder;
use std::fmt::Write as _;
use std::io::Write as _;

/// The file header: the version, then a comment of high bytes that marks the file as binary.
pub(crate) const HEADER: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";

/// The cross-reference table (`entries[i]` is where object `i + 1` starts; `None` for a free
/// number) and the trailer, for a table that starts at byte `start`.
pub(crate) fn xref(entries: &[Option<usize>], trailer: &str, start: usize) -> String {
    let size = entries.len() + 1;
    let mut out = format!("xref\n0 {size}\n0000000000 65535 f \n");
    for entry in entries {
        let _ = match entry {
            Some(offset) => writeln!(out, "{offset:010} 00000 n "),
            None => writeln!(out, "0000000000 65535 f "),
        };
    }
    let _ = write!(out, "trailer\n<< /Size {size} {trailer}>>\nstartxref\n{start}\n%%EOF\n");
    out
}

/// A text string (the document's title and author): UTF-16 with its byte-order mark, in hex.
pub(crate) fn text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for unit in s.encode_utf16() {
        let _ = write!(out, "{unit:04X}");
    }
    out.push('>');
    out
}

/// A whole document's objects in memory.
pub(crate) struct Writer {
    out: Vec<u8>,
    offsets: Vec<Option<usize>>,
}

impl Writer {
    pub fn new() -> Writer {
        Writer { out: HEADER.to_vec(), offsets: Vec::new() }
    }

    /// The number of an object to be written later.
    pub fn reserve(&mut self) -> usize {
        self.offsets.push(None);
        self.offsets.len()
    }

    pub fn object(&mut self, id: usize, body: &str) {
        self.offsets[id - 1] = Some(self.out.len());
        self.out.extend_from_slice(format!("{id} 0 obj\n{body}\nendobj\n").as_bytes());
    }

    /// A stream compressed with Flate; `extra` adds entries to its dictionary.
    pub fn stream(&mut self, id: usize, extra: &str, data: &[u8]) {
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

    /// The file, with the catalogue `root` and the information dictionary `info`. Its identifier
    /// is a hash of its content, so the same document gives the same bytes.
    pub fn finish(mut self, root: usize, info: usize) -> Vec<u8> {
        let id = |seed: u64| self.out.iter().fold(seed, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01B3));
        let id = format!("{:016X}{:016X}", id(0xCBF2_9CE4_8422_2325), id(0x8422_2325_CBF2_9CE4));
        let start = self.out.len();
        let table = xref(&self.offsets, &format!("/Root {root} 0 R /Info {info} 0 R /ID [<{id}> <{id}>] "), start);
        self.out.extend_from_slice(table.as_bytes());
        self.out
    }
}
