//! Documents on the pages: the list (a supplier's own, the city's for staff), the document page (the
//! document, its findings, its place in the workflow, links and history, and the steps the person may take),
//! the PDF and XML downloads, and uploading an XML file.

use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use cie_domain::{DocumentKind, Role};
use serde::Deserialize;

use super::i18n::t;
use super::views::{self, Notices};
use super::{PageError, Visit, page};
use crate::AppState;
use crate::error::Error;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/documents", get(list))
        .route("/documents/{id}", get(show))
        .route("/documents/{id}/pdf", get(pdf))
        .route("/documents/{id}/xml", get(xml))
        .route("/documents/{id}/attachments/{number}", get(attachment))
        .route(
            "/upload",
            get(upload_page)
                .post(upload)
                .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
}

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    kind: Option<String>,
    page: Option<i64>,
    sent: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    visit: Visit,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let kind = query.kind.filter(|k| !k.is_empty());
    let search = crate::records::DocumentSearch {
        sort: Some("-received_at".into()),
        per_page: Some(50),
        page: query.page,
        kind: kind.clone(),
        ..crate::records::DocumentSearch::default()
    };
    let found = crate::records::search_documents(&state, &visit.caller, search).await?;
    let notices = Notices {
        info: query.sent.map(|_| t(visit.lang, "document_sent")),
        ..Notices::default()
    };
    Ok(page(
        StatusCode::OK,
        views::documents::list(&visit.frame(), &found, kind.as_deref(), &notices),
    ))
}

#[derive(Deserialize, Default)]
pub(super) struct ShowQuery {
    done: Option<String>,
}

/// Everything the document page shows, gathered through the use cases.
pub(crate) struct DocumentPage {
    pub(crate) document: crate::records::DocumentView,
    pub(crate) case: Option<crate::workflow::CaseDetail>,
    pub(crate) links: Option<crate::linking::Links>,
    pub(crate) history: Vec<cie_store::AuditEntry>,
    pub(crate) matching: Option<cie_matching::MatchReport>,
    pub(crate) attachments: Vec<crate::attachments::AttachmentInfo>,
}

/// Gathers the document page of `id` for `visit`'s caller.
pub(super) async fn gather(
    state: &AppState,
    visit: &Visit,
    id: i64,
) -> Result<DocumentPage, PageError> {
    let caller = &visit.caller;
    let document = crate::records::document_with_validation(state, caller, id).await?;
    let is_invoice = matches!(
        document.kind,
        DocumentKind::Invoice | DocumentKind::CreditNote
    );
    // Independent reads, sent together: on PostgreSQL each is a few round trips of its own.
    let (case, history, links, matching, attachments) = tokio::join!(
        async {
            if is_invoice {
                optional(crate::workflow::case_detail(state, caller, id).await)
            } else {
                Ok(None)
            }
        },
        async {
            if is_invoice && caller.role.is_city_side() {
                crate::workflow::audit_trail(state, caller, Some(id)).await
            } else {
                Ok(Vec::new())
            }
        },
        async { optional(crate::linking::links(state, caller, id).await) },
        async {
            if !is_invoice || caller.role == Role::Supplier {
                return Ok(None);
            }
            match crate::linking::matching(state, caller, id).await {
                Ok(report) => Ok(Some(report)),
                Err(Error::NotFound(_) | Error::InvalidRequest { .. }) => Ok(None),
                Err(error) => Err(error),
            }
        },
        crate::attachments::attachments(state, caller, id),
    );
    let case = case?;
    let history = if case.is_some() { history? } else { Vec::new() };
    let links = links?;
    let matching = matching?;
    let attachments = attachments?.into_iter().map(|file| file.info).collect();
    Ok(DocumentPage {
        attachments,
        document,
        case,
        links,
        history,
        matching,
    })
}

/// `Ok(None)` for a use case that found nothing.
fn optional<T>(result: Result<T, Error>) -> Result<Option<T>, PageError> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(Error::NotFound(_)) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

async fn show(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<i64>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let gathered = gather(&state, &visit, id).await?;
    let notices = Notices {
        info: query
            .done
            .map(|step| t(visit.lang, &format!("done_{step}"))),
        ..Notices::default()
    };
    Ok(page(
        StatusCode::OK,
        views::documents::document(&visit.frame(), &gathered, &notices, &Default::default()),
    ))
}

async fn pdf(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let rendered = crate::rendering::document_pdf(&state, &visit.caller, id).await?;
    Ok(download(
        rendered.bytes,
        "application/pdf",
        &file_name(&rendered.file_name),
    ))
}

async fn xml(
    State(state): State<AppState>,
    visit: Visit,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let record = crate::records::document(&state, &visit.caller, id).await?;
    let bytes = crate::records::document_original(&state, &visit.caller, id).await?;
    Ok(download(
        bytes,
        "application/xml",
        &format!("{}-{id}.xml", record.summary.kind.as_str()),
    ))
}

async fn attachment(
    State(state): State<AppState>,
    visit: Visit,
    Path((id, number)): Path<(i64, usize)>,
) -> Result<Response, PageError> {
    let file = crate::attachments::attachment(&state, &visit.caller, id, number).await?;
    let name = file
        .info
        .filename
        .as_deref()
        .map(file_name)
        .filter(|n| !n.trim_matches('_').is_empty())
        .unwrap_or_else(|| format!("attachment-{id}-{number}"));
    // Offered for download only, never shown inline: its type is the sender's word.
    Ok(download(file.bytes, "application/octet-stream", &name))
}

/// A file name made safe for the `Content-Disposition` header.
fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect()
}

fn download(bytes: Vec<u8>, content_type: &'static str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn upload_page(visit: Visit) -> Response {
    page(
        StatusCode::OK,
        views::documents::upload(&visit.frame(), &Notices::default(), None),
    )
}

async fn upload(
    State(state): State<AppState>,
    visit: Visit,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let lang = visit.lang;
    let mut csrf = String::new();
    let mut file: Option<Vec<u8>> = None;
    while let Some(part) = multipart.next_field().await.map_err(|e| {
        PageError(Error::invalid(
            "invalid_upload",
            format!("the upload could not be read: {e}"),
        ))
    })? {
        match part.name() {
            Some("csrf") => csrf = part.text().await.unwrap_or_default(),
            Some("file") => {
                let bytes = part.bytes().await.map_err(|e| {
                    PageError(Error::invalid(
                        "invalid_upload",
                        format!("the file could not be read: {e}"),
                    ))
                })?;
                file = Some(bytes.to_vec());
            }
            _ => {}
        }
    }
    visit.check_form(&csrf)?;
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let notices = Notices {
            fields: vec![views::FieldError::new("file", t(lang, "error_choose_file"))],
            ..Notices::default()
        };
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            views::documents::upload(&visit.frame(), &notices, None),
        ));
    };
    let body = crate::body::ReceivedBody::whole(bytes);
    match crate::intake::receive(&state, &visit.caller, None, body).await {
        Ok(crate::intake::Received::Created(record, _))
        | Ok(crate::intake::Received::AlreadyReceived(record)) => {
            Ok(Redirect::to(&format!("/documents/{}?done=received", record.id)).into_response())
        }
        Err(Error::DocumentInvalid {
            document_id,
            findings,
            ..
        }) => Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            views::documents::upload(
                &visit.frame(),
                &Notices {
                    form_error: Some(t(lang, "error_document_rejected")),
                    ..Notices::default()
                },
                Some((Some(document_id), &findings)),
            ),
        )),
        Err(error @ (Error::DocumentRejected { .. } | Error::InvalidRequest { .. })) => {
            let (_, _, message) = crate::http::describe(&error);
            let (findings, message) = match &error {
                Error::DocumentRejected { detail, .. } => (
                    detail.findings.as_slice(),
                    detail
                        .message_ja
                        .clone()
                        .filter(|_| visit.lang == super::Lang::Ja)
                        .unwrap_or(message),
                ),
                _ => (&[][..], message),
            };
            Ok(page(
                StatusCode::UNPROCESSABLE_ENTITY,
                views::documents::upload(
                    &visit.frame(),
                    &Notices {
                        fields: vec![views::FieldError::new("file", message)],
                        ..Notices::default()
                    },
                    (!findings.is_empty()).then_some((None, findings)),
                ),
            ))
        }
        Err(error) => Err(error.into()),
    }
}
