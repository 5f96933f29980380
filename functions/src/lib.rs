//! The form function: receives the site's forms, stores each one first,
//! then mails the right coordinator and confirms to the sender.
//!
//! `domain` is pure; `store` and `mail` are adapters chosen by
//! configuration; `routes` is the one axum Router that both the Lambda
//! and the local server run.

pub mod directory;
pub mod domain;
