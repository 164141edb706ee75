//! The JSON API under `/api/v1`, documented by the OpenAPI document it generates.

mod epcis;
mod evaluation;
mod me;
mod outlets;
mod registry;
mod stats;
mod supervision;

pub use registry::parse_json;
mod units;

use crate::AppState;
use crate::routes::{Gate, Routes};
use axum::Router;
use domain::access::Action;
use serde::Serialize;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "OCOP Platform API",
        description = "API của nền tảng quản lý Chương trình mỗi xã một sản phẩm (OCOP). \
                       Lỗi trả về dạng `{\"error\": {...}}` bằng tiếng Việt, hoặc tiếng Anh với `?lang=en`.",
        license(name = "AGPL-3.0-or-later")
    ),
    components(schemas(ApiError, ApiErrorBody, ApiFieldError)),
    tags(
        (name = "units", description = "Đơn vị hành chính hiện hành và trước năm 2025"),
        (name = "account", description = "Tài khoản đang đăng nhập"),
        (name = "registry", description = "Chủ thể và sản phẩm OCOP"),
        (name = "traceability", description = "Truy xuất nguồn gốc: sự kiện EPCIS 2.0, bộ dữ liệu tối thiểu"),
        (name = "outlets", description = "Đầu ra sản phẩm: danh mục công khai, điểm bán, sự kiện, kênh bán hàng"),
        (name = "supervision", description = "Kiểm tra, giám sát; tập huấn; hỗ trợ"),
        (name = "stats", description = "Số liệu, biểu đồ và mục tiêu kế hoạch của Chương trình OCOP"),
        (name = "evaluation", description = "Đánh giá, phân hạng: đợt, hồ sơ đăng ký và lịch sử trạng thái, giấy chứng nhận")
    )
)]
struct ApiDoc;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(units::provinces))
        .routes(routes!(units::province_units))
        .routes(routes!(units::province_old_districts))
        .routes(routes!(units::old_district_communes))
        .routes(routes!(units::old_commune))
        .routes(routes!(me::me))
        .routes(routes!(registry::list_products, registry::create_product))
        .routes(routes!(registry::get_product, registry::update_product))
        .routes(routes!(registry::list_producers, registry::create_producer))
        .routes(routes!(registry::get_producer, registry::update_producer))
        .routes(routes!(epcis::capture, epcis::query))
        .routes(routes!(epcis::export))
        .routes(routes!(epcis::dataset))
        .routes(routes!(outlets::catalogue))
        .routes(routes!(outlets::sales_points))
        .routes(routes!(outlets::events))
        .routes(routes!(outlets::list_channels, outlets::add_channel))
        .routes(routes!(outlets::update_channel, outlets::delete_channel))
        .routes(routes!(supervision::list_inspections))
        .routes(routes!(supervision::get_inspection, supervision::save_inspection))
        .routes(routes!(supervision::add_finding))
        .routes(routes!(supervision::list_trainings, supervision::create_training))
        .routes(routes!(supervision::list_support, supervision::create_support))
        .routes(routes!(stats::chart))
        .routes(routes!(stats::targets))
        .routes(routes!(registry::get_certificate))
        .routes(routes!(evaluation::rounds))
        .routes(routes!(evaluation::registrations))
        .routes(routes!(evaluation::registration))
        .routes(routes!(evaluation::certificates))
        .routes(routes!(evaluation::decisions))
}

/// The gate of each operation above (the API's routes are made by utoipa from the handlers'
/// annotations; the access test checks that every operation of the OpenAPI document is here).
pub fn gates() -> Routes {
    use Action::*;
    use Gate::*;
    Routes::new()
        .declare("GET", "/api/v1/provinces", Public)
        .declare("GET", "/api/v1/provinces/{code}/units", Public)
        .declare("GET", "/api/v1/provinces/{code}/old-districts", Public)
        .declare("GET", "/api/v1/old-districts/{code}/communes", Public)
        .declare("GET", "/api/v1/old-communes/{code}", Public)
        .declare("GET", "/api/v1/me", SignedIn)
        .declare("GET", "/api/v1/products", CertifiedOr(ReadRecords))
        .declare("POST", "/api/v1/products", Act(EditRegistry))
        .declare("GET", "/api/v1/products/{id}", CertifiedOr(ReadRecords))
        .declare("PUT", "/api/v1/products/{id}", Act(EditRegistry))
        .declare("GET", "/api/v1/producers", CertifiedOr(ReadRecords))
        .declare("POST", "/api/v1/producers", Act(EditRegistry))
        .declare("GET", "/api/v1/producers/{id}", Act(ReadRecords))
        .declare("PUT", "/api/v1/producers/{id}", Act(EditRegistry))
        .declare("POST", "/api/v1/epcis/events", Act(EditRegistry))
        .declare("GET", "/api/v1/epcis/events", CertifiedOr(ReadRecords))
        .declare("GET", "/api/v1/products/{code}/epcis", CertifiedOr(ReadRecords))
        .declare("GET", "/api/v1/products/{code}/traceability", CertifiedOr(ReadRecords))
        .declare("GET", "/api/v1/catalogue", Public)
        .declare("GET", "/api/v1/sales-points", Public)
        .declare("GET", "/api/v1/events", Public)
        .declare("GET", "/api/v1/producers/{id}/channels", CertifiedOr(ReadRecords))
        .declare("POST", "/api/v1/producers/{id}/channels", Act(EditRegistry))
        .declare("PUT", "/api/v1/producers/{id}/channels/{channel}", Act(EditRegistry))
        .declare("DELETE", "/api/v1/producers/{id}/channels/{channel}", Act(EditRegistry))
        .declare("GET", "/api/v1/inspections", Act(ReadRecords))
        .declare("GET", "/api/v1/inspections/{id}", Act(ReadRecords))
        .declare("PUT", "/api/v1/inspections/{id}", Act(RecordInspection))
        .declare("POST", "/api/v1/inspections/{id}/findings", Act(RecordInspection))
        .declare("GET", "/api/v1/trainings", Act(ReadRecords))
        .declare("POST", "/api/v1/trainings", Act(ManageSupervision))
        .declare("GET", "/api/v1/support", Act(ReadRecords))
        .declare("POST", "/api/v1/support", Act(ManageSupervision))
        .declare("GET", "/api/v1/stats/{chart}", Act(ViewFigures))
        .declare("GET", "/api/v1/targets", Act(ViewFigures))
        .declare("GET", "/api/v1/certificates/{number}", Public)
        .declare("GET", "/api/v1/rounds", SignedIn)
        .declare("GET", "/api/v1/registrations", Act(ReadRecords))
        .declare("GET", "/api/v1/registrations/{id}", Act(ReadRecords))
        .declare("GET", "/api/v1/certificates", Act(ReadRecords))
        .declare("GET", "/api/v1/decisions", Office)
}

/// The OpenAPI document of the whole API.
pub fn openapi() -> OpenApiDoc {
    router().split_for_parts().1
}

/// Swagger UI at `/api/docs/` (its files are compiled in: it works offline) and the document
/// at `/api/v1/openapi.json`.
pub fn docs() -> Router<AppState> {
    SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", openapi()).into()
}

/// Every error of the API has this shape.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    pub error: ApiErrorBody,
}

#[derive(Serialize, ToSchema)]
pub struct ApiErrorBody {
    pub status: u16,
    pub title: String,
    pub message: String,
    pub request_id: String,
    pub fields: Vec<ApiFieldError>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiFieldError {
    pub field: String,
    /// A stable code such as `invalid-email`.
    pub code: String,
    pub message: String,
}
