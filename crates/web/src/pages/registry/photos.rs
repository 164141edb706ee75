//! Product photos: upload (type read from the content, size-limited, thumbnailed), serve with
//! headers that keep a browser from treating them as anything but images, delete.

use super::product_target;
use super::products::{detail, readable};
use crate::AppState;
use crate::auth::Caller;
use crate::auth::login::redirect_with_flash;
use crate::error::{AppError, AppResult};
use crate::page::PageCtx;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::Invalid;
use domain::access::Action;
use store::photos::{self, NewPhoto};

/// The largest upload request: a few photos at once.
pub const MAX_UPLOAD: usize = 6 * media::MAX_BYTES;

pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    ctx: PageCtx,
    Path(id): Path<i64>,
    mut form: Multipart,
) -> AppResult<Response> {
    let (product, _) = readable(&state, &caller, id).await?;
    caller.require(Action::EditRegistry, &product_target(&product))?;
    let me = caller.signed_in()?.clone();
    let t = ctx.t;
    let mut accepted = Vec::new();
    let mut problems = Vec::new();
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => {
                problems.push(t.invalid(&Invalid::new("import-upload-failed")));
                break;
            }
        };
        if field.name() != Some("photos") {
            continue;
        }
        let name = field.file_name().unwrap_or("?").to_owned();
        let Ok(bytes) = field.bytes().await else {
            problems.push(format!("{name}: {}", t.invalid(&Invalid::new("import-upload-failed"))));
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
            Ok(p) => accepted.push(NewPhoto {
                content_type: p.kind.content_type(),
                bytes: bytes.to_vec(),
                thumb: p.thumb,
                sha256: p.sha256,
                width: p.width,
                height: p.height,
            }),
            Err(why) => problems.push(format!("{name}: {}", t.invalid(&why))),
        }
    }
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

async fn serve(state: &AppState, caller: &Caller, headers: &HeaderMap, id: i64, thumb: bool) -> AppResult<Response> {
    let info = photos::info(state.db().conn(), id).await?.ok_or(AppError::NotFound)?;
    readable(state, caller, info.product_id).await?;
    let etag = format!("\"{}{}\"", &info.sha256[..16.min(info.sha256.len())], if thumb { "-t" } else { "" });
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let bytes = photos::content(state.db().conn(), id, thumb).await?.ok_or(AppError::NotFound)?;
    let content_type = if thumb { "image/jpeg" } else { info.content_type.as_str() };
    let value = |s: &str| HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, value(content_type)),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("inline")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400")),
            (header::ETAG, value(&etag)),
        ],
        bytes,
    )
        .into_response())
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
