//! The form function: receives the site's forms, stores each one first,
//! then mails the right coordinator and confirms to the sender.
//!
//! `domain` is pure; `store` and `mail` are adapters chosen by
//! configuration (`config`, wired in `app`); `service` is the one way in
//! for a submission; `routes` is the one axum Router that both transports
//! run: `lambda` and `local`.

pub mod admin;
pub mod app;
pub mod budgets;
pub mod clock;
pub mod config;
pub mod contract;
pub mod directory;
pub mod dispatch;
pub mod domain;
pub mod lambda;
pub mod local;
pub mod mail;
pub mod metrics;
pub mod pages;
pub mod ratelimit;
pub mod routes;
pub mod security;
pub mod service;
pub mod store;
pub mod telemetry;
