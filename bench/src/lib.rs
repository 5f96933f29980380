//! Lambda stand-ins shared by the bench driver and the form function's
//! Lambda test: the event API Gateway sends, and the Runtime API.

pub mod event;
pub mod runtime_api;
