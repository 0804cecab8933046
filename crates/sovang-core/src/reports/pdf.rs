//! A small flowing-text writer over printpdf: A4 pages, a regular and a bold face (DejaVu Sans,
//! cut to Latin and Vietnamese, see `fonts/README.md`), paragraphs wrapped at word boundaries
//! by the font's own advance widths, a new page when one is full.

use std::io::Cursor;
use std::path::Path;

use printpdf::{
    ColorBits, ColorSpace, Image, ImageFilter, ImageTransform, ImageXObject, IndirectFontRef, Mm,
    PdfDocument, PdfDocumentReference, PdfLayerReference, Px,
};

use crate::error::{Code, Error, Result};

const REGULAR: &[u8] = include_bytes!("../../fonts/DejaVuSans-vi.ttf");
const BOLD: &[u8] = include_bytes!("../../fonts/DejaVuSans-Bold-vi.ttf");
/// The serif of administrative documents: Liberation Serif, metric-compatible with Times New
/// Roman (which may not be embedded), regular and bold.
pub const SERIF: (&[u8], &[u8]) = (
    include_bytes!("../../fonts/LiberationSerif-Regular-vi.ttf"),
    include_bytes!("../../fonts/LiberationSerif-Bold-vi.ttf"),
);

/// Where a table cell's text sits in its column.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
    Center,
}

/// One cell of a line of a table: its column's left edge and width (mm from the margin).
pub struct Cell<'a> {
    pub x: f32,
    pub width: f32,
    pub text: &'a str,
    pub bold: bool,
    pub align: Align,
}

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 20.0;
const PT_TO_MM: f32 = 0.352_778;
/// A photo's caption size, in points.
const CAPTION_PT: f32 = 11.0;

fn pdf_err(e: impl std::fmt::Display) -> Error {
    Error::plain(Code::Io, &e.to_string())
}

struct Face {
    font: IndirectFontRef,
    metrics: ttf_parser::Face<'static>,
}

impl Face {
    /// The width of `text` at `size` points, in millimetres.
    fn width(&self, text: &str, size: f32) -> f32 {
        let face = &self.metrics;
        let per_em = face.units_per_em() as f32;
        let units: f32 = text
            .chars()
            .map(|c| {
                face.glyph_index(c)
                    .and_then(|g| face.glyph_hor_advance(g))
                    .unwrap_or(per_em as u16 / 2) as f32
            })
            .sum();
        units / per_em * size * PT_TO_MM
    }
}

pub struct PdfWriter {
    doc: PdfDocumentReference,
    layer: PdfLayerReference,
    regular: Face,
    bold: Face,
    /// The baseline of the next line, from the page's bottom, in millimetres.
    y: f32,
    /// Attached PDFs, printed after the dossier's own pages.
    appended: Vec<lopdf::Document>,
}

impl PdfWriter {
    pub fn new(title: &str) -> Result<Self> {
        Self::with_faces(title, (REGULAR, BOLD))
    }

    /// A writer whose text is in `faces` (regular, bold).
    pub fn with_faces(title: &str, faces: (&'static [u8], &'static [u8])) -> Result<Self> {
        let (doc, page, layer) = PdfDocument::new(title, Mm(PAGE_W), Mm(PAGE_H), "1");
        let face = |bytes: &'static [u8]| -> Result<Face> {
            Ok(Face {
                font: doc.add_external_font(Cursor::new(bytes)).map_err(pdf_err)?,
                metrics: ttf_parser::Face::parse(bytes, 0).map_err(pdf_err)?,
            })
        };
        let (regular, bold) = (face(faces.0)?, face(faces.1)?);
        let layer = doc.get_page(page).get_layer(layer);
        Ok(PdfWriter {
            doc,
            layer,
            regular,
            bold,
            y: PAGE_H - MARGIN,
            appended: Vec::new(),
        })
    }

    fn ensure_room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            let (page, layer) = self.doc.add_page(Mm(PAGE_W), Mm(PAGE_H), "1");
            self.layer = self.doc.get_page(page).get_layer(layer);
            self.y = PAGE_H - MARGIN;
        }
    }

    /// A paragraph at `size` points, wrapped to the page's width (and `indent` mm in), each
    /// line of the text kept as a line.
    pub fn text(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let width = PAGE_W - 2.0 * MARGIN - indent;
        let line_h = size * PT_TO_MM * 1.45;
        for source_line in text.lines() {
            let lines = self.wrap(source_line, size, bold, width);
            for line in lines {
                self.ensure_room(line_h);
                self.y -= line_h;
                let face = if bold { &self.bold } else { &self.regular };
                self.layer
                    .use_text(line, size, Mm(MARGIN + indent), Mm(self.y), &face.font);
            }
        }
    }

    /// Breaks a line into pieces that fit `width` mm, at spaces (a word longer than the line
    /// is cut where it must be).
    fn wrap(&self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let face = if bold { &self.bold } else { &self.regular };
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if face.width(&candidate, size) <= width || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = word.to_owned();
            }
            while face.width(&line, size) > width && line.chars().count() > 1 {
                let mut cut = line.chars().count() - 1;
                while cut > 1
                    && face.width(&line.chars().take(cut).collect::<String>(), size) > width
                {
                    cut -= 1;
                }
                let head: String = line.chars().take(cut).collect();
                line = line.chars().skip(cut).collect();
                lines.push(head);
            }
        }
        lines.push(line);
        lines
    }

    /// A JPEG photo as it is (the PDF decodes it) under its caption, fitted into `max_w` ×
    /// `max_h` mm on the left margin, caption and photo on one page; false if the bytes are
    /// not a JPEG this can read (nothing is written then).
    fn jpeg(&mut self, caption: &str, bytes: &[u8], max_w: f32, max_h: f32) -> bool {
        let Some((w, h, components)) = jpeg_size(bytes) else {
            return false;
        };
        let color_space = match components {
            1 => ColorSpace::Greyscale,
            3 => ColorSpace::Rgb,
            4 => ColorSpace::Cmyk,
            _ => return false,
        };
        // At `dpi`, one pixel is 25.4 / dpi mm: the largest size that fits both limits.
        let dpi = (w as f32 * 25.4 / max_w).max(h as f32 * 25.4 / max_h);
        let height = h as f32 * 25.4 / dpi;
        self.ensure_room(height + 2.0 + CAPTION_PT * PT_TO_MM * 1.45);
        self.text(caption, CAPTION_PT, false, 4.0);
        self.y -= height + 2.0;
        let image = Image::from(ImageXObject {
            width: Px(w),
            height: Px(h),
            color_space,
            bits_per_component: ColorBits::Bit8,
            interpolate: true,
            image_data: bytes.to_vec(),
            image_filter: Some(ImageFilter::DCT),
            smask: None,
            clipping_bbox: None,
        });
        let at = ImageTransform {
            translate_x: Some(Mm(MARGIN + 4.0)),
            translate_y: Some(Mm(self.y)),
            dpi: Some(dpi),
            ..Default::default()
        };
        image.add_to_layer(self.layer.clone(), at);
        true
    }

    /// A photo in any format the app accepts, under its caption: a JPEG as it is; anything
    /// else (PNG, GIF's first frame, WebP) decoded, laid on white, cut to print resolution and
    /// encoded as JPEG. False if the bytes are not an image this can read.
    pub fn photo(&mut self, caption: &str, bytes: &[u8], max_w: f32, max_h: f32) -> bool {
        self.jpeg(caption, bytes, max_w, max_h)
            || as_jpeg(bytes, max_w, max_h).is_some_and(|j| self.jpeg(caption, &j, max_w, max_h))
    }

    /// Keeps a PDF's pages to be printed after the dossier's own; returns how many, or `None`
    /// if the file cannot be read (damaged, or locked with a password).
    pub fn append_pdf(&mut self, bytes: &[u8]) -> Option<usize> {
        let doc = lopdf::Document::load_mem(bytes).ok()?;
        let pages = doc.get_pages().len();
        if doc.is_encrypted() || pages == 0 {
            return None;
        }
        self.appended.push(doc);
        Some(pages)
    }

    /// One line of cells at fixed columns, each cut to its width; taller than a text line by
    /// a little, so that rows of a table read apart.
    pub fn cells(&mut self, cells: &[Cell], size: f32) {
        let line_h = size * PT_TO_MM * 1.6;
        self.ensure_room(line_h);
        self.y -= line_h;
        for c in cells {
            let face = if c.bold { &self.bold } else { &self.regular };
            let mut text = c.text.to_owned();
            while face.width(&text, size) > c.width && text.chars().count() > 1 {
                text = text
                    .chars()
                    .take(text.chars().count() - 2)
                    .collect::<String>()
                    + "…";
            }
            let w = face.width(&text, size);
            let x = match c.align {
                Align::Left => c.x,
                Align::Right => c.x + c.width - w,
                Align::Center => c.x + (c.width - w) / 2.0,
            };
            self.layer
                .use_text(text, size, Mm(MARGIN + x), Mm(self.y), &face.font);
        }
    }

    /// A thin rule from `x` to `x + width` (mm from the margin), just under the last line.
    pub fn rule(&mut self, x: f32, width: f32) {
        let y = self.y - 1.2;
        let line = printpdf::Line {
            points: vec![
                (printpdf::Point::new(Mm(MARGIN + x), Mm(y)), false),
                (printpdf::Point::new(Mm(MARGIN + x + width), Mm(y)), false),
            ],
            is_closed: false,
        };
        self.layer.set_outline_thickness(0.4);
        self.layer.add_line(line);
    }

    /// Whether `height` mm still fit on this page.
    pub fn has_room(&self, height: f32) -> bool {
        self.y - height >= MARGIN
    }

    /// Goes on to a new page.
    pub fn new_page(&mut self) {
        self.y = MARGIN - 1.0;
        self.ensure_room(1.0);
    }

    /// A line at the page's foot, centred (a page number).
    pub fn footer(&mut self, text: &str, size: f32) {
        let w = self.regular.width(text, size);
        self.layer.use_text(
            text,
            size,
            Mm((PAGE_W - w) / 2.0),
            Mm(MARGIN / 2.0),
            &self.regular.font,
        );
    }

    /// The width text can take between the margins, in millimetres.
    pub fn text_width() -> f32 {
        PAGE_W - 2.0 * MARGIN
    }

    /// Vertical space, in millimetres.
    pub fn space(&mut self, mm: f32) {
        self.y -= mm;
    }

    /// Saves through a temporary file, renamed into place.
    pub fn save(self, out: &Path) -> Result<()> {
        let label = out.display().to_string();
        let tmp = out.with_extension("pdf.part");
        let result = (|| {
            let mut bytes = self.doc.save_to_bytes().map_err(pdf_err)?;
            if !self.appended.is_empty() {
                let mut doc = lopdf::Document::load_mem(&bytes).map_err(pdf_err)?;
                for other in self.appended {
                    append_pages(&mut doc, other).map_err(pdf_err)?;
                }
                doc.prune_objects();
                doc.compress();
                bytes.clear();
                doc.save_to(&mut bytes).map_err(pdf_err)?;
            }
            std::fs::write(&tmp, &bytes).map_err(|e| Error::io(Some("out"), &label, &e))?;
            std::fs::rename(&tmp, out).map_err(|e| Error::io(Some("out"), &label, &e))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// A JPEG's width, height and colour components, from its frame header (SOFn).
fn jpeg_size(b: &[u8]) -> Option<(usize, usize, u8)> {
    if !b.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut i = 2;
    while i + 9 < b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let marker = b[i + 1];
        let len = u16::from_be_bytes([b[i + 2], b[i + 3]]) as usize;
        let frame = (0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if frame {
            let h = u16::from_be_bytes([b[i + 5], b[i + 6]]) as usize;
            let w = u16::from_be_bytes([b[i + 7], b[i + 8]]) as usize;
            return (w > 0 && h > 0).then_some((w, h, b[i + 9]));
        }
        if marker == 0xDA {
            return None;
        }
        i += 2 + len;
    }
    None
}

/// Photos are cut to this resolution at their printed size: sharp on paper, small in the file.
const PRINT_DPI: f32 = 200.0;

/// Decodes a PNG, GIF or WebP (within limits: a hostile file cannot claim gigabytes), lays it
/// on white, scales it down to `PRINT_DPI` within `max_w` × `max_h` mm, and encodes it as JPEG.
fn as_jpeg(bytes: &[u8], max_w: f32, max_h: f32) -> Option<Vec<u8>> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    limits.max_alloc = Some(256 << 20);
    reader.limits(limits);
    let img = reader.decode().ok()?;
    let (fit_w, fit_h) = (
        (max_w / 25.4 * PRINT_DPI) as u32,
        (max_h / 25.4 * PRINT_DPI) as u32,
    );
    let img = if img.width() > fit_w || img.height() > fit_h {
        img.resize(fit_w, fit_h, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let rgba = img.to_rgba8();
    let white = |c: u8, a: u8| ((c as u32 * a as u32 + 255 * (255 - a as u32)) / 255) as u8;
    let rgb = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        image::Rgb([white(r, a), white(g, a), white(b, a)])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&rgb)
        .ok()?;
    Some(out)
}

/// Appends `other`'s pages, in order, to `doc`'s page tree. What a page inherits from the
/// tree it leaves (resources, page size, rotation) is copied onto the page first.
fn append_pages(doc: &mut lopdf::Document, mut other: lopdf::Document) -> lopdf::Result<()> {
    use lopdf::Object;
    let root = doc.catalog()?.get(b"Pages")?.as_reference()?;
    other.renumber_objects_with(doc.max_id + 1);
    let pages: Vec<lopdf::ObjectId> = other.get_pages().into_values().collect();
    for &page in &pages {
        for key in [&b"Resources"[..], b"MediaBox", b"CropBox", b"Rotate"] {
            if let Some(value) = inherited(&other, page, key) {
                other.get_dictionary_mut(page)?.set(key, value);
            }
        }
        other.get_dictionary_mut(page)?.set("Parent", root);
    }
    doc.max_id = doc.max_id.max(other.max_id);
    for (id, object) in other.objects {
        if !matches!(object.type_name(), Ok("Catalog" | "Pages")) {
            doc.objects.insert(id, object);
        }
    }
    let tree = doc.get_dictionary_mut(root)?;
    let mut kids = tree.get(b"Kids")?.as_array()?.clone();
    kids.extend(pages.iter().map(|&p| Object::Reference(p)));
    let count = tree.get(b"Count")?.as_i64()? + pages.len() as i64;
    tree.set("Kids", kids);
    tree.set("Count", count);
    Ok(())
}

/// A page's attribute, from the page or the nearest node above it that sets it.
fn inherited(doc: &lopdf::Document, page: lopdf::ObjectId, key: &[u8]) -> Option<lopdf::Object> {
    let mut node = doc.get_dictionary(page).ok()?;
    for _ in 0..64 {
        if let Ok(value) = node.get(key) {
            return Some(value.clone());
        }
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        node = doc.get_dictionary(parent).ok()?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(img: &image::RgbaImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_transparent_png_prints_on_white() {
        let mut img = image::RgbaImage::new(4, 2);
        img.put_pixel(3, 1, image::Rgba([200, 0, 0, 255]));
        let jpeg = as_jpeg(&png(&img), 120.0, 90.0).expect("a PNG is re-encoded");
        assert!(jpeg_size(&jpeg).is_some_and(|(w, h, c)| (w, h, c) == (4, 2, 3)));
        let back = image::load_from_memory(&jpeg).unwrap().to_rgb8();
        let [r, g, b] = back.get_pixel(0, 0).0;
        assert!(
            r > 240 && g > 240 && b > 240,
            "clear pixels become paper white: {r},{g},{b}"
        );
    }

    #[test]
    fn a_large_photo_is_cut_to_print_resolution() {
        let img = image::RgbaImage::from_pixel(4000, 1000, image::Rgba([0, 90, 160, 255]));
        let jpeg = as_jpeg(&png(&img), 120.0, 90.0).unwrap();
        let (w, h, _) = jpeg_size(&jpeg).unwrap();
        // 120 mm at 200 dpi is 944 pixels; the height follows the aspect ratio.
        assert_eq!((w, h), (944, 236), "no more pixels than print needs");
    }

    #[test]
    fn what_is_not_an_image_is_not_printed() {
        let mut w = PdfWriter::new("t").unwrap();
        let before = w.y;
        assert!(!w.photo("• x.png", b"\x89PNG\r\n\x1a\nnot really", 120.0, 90.0));
        assert_eq!(w.y, before, "nothing written for an unreadable photo");
        assert_eq!(
            w.append_pdf(b"%PDF-1.4\n1 0 obj\n<<"),
            None,
            "a damaged PDF is refused"
        );
    }
}
