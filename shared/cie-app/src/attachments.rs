//! The files embedded in a document (`cac:AdditionalDocumentReference/cac:Attachment/
//! cbc:EmbeddedDocumentBinaryObject`, base64): a 納品書 or 内訳書 sent with an invoice, listed on the document
//! page and offered for download as they were sent.

use base64::Engine;
use cie_xpath::{Document, NodeId};
use serde::Serialize;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

/// One embedded file, described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentInfo {
    /// Its place among the document's embedded files, from 1.
    pub number: usize,
    /// The file name given, if any.
    pub filename: Option<String>,
    /// The MIME type given (`mimeCode`).
    pub mime_code: Option<String>,
    /// What the document says it is (`cbc:DocumentDescription`, else the reference's `cbc:ID`).
    pub description: Option<String>,
    /// Its size in bytes once decoded.
    pub size: usize,
}

/// An embedded file with its bytes.
pub struct AttachmentFile {
    /// What it is.
    pub info: AttachmentInfo,
    /// The decoded bytes.
    pub bytes: Vec<u8>,
}

fn embedded(doc: &Document, root: NodeId) -> Vec<(NodeId, NodeId)> {
    doc.element_children_named(root, CAC, "AdditionalDocumentReference")
        .filter_map(|reference| {
            let attachment = doc.child_named(reference, CAC, "Attachment")?;
            let object = doc.child_named(attachment, CBC, "EmbeddedDocumentBinaryObject")?;
            Some((reference, object))
        })
        .collect()
}

fn text(doc: &Document, node: NodeId, name: &str) -> Option<String> {
    let found = doc.child_named(node, CBC, name)?;
    let value = doc.string_value(found).trim().to_owned();
    (!value.is_empty()).then_some(value)
}

/// The embedded files of `bytes` (a UBL document), decoded; a file whose base64 does not decode is left out.
pub fn embedded_files(bytes: &[u8]) -> Vec<AttachmentFile> {
    let Ok(doc) = Document::parse(bytes) else {
        return Vec::new();
    };
    let Some(root) = doc.document_element() else {
        return Vec::new();
    };
    embedded(&doc, root)
        .into_iter()
        .enumerate()
        .filter_map(|(index, (reference, object))| {
            let encoded: String = doc
                .string_value(object)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()?;
            Some(AttachmentFile {
                info: AttachmentInfo {
                    number: index + 1,
                    filename: doc.attribute(object, "", "filename").map(str::to_owned),
                    mime_code: doc.attribute(object, "", "mimeCode").map(str::to_owned),
                    description: text(&doc, reference, "DocumentDescription")
                        .or_else(|| text(&doc, reference, "ID")),
                    size: bytes.len(),
                },
                bytes,
            })
        })
        .collect()
}

/// The embedded files of document `id`, as the caller may see it.
pub async fn attachments(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<Vec<AttachmentFile>, Error> {
    let original = crate::records::document_original(state, caller, id).await?;
    Ok(embedded_files(&original))
}

/// Embedded file `number` (from 1) of document `id`.
pub async fn attachment(
    state: &AppState,
    caller: &Caller,
    id: i64,
    number: usize,
) -> Result<AttachmentFile, Error> {
    attachments(state, caller, id)
        .await?
        .into_iter()
        .find(|file| file.info.number == number)
        .ok_or_else(|| Error::NotFound(format!("attachment {number} of document {id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_embedded_file_is_decoded_with_its_name_and_type() {
        let xml = r#"<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
            xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
            xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
          <cac:AdditionalDocumentReference><cbc:ID>DN-1</cbc:ID>
            <cbc:DocumentDescription>納品書</cbc:DocumentDescription>
            <cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="dn.pdf">
              JVBERi0x
            </cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>
          <cac:AdditionalDocumentReference><cbc:ID>link only</cbc:ID></cac:AdditionalDocumentReference>
        </Invoice>"#;
        let files = embedded_files(xml.as_bytes());
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].bytes, b"%PDF-1");
        assert_eq!(files[0].info.filename.as_deref(), Some("dn.pdf"));
        assert_eq!(files[0].info.mime_code.as_deref(), Some("application/pdf"));
        assert_eq!(files[0].info.description.as_deref(), Some("納品書"));
    }
}
