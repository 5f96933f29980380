//! Black-box tests of the form API: the real app on a random port, a real
//! store (SQLite, or DynamoDB through moto) and a real SMTP server.
//! Run through `make test` (tests/support/with_services.py).

mod helpers;
mod markup;
mod rawtcp;

mod contact;
mod delivery;
mod feedback;
mod forms;
mod headers;
mod hostile;
mod lambda;
mod languages;
mod logs;
mod outages;
mod pickup;
mod props;
mod ses;
mod site_data;
mod storage;
mod survival;
