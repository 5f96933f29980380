//! The editor's server for `/admin/` on `/api/cms/*`: editors sign in with
//! their e-mail address, and the server, not the browser, decides what a
//! save may touch.
//!
//! `signin` (links, sessions, rate limit) and `content` (Decap's proxy
//! protocol, with `policy` and the minimal `save` in front of every write)
//! sit above adapters chosen by configuration: `store` (SQLite | DynamoDB),
//! `repo` (GitHub through the App | a local checkout), and the form
//! function's mailer. `routes` is the one Router for Lambda and a laptop.

pub mod app;
pub mod budgets;
pub mod config;
pub mod content;
pub mod contract;
pub mod github;
pub mod mail;
pub mod pages;
pub mod policy;
pub mod publish;
pub mod repo;
pub mod routes;
pub mod save;
pub mod secrets;
pub mod signin;
pub mod site;
pub mod store;
