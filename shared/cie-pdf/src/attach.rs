//! lopdf post-processing: attaches the original XML (printpdf has no attachment API) and sets the
//! document information (printpdf's dates default to 1970).
//!
//! The attachment follows the ZUGFeRD/Factur-X pattern: an `/EmbeddedFile` stream (`/Subtype
//! /text#2Fxml`, `/Params` with `/Size` and `/ModDate`), a `/Filespec` with `/F`, `/UF`, `/Desc`,
//! `/AFRelationship /Alternative` and `/EF`, listed in the catalog's `/Names /EmbeddedFiles` tree and in
//! its `/AF` array. The result is a plain PDF with an attachment, not PDF/A-3 (no XMP, no OutputIntent).

use lopdf::{Dictionary, Object, Stream, StringFormat, dictionary};

use crate::{PdfError, RenderMeta};

/// Who made the PDF (`/Creator`).
const CREATOR: &str = "city-invoice-exchange";
/// What wrote it (`/Producer`).
const PRODUCER: &str = "cie-pdf (printpdf 0.12.8, lopdf 0.44)";

fn write_error(error: lopdf::Error) -> PdfError {
    PdfError::Write(error.to_string())
}

/// A PDF text string in UTF-16BE with a byte order mark.
fn text_string(text: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// `/F` must be a byte string: the name with anything outside printable ASCII replaced by `_`.
fn ascii_file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A PDF date (`D:20260401101500+09'00'`) from a received-at text such as `2026-04-01 10:15 JST`,
/// `2026-04-01T10:15:00+09:00` or `2026-04-01 01:15 UTC`; `None` when it does not start with a date.
pub(crate) fn pdf_date(received_at: &str) -> Option<String> {
    let text = received_at.trim();
    let numbers: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .collect();
    let [year, month, day, rest @ ..] = numbers.as_slice() else {
        return None;
    };
    if year.len() != 4 || month.len() > 2 || day.len() > 2 {
        return None;
    }
    let field = |value: Option<&&str>, max: u32| -> Option<u32> {
        match value {
            None => Some(0),
            Some(v) => v.parse::<u32>().ok().filter(|n| *n <= max),
        }
    };
    let month = field(Some(month), 12).filter(|m| *m >= 1)?;
    let day = field(Some(day), 31).filter(|d| *d >= 1)?;
    let hour = field(rest.first(), 23)?;
    let minute = field(rest.get(1), 59)?;
    // A third number after the time is seconds only if the text has `HH:MM:SS`.
    let has_seconds = text
        .split(|c: char| c.is_whitespace() || c == 'T')
        .nth(1)
        .is_some_and(|time| time.split(':').count() >= 3);
    let second = if has_seconds {
        field(rest.get(2), 60)?
    } else {
        0
    };
    let upper = text.to_ascii_uppercase();
    let offset = if upper.ends_with("JST") || text.ends_with("+09:00") || text.ends_with("+0900") {
        "+09'00'"
    } else if upper.ends_with("UTC") || upper.ends_with('Z') || text.ends_with("+00:00") {
        "Z"
    } else {
        ""
    };
    Some(format!(
        "D:{year}{month:02}{day:02}{hour:02}{minute:02}{second:02}{offset}"
    ))
}

/// Attaches `xml`, sets the document information and writes the PDF bytes.
pub(crate) fn finish(
    mut doc: lopdf::Document,
    xml: &[u8],
    meta: &RenderMeta,
    title: &str,
) -> Result<Vec<u8>, PdfError> {
    let date = pdf_date(&meta.received_at);
    let name = if meta.attachment_name.trim().is_empty() {
        format!("document-{}.xml", meta.document_id)
    } else {
        meta.attachment_name.clone()
    };

    let mut params = dictionary! { "Size" => xml.len() as i64 };
    if let Some(date) = &date {
        params.set("ModDate", Object::string_literal(date.as_str()));
    }
    let file = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "EmbeddedFile",
            "Subtype" => Object::Name(b"text/xml".to_vec()),
            "Params" => params,
        },
        xml.to_vec(),
    ));
    let filespec = doc.add_object(dictionary! {
        "Type" => "Filespec",
        "F" => Object::string_literal(ascii_file_name(&name)),
        "UF" => text_string(&name),
        "Desc" => text_string("原本XML"),
        "AFRelationship" => Object::Name(b"Alternative".to_vec()),
        "EF" => dictionary! { "F" => file, "UF" => file },
    });
    let catalog = doc.catalog_mut().map_err(write_error)?;
    catalog.set(
        "Names",
        dictionary! {
            "EmbeddedFiles" => dictionary! {
                "Names" => vec![text_string(&name), Object::Reference(filespec)],
            },
        },
    );
    catalog.set("AF", vec![Object::Reference(filespec)]);
    catalog.set("PageMode", Object::Name(b"UseAttachments".to_vec()));

    let mut info = Dictionary::new();
    info.set("Title", text_string(title));
    info.set("Creator", text_string(CREATOR));
    info.set("Producer", text_string(PRODUCER));
    info.set(
        "Subject",
        text_string(&format!(
            "文書ID {} 保管番号 {} SHA-256 {}",
            meta.document_id, meta.archive_seq, meta.sha256
        )),
    );
    if let Some(date) = &date {
        info.set("CreationDate", Object::string_literal(date.as_str()));
        info.set("ModDate", Object::string_literal(date.as_str()));
    }
    // Replace printpdf's Info dictionary (1970 dates, empty GTS_PDFXVersion) in place.
    match doc.trailer.get(b"Info").and_then(Object::as_reference) {
        Ok(id) => doc.objects.insert(id, Object::Dictionary(info)),
        Err(_) => {
            let id = doc.add_object(info);
            doc.trailer.set("Info", id);
            None
        }
    };
    // Embedded files with /AF need a newer header than printpdf's 1.3.
    doc.version = "1.7".to_owned();
    compress_streams(&mut doc)?;

    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|error| PdfError::Write(error.to_string()))?;
    Ok(out)
}

/// Deflates every stream that has no filter yet, at zlib level 6: lopdf's own pass uses level 9,
/// which took a third of a one-page render for a few hundred bytes less.
fn compress_streams(doc: &mut lopdf::Document) -> Result<(), PdfError> {
    use std::io::Write as _;

    for object in doc.objects.values_mut() {
        let Object::Stream(stream) = object else {
            continue;
        };
        if stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let mut encoder = flate2::write::ZlibEncoder::new(
            Vec::with_capacity(stream.content.len() / 2),
            flate2::Compression::default(),
        );
        encoder
            .write_all(&stream.content)
            .map_err(|error| PdfError::Write(error.to_string()))?;
        let compressed = encoder
            .finish()
            .map_err(|error| PdfError::Write(error.to_string()))?;
        if compressed.len() + 19 < stream.content.len() {
            stream.dict.set("Filter", "FlateDecode");
            stream.set_content(compressed);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_at_becomes_a_pdf_date() {
        assert_eq!(
            pdf_date("2026-04-01 10:15 JST").as_deref(),
            Some("D:20260401101500+09'00'")
        );
        assert_eq!(
            pdf_date("2026-04-01T10:15:30+09:00").as_deref(),
            Some("D:20260401101530+09'00'")
        );
        assert_eq!(
            pdf_date("2026-04-01 01:15 UTC").as_deref(),
            Some("D:20260401011500Z")
        );
        assert_eq!(pdf_date("2026-04-01").as_deref(), Some("D:20260401000000"));
        assert_eq!(pdf_date("yesterday"), None);
        assert_eq!(pdf_date("2026-13-01 10:15"), None);
    }

    #[test]
    fn file_names_fall_back_to_ascii_in_f() {
        assert_eq!(ascii_file_name("請求書-156.xml"), "___-156.xml");
    }
}
