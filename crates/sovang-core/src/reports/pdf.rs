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

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 20.0;
const PT_TO_MM: f32 = 0.352_778;

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
}

impl PdfWriter {
    pub fn new(title: &str) -> Result<Self> {
        let (doc, page, layer) = PdfDocument::new(title, Mm(PAGE_W), Mm(PAGE_H), "1");
        let face = |bytes: &'static [u8]| -> Result<Face> {
            Ok(Face {
                font: doc.add_external_font(Cursor::new(bytes)).map_err(pdf_err)?,
                metrics: ttf_parser::Face::parse(bytes, 0).map_err(pdf_err)?,
            })
        };
        let (regular, bold) = (face(REGULAR)?, face(BOLD)?);
        let layer = doc.get_page(page).get_layer(layer);
        Ok(PdfWriter {
            doc,
            layer,
            regular,
            bold,
            y: PAGE_H - MARGIN,
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

    /// A JPEG photo as it is (the PDF decodes it), fitted into `max_w` × `max_h` mm on the
    /// left margin; false if the bytes are not a JPEG this can read.
    pub fn jpeg(&mut self, bytes: &[u8], max_w: f32, max_h: f32) -> bool {
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
        self.ensure_room(height + 2.0);
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

    /// Vertical space, in millimetres.
    pub fn space(&mut self, mm: f32) {
        self.y -= mm;
    }

    /// Saves through a temporary file, renamed into place.
    pub fn save(self, out: &Path) -> Result<()> {
        let label = out.display().to_string();
        let tmp = out.with_extension("pdf.part");
        let result = (|| {
            let file =
                std::fs::File::create(&tmp).map_err(|e| Error::io(Some("out"), &label, &e))?;
            self.doc
                .save(&mut std::io::BufWriter::new(file))
                .map_err(pdf_err)?;
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
