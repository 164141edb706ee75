//! Product photos: upload (type read from the content, size-limited, thumbnailed), serve with
//! headers that keep a browser from treating them as anything but images, delete.

use super::product_target;
use super::products::{detail, readable};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::page::PageCtx;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Invalid;
use domain::access::Action;
use store::photos::{self, NewPhoto};

/// The largest upload request: a few photos at once.
pub const MAX_UPLOAD: usize = 6 * media::MAX_BYTES;

/// What a multipart form of photos held: the photos checked and thumbnailed, a message per file
/// refused, and its other (text) fields.
pub struct ReadPhotos {
    pub photos: Vec<NewPhoto>,
    pub problems: Vec<String>,
    pub fields: Vec<(String, String)>,
}

/// Reads the files of the form's `field` as photos (type read from the content, size-limited,
/// decoded under the memory budget, thumbnailed), and its text fields.
pub async fn read_photos(state: &AppState, t: Tr, mut form: Multipart, field_name: &str) -> AppResult<ReadPhotos> {
    let mut read = ReadPhotos { photos: Vec::new(), problems: Vec::new(), fields: Vec::new() };
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                read.problems.push(t.invalid(&Invalid::new("import-upload-failed")));
                break;
            }
        };
        let Some(name) = field.name().map(str::to_owned) else { continue };
        if name != field_name {
            if field.file_name().is_none()
                && let Ok(text) = field.text().await
            {
                // Longer than any field may be: one too long is refused by its own check.
                read.fields.push((name, text.chars().take(10_000).collect()));
            }
            continue;
        }
        let file = field.file_name().unwrap_or("?").to_owned();
        let Ok(bytes) = field.bytes().await else {
            read.problems.push(format!("{file}: {}", t.invalid(&Invalid::new("import-upload-failed"))));
            continue;
        };
        if bytes.is_empty() {
            continue;
        }
        // The header says what decoding will take; the decode waits for that much of the budget.
        let checked = match media::decoded_size(&bytes) {
            Ok(size) => {
                let bytes = bytes.clone();
                state.heavy().run(size, move || media::prepare(&bytes)).await?
            }
            Err(why) => Err(why),
        };
        match checked {
            Ok(p) => read.photos.push(NewPhoto {
                content_type: p.kind.content_type(),
                bytes: bytes.to_vec(),
                thumb: p.thumb,
                sha256: p.sha256,
                width: p.width,
                height: p.height,
            }),
            Err(why) => read.problems.push(format!("{file}: {}", t.invalid(&why))),
        }
    }
    Ok(read)
}

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    form: Multipart,
) -> AppResult<Response> {
    let (product, _) = readable(&state, &caller, id).await?;
    caller.require(Action::EditRegistry, &product_target(&product))?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let ReadPhotos { photos: accepted, mut problems, .. } = read_photos(&state, t, form, "photos").await?;
    if accepted.is_empty() && problems.is_empty() {
        problems.push(t.get("photos-none-chosen"));
    }
    if !problems.is_empty() {
        return detail(&state, &caller, ctx, id, problems).await;
    }
    let count = accepted.len();
    let tx = state.db().write().await?;
    match photos::add(&tx, &me.who(), id, &product.province_code, accepted).await {
        Ok(_) => tx.commit().await?,
        Err(store::StoreError::Invalid(errors)) => {
            drop(tx);
            let problems = errors.iter().map(|(_, why)| t.invalid(why)).collect();
            return detail(&state, &caller, ctx, id, problems).await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(redirect_with_flash(&state, &t.arg("photos-added", "n", &count.to_string()), &format!("/products/{id}")))
}

/// An image's ETag, from its digest.
pub fn image_etag(sha256: &str, thumb: bool) -> String {
    format!("\"{}{}\"", &sha256[..16.min(sha256.len())], if thumb { "-t" } else { "" })
}

/// The browser holds this version already (answer 304 without reading the bytes).
pub fn unchanged(headers: &HeaderMap, etag: &str) -> Option<Response> {
    (headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag))
        .then(|| StatusCode::NOT_MODIFIED.into_response())
}

/// An image with headers that keep a browser from treating it as anything else.
pub fn image_response(etag: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let value = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, value(content_type)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("inline")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400")),
            (header::ETAG, value(etag)),
        ],
        bytes,
    )
        .into_response()
}

async fn serve(state: &AppState, caller: &Caller, headers: &HeaderMap, id: i64, thumb: bool) -> AppResult<Response> {
    let info = photos::info(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    readable(state, caller, info.product_id).await?;
    let etag = image_etag(&info.sha256, thumb);
    if let Some(r) = unchanged(headers, &etag) {
        return Ok(r);
    }
    let bytes = photos::content(state.db().conn(), id, thumb).await?.ok_or(AppError::NotFound)?;
    let content_type = if thumb { "image/jpeg" } else { info.content_type.as_str() };
    Ok(image_response(&etag, content_type, bytes))
}

pub async fn original(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    serve(&state, &caller, &headers, id, false).await
}

pub async fn thumbnail(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    serve(&state, &caller, &headers, id, true).await
}

pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let info = photos::info(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    let (product, _) = readable(&state, &caller, info.product_id).await?;
    caller.require(Action::EditRegistry, &product_target(&product))?;
    let me = caller.signed_in()?.clone();
    let tx = state.db().write().await?;
    photos::delete(&tx, &me.who(), id, &product.province_code).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&state, &ctx.t.get("photos-deleted"), &format!("/products/{}", product.id)))
}
