//! Photos as uploaded: the type is read from the content (never from the file name), the image
//! must decode within size limits, and a JPEG thumbnail is made for lists and phones.
//! CPU-bound: callers on an async runtime run [`prepare`] on a blocking thread.

pub mod evidence;

use domain::Invalid;
use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::io::Cursor;

/// The largest photo accepted.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// The longest side of a thumbnail, in pixels.
pub const THUMB_SIDE: u32 = 480;
/// The largest picture decoded, per side and in all: beyond this a small file could inflate to
/// gigabytes. 50 megapixels holds a phone's full-resolution photo.
const MAX_SIDE: u32 = 12_000;
const MAX_PIXELS: u64 = 50_000_000;

/// The kinds of image the platform accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
}

impl Kind {
    /// By the first bytes of the file.
    pub fn sniff(bytes: &[u8]) -> Option<Kind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Kind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Kind::Png)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Kind::Webp)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            Kind::Jpeg => ImageFormat::Jpeg,
            Kind::Png => ImageFormat::Png,
            Kind::Webp => ImageFormat::WebP,
        }
    }
}

/// A checked photo and its thumbnail.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub kind: Kind,
    pub width: u32,
    pub height: u32,
    /// JPEG, at most [`THUMB_SIDE`] pixels on its longest side.
    pub thumb: Vec<u8>,
    pub sha256: String,
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    // 50 megapixels of 16-bit RGBA, and no more.
    limits.max_alloc = Some(MAX_PIXELS * 8);
    limits
}

/// What decoding an upload will take in memory, read from its header only (cheap: nothing is
/// decoded), or why it is refused before any decoding. [`prepare`] needs about this much.
pub fn decoded_size(bytes: &[u8]) -> Result<u64, Invalid> {
    if bytes.len() > MAX_BYTES {
        return Err(Invalid::new("invalid-photo-size").with("max", MAX_BYTES / (1024 * 1024)));
    }
    let kind = Kind::sniff(bytes).ok_or_else(|| Invalid::new("invalid-photo-type"))?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    reader.limits(limits());
    let decoder = reader.into_decoder().map_err(refusal)?;
    let (width, height) = image::ImageDecoder::dimensions(&decoder);
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(Invalid::new("invalid-photo-dimensions").with("max", MAX_SIDE));
    }
    Ok(image::ImageDecoder::total_bytes(&decoder))
}

fn refusal(e: image::ImageError) -> Invalid {
    match e {
        image::ImageError::Limits(_) => Invalid::new("invalid-photo-dimensions").with("max", MAX_SIDE),
        _ => Invalid::new("invalid-photo-corrupt"),
    }
}

/// Checks an upload and makes its thumbnail, or says why it is refused.
pub fn prepare(bytes: &[u8]) -> Result<Prepared, Invalid> {
    decoded_size(bytes)?;
    let kind = Kind::sniff(bytes).ok_or_else(|| Invalid::new("invalid-photo-type"))?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    reader.limits(limits());
    let image = reader.decode().map_err(refusal)?;
    let thumb = thumbnail(&image).map_err(|_| Invalid::new("invalid-photo-corrupt"))?;
    Ok(Prepared {
        kind,
        width: image.width(),
        height: image.height(),
        thumb,
        sha256: hex::encode(Sha256::digest(bytes)),
    })
}

fn thumbnail(image: &DynamicImage) -> image::ImageResult<Vec<u8>> {
    let small = image.thumbnail(THUMB_SIDE, THUMB_SIDE).to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82).encode_image(&small)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = ImageBuffer::from_fn(width, height, |x, y| {
            Rgb([u8::try_from(x % 256).unwrap_or(0), u8::try_from(y % 256).unwrap_or(0), 120])
        });
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).expect("png");
        out
    }

    #[test]
    fn a_photo_gets_a_jpeg_thumbnail_keeping_its_shape() {
        let p = prepare(&png(1200, 800)).expect("accepted");
        assert_eq!((p.kind, p.width, p.height), (Kind::Png, 1200, 800));
        let thumb = image::load_from_memory(&p.thumb).expect("thumbnail decodes");
        assert_eq!((thumb.width(), thumb.height()), (480, 320));
        assert_eq!(Kind::sniff(&p.thumb), Some(Kind::Jpeg));
        assert_eq!(p.sha256.len(), 64);
    }

    #[test]
    fn the_content_decides_not_the_name() {
        assert_eq!(prepare(b"%PDF-1.7 not a photo").map_err(|e| e.key).err(), Some("invalid-photo-type"));
        assert_eq!(prepare(b"<html><script>alert(1)</script>").map_err(|e| e.key).err(), Some("invalid-photo-type"));
        let mut broken = png(10, 10);
        broken.truncate(40);
        assert_eq!(prepare(&broken).map_err(|e| e.key).err(), Some("invalid-photo-corrupt"));
        assert_eq!(prepare(&vec![0u8; MAX_BYTES + 1]).map_err(|e| e.key).err(), Some("invalid-photo-size"));
    }

    #[test]
    fn the_memory_a_decode_takes_is_known_from_the_header() {
        assert_eq!(decoded_size(&png(1200, 800)), Ok(1200 * 800 * 3));
        // 8,000 × 7,000 pixels is within each side's limit but beyond 50 megapixels.
        let mut header = png(1, 1);
        header[16..20].copy_from_slice(&8_000u32.to_be_bytes());
        header[20..24].copy_from_slice(&7_000u32.to_be_bytes());
        let crc = crc32(&header[12..29]);
        header[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(decoded_size(&header).map_err(|e| e.key), Err("invalid-photo-dimensions"));
    }

    /// PNG's chunk checksum, so that a rewritten header still reads as a valid chunk.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    #[test]
    fn a_picture_too_large_to_decode_is_refused() {
        // A PNG header declaring 20,000 × 20,000 pixels.
        let mut header = png(1, 1);
        header[16..20].copy_from_slice(&20_000u32.to_be_bytes());
        header[20..24].copy_from_slice(&20_000u32.to_be_bytes());
        let refused = prepare(&header).map_err(|e| e.key).err();
        assert!(matches!(refused, Some("invalid-photo-dimensions" | "invalid-photo-corrupt")), "{refused:?}");
    }
}
