//! Response headers every answer carries: the same policy CloudFront adds
//! in production (infra/template.yaml), so local testing sees what ships.

use axum::http::HeaderValue;
use axum::http::header::{self, HeaderName};

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

pub fn headers() -> Vec<(HeaderName, HeaderValue)> {
    let h = HeaderValue::from_static;
    vec![
        (header::CONTENT_SECURITY_POLICY, h(CONTENT_SECURITY_POLICY)),
        (header::STRICT_TRANSPORT_SECURITY, h("max-age=63072000; includeSubDomains")),
        (header::X_CONTENT_TYPE_OPTIONS, h("nosniff")),
        (header::X_FRAME_OPTIONS, h("DENY")),
        (header::REFERRER_POLICY, h("strict-origin-when-cross-origin")),
        (HeaderName::from_static("permissions-policy"), h("camera=(), microphone=(), geolocation=(), payment=(), usb=()")),
    ]
}
