//! Sign-in for the web editor at `/admin/` (Decap CMS, GitHub backend):
//! the OAuth web flow on the site's own address, `/api/cms/*`.
//! A Lambda of its own, apart from the form function (infra/README.md).

pub mod config;
pub mod contract;
pub mod credentials;
pub mod github;
pub mod handshake;
pub mod routes;
pub mod state;
