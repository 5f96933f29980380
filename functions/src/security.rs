//! Response headers every answer carries: the same policy CloudFront adds
//! in production (infra/template.yaml), so local testing sees what ships.

use axum::http::HeaderValue;
use axum::http::header::{self, HeaderName};

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

/// The web editor at /admin/ (Decap CMS, served from the site itself) gets
/// its own policy, still limited to this site: its UI library puts its CSS
/// in `<style>` elements (so `'unsafe-inline'` for styles only, never for
/// scripts), previews images as
/// `blob:` URLs, and reads and saves through the site's own `/api/cms/`
/// (the editor's server; the same origin locally, through tools/edit.mjs).
/// It checks its own settings with a validator that compiles them into
/// functions at run time, so this page needs `'unsafe-eval'` (which also
/// covers its WebAssembly): a known limit of Decap CMS. The page loads
/// only this site's own files and shows only this site's own content.
/// Public pages keep the policy above.
pub const EDITOR_CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
     base-uri 'self'; object-src 'none'";

/// Is this path the web editor's?
pub fn is_editor_path(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

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
