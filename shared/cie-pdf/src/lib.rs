//! Renders any archived UBL 2.1 document (invoice, credit note, order, order response, despatch advice,
//! quotation, request for quotation, invoice response) as a readable A4 PDF in Japanese.
//!
//! Layout: `model` reads the XML (with `cie-xpath`'s DOM) into a small display model, `layout` places
//! it on A4 pages as printpdf operations (title, parties, the lines table with its header repeated on
//! every page, totals, tax per rate, bank details, notes, and a footer with the archive facts on every
//! page), and `attach` post-processes the PDF with lopdf to embed the original XML and set the
//! document information. The vendored IPAexGothic font is parsed once by [`Renderer::new`]; every
//! string is checked against it before anything is drawn, so a character the font lacks is an error
//! ([`PdfError::MissingGlyph`]), never a blank box.
//!
//! This crate does no IO and reads no clock: the server calls [`Renderer::render`] inside
//! `spawn_blocking` (a one-page document takes a few milliseconds of CPU).

mod attach;
mod font;
mod format;
mod layout;
mod model;

use std::sync::Arc;

pub use font::FONT_NAME;

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The bytes are not well-formed XML (or not UTF-8).
    #[error("the document is not readable XML: {0}")]
    UnreadableXml(#[from] cie_xpath::XmlError),
    /// The root element is not a UBL document kind this crate renders.
    #[error("unknown document kind: root element {{{namespace}}}{local_name}")]
    UnknownKind {
        /// Namespace URI of the root element.
        namespace: String,
        /// Local name of the root element.
        local_name: String,
    },
    /// A character of the document (or of the footer facts) has no glyph in the embedded font.
    #[error("the font has no glyph for {character:?} (U+{:04X}) in {field}", *.character as u32)]
    MissingGlyph {
        /// The character the font lacks.
        character: char,
        /// Where it occurs, e.g. `seller.name` or `lines[3].description`.
        field: String,
    },
    /// The vendored font could not be parsed.
    #[error("the embedded font could not be parsed: {0}")]
    Font(String),
    /// The PDF could not be written or post-processed.
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// Archive facts printed in the footer of every page. All strings are shown as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderMeta {
    /// The document's id in the archive.
    pub document_id: i64,
    /// The archive sequence number.
    pub archive_seq: i64,
    /// Lower-case hex SHA-256 of the original bytes.
    pub sha256: String,
    /// When the document was received, already formatted, e.g. `2026-04-01 10:15 JST`.
    pub received_at: String,
    /// The validation verdict, already formatted, e.g. `検証: 合格（エラー 0・警告 1）`.
    pub verdict: String,
    /// File name of the attached original XML, e.g. `invoice-156.xml`.
    pub attachment_name: String,
}

/// Renders UBL documents as PDFs. Holds the parsed font; create it once and share it (`Send + Sync`,
/// and cloning only bumps a reference count).
#[derive(Clone)]
pub struct Renderer {
    font: Arc<font::Font>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("font", &FONT_NAME)
            .finish()
    }
}

impl Renderer {
    /// Parses the vendored font (about 1.3 ms in a release build).
    pub fn new() -> Result<Renderer, PdfError> {
        Ok(Renderer {
            font: Arc::new(font::Font::load()?),
        })
    }

    /// Renders the UBL document `xml` (bytes as archived) with `meta` in the footer, the original XML
    /// attached.
    pub fn render(&self, xml: &[u8], meta: &RenderMeta) -> Result<Vec<u8>, PdfError> {
        let dom = cie_xpath::Document::parse(xml)?;
        let document = model::read(&dom)?;
        let footer = layout::Footer::new(meta);
        document.check_glyphs(&self.font)?;
        footer.check_glyphs(&self.font)?;
        let title = document.pdf_title();
        let pdf = layout::render(&self.font, &document, &footer, &title)?;
        attach::finish(pdf, xml, meta, &title)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renderer_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Renderer>();
    }
}
