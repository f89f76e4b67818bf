//! Readable renderings of archived documents (電帳法 可視性): the PDF of any document, with the archive facts
//! and the verdict in its footer and the original XML attached.

use cie_domain::Severity;
use cie_store::DocumentRecord;
use tokio::task;

use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

/// A rendered PDF and the name it is offered under.
#[derive(Debug)]
pub struct RenderedPdf {
    /// The file name, e.g. `invoice-156.pdf`.
    pub file_name: String,
    /// The PDF.
    pub bytes: Vec<u8>,
}

/// The PDF of document `id` as the caller may see it. Rendering runs on the blocking pool.
pub async fn document_pdf(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<RenderedPdf, Error> {
    let document = crate::records::document(state, caller, id).await?;
    let (_, bytes) = state
        .store
        .archived_content(&caller.tenant, document.archive_seq, None)
        .await?;
    let verdict = state
        .store
        .latest_validation(&caller.tenant, document.id)
        .await?;
    let meta = render_meta(&document, verdict.as_ref().map(|v| v.findings.as_slice()));
    let renderer = state.pdf.clone();
    let pdf = task::spawn_blocking(move || renderer.render(&bytes, &meta))
        .await
        .map_err(|e| Error::Internal(anyhow::anyhow!("the PDF render task failed: {e}")))?
        .map_err(|e| match e {
            cie_pdf::PdfError::MissingGlyph { .. } | cie_pdf::PdfError::UnknownKind { .. } => {
                Error::invalid("unrenderable_document", e.to_string())
            }
            other => Error::Internal(anyhow::anyhow!("rendering document {id}: {other}")),
        })?;
    Ok(RenderedPdf {
        file_name: format!("{}.pdf", file_stem(&document)),
        bytes: pdf,
    })
}

/// What the PDF of `document` shows beside the document itself: archive facts and the verdict's summary.
pub(crate) fn render_meta(
    document: &DocumentRecord,
    findings: Option<&[cie_domain::Finding]>,
) -> cie_pdf::RenderMeta {
    cie_pdf::RenderMeta {
        document_id: document.id,
        archive_seq: document.archive_seq,
        sha256: document.content_sha256.clone(),
        received_at: document
            .received_at
            .with_timezone(&crate::audit_export::japan())
            .format("%Y-%m-%d %H:%M JST")
            .to_string(),
        verdict: verdict_text(findings, document),
        attachment_name: format!("{}.xml", file_stem(document)),
    }
}

/// A file name for the document: its kind and number, in characters any file system takes.
fn file_stem(document: &DocumentRecord) -> String {
    let number: String = document
        .summary
        .number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}-{number}", document.summary.kind)
}

fn verdict_text(findings: Option<&[cie_domain::Finding]>, document: &DocumentRecord) -> String {
    let Some(findings) = findings else {
        return if document.outbound {
            "市が発行した文書".to_owned()
        } else {
            "検証記録なし".to_owned()
        };
    };
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let (fatal, errors, warnings) = (
        count(Severity::Fatal),
        count(Severity::Error),
        count(Severity::Warning),
    );
    let outcome = if fatal > 0 {
        "不合格"
    } else if errors > 0 {
        "要確認"
    } else {
        "合格"
    };
    format!("検証: {outcome}（致命的 {fatal}・エラー {errors}・警告 {warnings}）")
}
