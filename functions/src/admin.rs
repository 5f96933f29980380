//! Admin commands: data requests (AVG/GDPR access and erasure), one sweep,
//! replaying a saved SES report, and creating the DynamoDB table for local
//! development.

use crate::app::App;
use crate::aws::aws_config;
use crate::config::{Settings, StoreConfig};
use crate::domain::EmailAddress;
use crate::store::TableSpec;

fn address(raw: &str) -> Result<EmailAddress, String> {
    EmailAddress::parse(raw).map_err(|_| format!("`{raw}` is not an email address"))
}

/// Prints every record holding the address, as one JSON document.
pub async fn export(app: &App, email: &str) -> Result<(), String> {
    let email = address(email)?;
    let found = app.submissions().find_by_email(&email).await.map_err(|e| e.to_string())?;
    let (records, unreadable): (Vec<_>, Vec<_>) = found.into_iter().partition(Result::is_ok);
    let records: Vec<_> = records.into_iter().flatten().collect();
    let unreadable: Vec<_> = unreadable.into_iter().filter_map(Result::err).collect();
    let doc = serde_json::json!({
        "email": email.as_str(),
        "count": records.len() + unreadable.len(),
        "records": records,
        "unreadable": unreadable.iter().map(|u| serde_json::json!({ "id": u.id, "problem": u.problem })).collect::<Vec<_>>(),
    });
    println!("{}", serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?);
    match unreadable.len() {
        0 => Ok(()),
        n => Err(format!(
            "export incomplete: {n} record(s) holding this address could not be read (ids under \"unreadable\"). \
             Read them by id from the store (README, Data requests); `forms erase` deletes them too."
        )),
    }
}

pub async fn erase(app: &App, email: &str) -> Result<(), String> {
    let email = address(email)?;
    let erased = app.submissions().erase_by_email(&email).await.map_err(|e| e.to_string())?;
    println!("Erased {erased} record(s) holding {email}.");
    Ok(())
}

/// Forms nobody picked up yet, without personal data; `--json` for scripts.
pub async fn open(app: &App, json: bool) -> Result<(), String> {
    let open = app.submissions().open_forms().await.map_err(|e| e.to_string())?;
    if json {
        println!("{}", serde_json::to_string_pretty(&open.forms).map_err(|e| e.to_string())?);
    } else {
        print!("{}", crate::pickup::open::table(&open.forms));
    }
    match open.unreadable.as_slice() {
        [] => Ok(()),
        ids => Err(format!(
            "{} stored record(s) could not be read, so they are not listed: {}. Read them by id from the store \
             (README, Data requests).",
            ids.len(),
            ids.join(", ")
        )),
    }
}

/// One sweep; its report as JSON. A step that stopped early fails the
/// command (the other step's report is printed all the same).
pub async fn sweep(app: &App) -> Result<(), String> {
    let report = app.submissions().sweep().await;
    println!("{}", serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?);
    match report.error() {
        None => Ok(()),
        Some(error) => Err(format!("the sweep stopped early: {error}")),
    }
}

/// Replays a saved SES report (bounce or complaint) on the configured
/// store and mailer, as the function takes it on AWS; prints what became
/// of each report. Replaying one twice changes nothing.
pub async fn ses_event(app: &App, path: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let notices = crate::feedback::event::parse(&text).map_err(|e| format!("{path}: {e}"))?;
    let mut taken = Vec::new();
    for notice in &notices {
        let outcome = app.submissions().take_feedback(notice).await;
        taken.push(outcome.map_err(|e| format!("{path}: not recorded, try again: {e}"))?);
    }
    println!("{}", serde_json::to_string_pretty(&taken).map_err(|e| e.to_string())?);
    Ok(())
}

pub async fn create_table(settings: &Settings) -> Result<(), String> {
    let StoreConfig::Dynamo { table } = &settings.store else {
        return Err("create-table needs FORMS_STORE=dynamodb".into());
    };
    let client = crate::aws::dynamodb(&aws_config().await);
    match TableSpec::create_if_missing(&client, table).await.map_err(|e| e.to_string())? {
        true => println!("Created DynamoDB table {table}."),
        false => println!("DynamoDB table {table} exists."),
    }
    Ok(())
}
