//! Destructive actions ask first. The action's form carries its question (`data-confirm`):
//! with scripts, the browser asks it and adds `confirmed=yes`; without, the server answers the
//! unconfirmed post with a page that says what will happen and posts the same fields again,
//! confirmed. Nothing is destroyed by a post that was not confirmed.

use crate::page::{PageCtx, render};
use askama::Template;
use axum::response::Response;

/// Whether the post was confirmed (`confirmed=yes`).
pub fn given(value: &str) -> bool {
    value == "yes"
}

/// What a destructive action will do, and how to do it or go back.
pub struct Confirmation {
    /// "Xóa chủ thể «HTX Gốm sứ Bát Tràng» và 12 sản phẩm?"
    pub question: String,
    pub consequences: Vec<String>,
    /// The action's own address; its fields are posted to it again with `confirmed=yes`.
    pub action: String,
    pub fields: Vec<(String, String)>,
    /// The button's words ("Xóa", "Thu hồi").
    pub button: String,
    /// Where "Hủy" goes.
    pub back: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    ctx: PageCtx,
    c: Confirmation,
}

/// The confirmation page (200: nothing happened yet).
pub fn ask(ctx: PageCtx, c: Confirmation) -> Response {
    render(&ConfirmPage { ctx, c })
}
