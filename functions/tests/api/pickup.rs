//! Issue 13: no form falls through the cracks. The "Ik pak dit op" link in
//! every coordinator mail, its pages, the reminder and the escalation by
//! the sweeper, the referrer's notice, the operator's list and the data
//! requests, on both stores, with mail read back from the real SMTP server
//! and time from a clock the test moves.

use std::sync::Arc;

use forms::app::App;
use forms::clock::TestClock;
use forms::config::Settings;
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::both_stores;
use crate::helpers::*;

/// Monday 23 November 2026, 09:00 UTC (10:00 in Amsterdam).
const MONDAY: OffsetDateTime = datetime!(2026-11-23 09:00 UTC);

fn referral(referrer: &str) -> Value {
    json!({
        "name": "Familie Geheim", "phone": "0611112222", "municipality": "heemskerk", "programme": "home-start",
        "message": "Vertrouwelijke reden", "referrer_name": "Meester Verwijzer", "referrer_organisation": "Basisschool",
        "referrer_email": referrer, "parent_consent": "yes", "privacy_consent": "yes",
    })
}

fn registration() -> Value {
    json!({
        "name": "Ouder Geheim", "email": "ouder.geheim@example.org", "municipality": "beverwijk",
        "programme": "taalhuis", "privacy_consent": "yes",
    })
}

const SECRETS: [&str; 7] =
    ["Familie Geheim", "0611112222", "Vertrouwelijke reden", "Meester Verwijzer", "Ouder Geheim", "ouder.geheim", "Basisschool"];

fn assert_no_personal_data(text: &str, what: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} holds `{secret}`:\n{text}");
    }
}

async fn post(app: &TestApp, kind: &str, body: &Value) -> String {
    let response = app.post_json(kind, body).await;
    assert_eq!(response.status(), 201);
    response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

/// The link in the coordinator mail, as a path on the test server.
async fn link_in_mail(app: &TestApp, id: &str) -> (String, Mail) {
    let mails = app.smtp.wait_for(id, 1).await;
    let mail = mails.into_iter().find(|m| m.message_id().contains(".coordinator@")).expect("a coordinator mail");
    let text = mail.text();
    let line = text.lines().find_map(|l| l.strip_prefix("Ik pak dit op: ")).expect("the link in the text part").to_owned();
    assert!(mail.html().contains("Ik pak dit op</a>"), "a link in the HTML part");
    (line, mail)
}

fn path_of(link: &str, site: &str) -> String {
    link.strip_prefix(site).unwrap_or_else(|| panic!("{link} is not on {site}")).to_owned()
}

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let r = app.http.get(app.url(path)).send().await.unwrap();
    let status = r.status().as_u16();
    assert_eq!(r.headers()["cache-control"], "no-store");
    (status, r.text().await.unwrap())
}

async fn press(app: &TestApp, path: &str, by: &str) -> (u16, String) {
    let r = app
        .http
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string([("by", by)]).unwrap())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn record(app: &TestApp, id: &str) -> forms::store::Record {
    app.app.submissions().get(id.parse().unwrap()).await.unwrap().expect("the record")
}

fn pickup_mails(app: &TestApp, id: &str, kind: &str) -> Vec<Mail> {
    app.smtp.about(id).into_iter().filter(|m| m.message_id().contains(&format!(".{kind}@"))).collect()
}

async fn clocked(store: Store, clock: &Arc<TestClock>) -> TestApp {
    let options = Options::default().without_sweeper().with_clock(clock.clone()).with("SITE_URL", "https://steun.example.org");
    spawn_with(store, options).await
}

/// One pass of the sweeper, as the local server and the Lambda schedule run it.
async fn sweep(app: &App) -> forms::sweep::SweepReport {
    let report = app.submissions().sweep().await;
    assert_eq!(report.error(), None, "{report:?}");
    report
}

both_stores!(get_shows_only_facts_and_never_marks, |store| async move {
    let clock = Arc::new(TestClock::at(MONDAY));
    let app = clocked(store, &clock).await;
    let id = post(&app, "referral", &referral("verwijzer@example.org")).await;
    let (link, mail) = link_in_mail(&app, &id).await;
    assert!(link.starts_with(&format!("https://steun.example.org/api/pickup/{id}?e=")), "{link}");
    assert_eq!(mail.to().unwrap().1, "homestart.ijmond@example.org");
    let path = path_of(&link, "https://steun.example.org");
    for _ in 0..3 {
        let (status, page) = get(&app, &path).await;
        assert_eq!(status, 200);
        for fact in [id.as_str(), "Verwijzing", "Home-Start", "Heemskerk", "Ik pak dit op"] {
            assert!(page.contains(fact), "page shows {fact}");
        }
        assert_no_personal_data(&page, "the pickup page");
    }
    let head = app.http.head(app.url(&path)).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let r = record(&app, &id).await;
    assert_eq!(r.pickup.picked_up_at, None, "GET and HEAD changed nothing");
    sweep(&app.app).await;
    assert!(pickup_mails(&app, &id, "pickedup").is_empty(), "nobody was told anything");
});

both_stores!(the_button_picks_up_once_and_the_referrer_hears_without_family_data, |store| async move {
    let clock = Arc::new(TestClock::at(MONDAY));
    let app = clocked(store, &clock).await;
    let referrer = format!("verwijzer-{}@example.org", uuid::Uuid::new_v4().simple());
    let id = post(&app, "referral", &referral(&referrer)).await;
    let (link, _) = link_in_mail(&app, &id).await;
    let path = path_of(&link, "https://steun.example.org");

    clock.advance(Duration::hours(3));
    let (status, page) = press(&app, &path, "  M.V. ").await;
    assert_eq!(status, 200);
    assert!(page.contains("Je hebt dit formulier opgepakt"), "{page}");
    let r = record(&app, &id).await;
    assert_eq!(r.pickup.picked_up_at, Some(MONDAY + Duration::hours(3)));
    assert_eq!(r.pickup.picked_up_by.as_ref().map(|b| b.as_str()), Some("M.V."));

    let notice =
        app.smtp.wait_for(&id, 3).await.into_iter().find(|m| m.message_id().contains(".pickedup@")).expect("referrer mail");
    assert_eq!(notice.to().unwrap().1, referrer);
    let text = notice.text();
    assert!(text.contains(&id) && text.contains("23-11-2026") && text.contains("coördinator van Home-Start"), "{text}");
    assert_no_personal_data(&text.replace("Meester Verwijzer", ""), "the referrer's mail");
    let confirmation_id =
        app.smtp.about(&id).into_iter().find(|m| m.message_id().contains(".confirmation@")).unwrap().message_id();
    let raw = String::from_utf8_lossy(&notice.raw).to_string();
    assert!(raw.contains(&format!("In-Reply-To: <{confirmation_id}>")), "in the thread of the confirmation");

    // Again: the button, the page, the sweeper. Nothing changes, nobody is told twice.
    clock.advance(Duration::hours(1));
    let (status, page) = press(&app, &path, "Iemand anders").await;
    assert_eq!(status, 200);
    assert!(page.contains("al opgepakt op 23-11-2026 om 13:00 door M.V."), "{page}");
    let (_, page) = get(&app, &path).await;
    assert!(page.contains("al opgepakt op 23-11-2026 om 13:00 door M.V.") && !page.contains("<button"), "{page}");
    for _ in 0..3 {
        sweep(&app.app).await;
    }
    assert_eq!(record(&app, &id).await.pickup.picked_up_by.unwrap().as_str(), "M.V.");
    assert_eq!(pickup_mails(&app, &id, "pickedup").len(), 1, "the referrer hears once");
    assert_eq!(record(&app, &id).await.pickup.follow_up_at, None, "nothing left to do");
});

both_stores!(changed_expired_and_unusable_links_change_nothing, |store| async move {
    let clock = Arc::new(TestClock::at(MONDAY));
    let options = Options::default().without_sweeper().with_clock(clock.clone()).with("RETENTION_DAYS", "3");
    let app = spawn_with(store, options).await;
    let id = post(&app, "registration", &registration()).await;
    let other = post(&app, "registration", &registration()).await;
    let (link, _) = link_in_mail(&app, &id).await;
    let path = path_of(&link, "http://127.0.0.1:8080");
    let signature = path.split("&s=").nth(1).unwrap().to_owned();
    let expires = path.split("?e=").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let flipped = format!("{}{}", if signature.starts_with('0') { '1' } else { '0' }, &signature[1..]);
    let later: i64 = expires.parse::<i64>().unwrap() + 86_400;
    let changed = [
        path.replace(&signature, &flipped),
        path.replace(&id, &other),
        path.replace(&format!("e={expires}"), &format!("e={later}")),
        path.replace(&format!("&s={signature}"), ""),
        format!("/api/pickup/not-a-uuid?e={expires}&s={signature}"),
    ];
    for bad in &changed {
        let (status, page) = get(&app, bad).await;
        assert_eq!(status, 403, "{bad}");
        assert!(page.contains("Deze link klopt niet"));
        let (status, _) = press(&app, bad, "X").await;
        assert_eq!(status, 403, "{bad}");
    }
    let (status, page) = press(&app, &path, &"x".repeat(41)).await;
    assert_eq!(status, 422, "a name over 40 characters is refused, with what to do");
    assert!(page.contains("hoogstens 40 tekens"));
    assert_eq!(record(&app, &id).await.pickup.picked_up_at, None);
    assert_eq!(record(&app, &other).await.pickup.picked_up_at, None);

    // Past the retention (3 days): 410, and still nothing changes.
    clock.advance(Duration::days(3));
    let (status, page) = get(&app, &path).await;
    assert_eq!(status, 410);
    assert!(page.contains("Deze link is verlopen"));
    let (status, _) = press(&app, &path, "X").await;
    assert_eq!(status, 410);
    // Still stored (no sweep has purged it), and still nobody's.
    assert_eq!(record(&app, &id).await.pickup.picked_up_at, None);
});

both_stores!(reminder_then_escalation_each_once_in_working_days, |store| async move {
    let clock = Arc::new(TestClock::at(MONDAY));
    let app = clocked(store, &clock).await;
    let id = post(&app, "registration", &registration()).await;
    let (link, first) = link_in_mail(&app, &id).await;
    sweep(&app.app).await; // plans the reminder

    // Due at the end of Wednesday in Amsterdam: Wednesday 23:00 UTC.
    clock.set(datetime!(2026-11-25 22:59 UTC));
    sweep(&app.app).await;
    assert!(pickup_mails(&app, &id, "reminder").is_empty(), "not before the end of the 2nd working day");
    clock.set(datetime!(2026-11-25 23:00 UTC));
    // Two sweepers at once (a retry, an overlapping schedule): one reminder.
    let (a, b) = tokio::join!(sweep(&app.app), sweep(&app.app));
    assert_eq!(a.follow_up.reminded + b.follow_up.reminded, 1, "{a:?} {b:?}");
    let reminders =
        app.smtp.wait_for(&id, 3).await.into_iter().filter(|m| m.message_id().contains(".reminder@")).collect::<Vec<_>>();
    assert_eq!(reminders.len(), 1);
    let reminder = &reminders[0];
    assert_eq!(reminder.to().unwrap().1, "taalhuis.ijmond@example.org", "the same coordinator");
    let raw = String::from_utf8_lossy(&reminder.raw).to_string();
    let parent = format!("<{}>", first.message_id());
    assert!(raw.contains(&format!("In-Reply-To: {parent}")) && raw.contains(&format!("References: {parent}")), "{raw}");
    assert!(reminder.text().contains(&format!("Ik pak dit op: {link}")), "the same link");
    assert_no_personal_data(&reminder.text(), "the reminder");

    // A restart (a new process on the same store) sends nothing again.
    let env = app.env.clone();
    let restarted = App::build_with_clock(Settings::from_lookup(|k| env.get(k).cloned()).unwrap(), clock.clone()).await.unwrap();
    sweep(&restarted).await;
    assert_eq!(pickup_mails(&app, &id, "reminder").len(), 1);

    // Escalation: two working days after the reminder (Thursday 00:00 local):
    // Friday and Monday, so at the end of Monday 30 November (23:00 UTC).
    clock.set(datetime!(2026-11-30 22:59 UTC));
    let report = sweep(&restarted).await;
    assert_eq!((report.follow_up.escalated, report.follow_up.past_escalation), (0, 0));
    clock.set(datetime!(2026-11-30 23:00 UTC));
    let report = sweep(&app.app).await;
    assert_eq!(report.follow_up.escalated, 1);
    assert_eq!(report.follow_up.past_escalation, 1, "the metric counts it");
    sweep(&restarted).await;
    let escalations = pickup_mails(&app, &id, "escalation");
    assert_eq!(escalations.len(), 1);
    let text = escalations[0].text();
    assert_eq!(escalations[0].to().unwrap().1, "info@example.org", "the fallback inbox of directory.toml");
    assert!(
        text.contains("taalhuis.ijmond@example.org") && text.contains(&id) && text.contains("wacht al 5 werkdagen"),
        "{text}"
    );
    assert!(text.contains(&format!("Ik pak dit op: {link}")));
    assert_no_personal_data(&text, "the escalation");

    // Whoever picks it up closes it for everyone.
    let (status, _) = press(&app, &path_of(&link, "https://steun.example.org"), "").await;
    assert_eq!(status, 200);
    clock.advance(Duration::days(7));
    let report = sweep(&app.app).await;
    assert_eq!(report.follow_up.past_escalation, 0);
    assert_eq!(pickup_mails(&app, &id, "reminder").len() + pickup_mails(&app, &id, "escalation").len(), 2);
    assert!(pickup_mails(&app, &id, "pickedup").is_empty(), "not a referral: no referrer to tell");
});

both_stores!(a_weekend_form_is_reminded_on_tuesday_night, |store| async move {
    let clock = Arc::new(TestClock::at(datetime!(2026-11-28 14:00 UTC))); // Saturday
    let app = clocked(store, &clock).await;
    let id = post(&app, "registration", &registration()).await;
    link_in_mail(&app, &id).await;
    sweep(&app.app).await;
    clock.set(datetime!(2026-12-01 22:59 UTC)); // Tuesday, 23:59 in Amsterdam
    sweep(&app.app).await;
    assert!(pickup_mails(&app, &id, "reminder").is_empty());
    clock.set(datetime!(2026-12-01 23:00 UTC));
    assert_eq!(sweep(&app.app).await.follow_up.reminded, 1);
});

both_stores!(operator_list_and_data_requests_cover_pickup, |store| async move {
    let app = spawn_with(store, Options::default().without_sweeper()).await;
    let referrer = format!("verwijzer-{}@example.org", uuid::Uuid::new_v4().simple());
    let open = post(&app, "registration", &registration()).await;
    let taken = post(&app, "referral", &referral(&referrer)).await;
    let (link, _) = link_in_mail(&app, &taken).await;
    link_in_mail(&app, &open).await;
    let (status, _) = press(&app, &path_of(&link, "http://127.0.0.1:8080"), "MV").await;
    assert_eq!(status, 200);

    let listed = app.command(&["open"]);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let out = String::from_utf8_lossy(&listed.stdout);
    assert!(out.contains(&open) && !out.contains(&taken), "{out}");
    assert!(out.contains("Aanmelding") && out.contains("Taalhuis") && out.contains("Beverwijk"), "{out}");
    assert_no_personal_data(&out, "forms open");
    let json: Value = serde_json::from_slice(&app.command(&["open", "--json"]).stdout).unwrap();
    let row = json.as_array().unwrap().iter().find(|r| r["reference"] == open.as_str()).expect("listed as JSON");
    assert_eq!(
        (row["reminded"].as_bool(), row["escalated"].as_bool(), row["working_days_open"].as_u64()),
        (Some(false), Some(false), Some(0))
    );

    let export: Value = serde_json::from_slice(&app.command(&["export", &referrer]).stdout).unwrap();
    let pickup = &export["records"][0]["pickup"];
    assert_eq!(pickup["picked_up_by"], "MV");
    assert!(pickup["picked_up_at"].is_string() && pickup["referrer_told_at"].is_string(), "{pickup}");
    assert!(app.command(&["erase", &referrer]).status.success());
    assert!(app.app.submissions().get(taken.parse().unwrap()).await.unwrap().is_none(), "erased with its pickup data");
    let (status, _) = get(&app, &path_of(&link, "http://127.0.0.1:8080")).await;
    assert_eq!(status, 410, "the link of an erased form is gone");

    // A record that no longer parses is not hidden: named by id, and the command fails.
    let spoiled = post(&app, "registration", &registration()).await;
    crate::delivery::spoil(&app, store, &spoiled).await;
    let listed = app.command(&["open"]);
    let (out, err) = (String::from_utf8_lossy(&listed.stdout), String::from_utf8_lossy(&listed.stderr));
    assert!(!listed.status.success() && err.contains(&spoiled) && err.contains("could not be read"), "{err}");
    assert!(out.contains(&open) && !out.contains(&spoiled), "the others are still listed: {out}");
});

both_stores!(unreadable_records_first_in_line_never_stop_a_reminder, |store| async move {
    let clock = Arc::new(TestClock::at(MONDAY));
    let app = clocked(store, &clock).await;
    // More than a batch of forms that no longer parse, all due before the good one.
    let mut spoiled = Vec::new();
    for i in 0..60 {
        let body = json!({"name": format!("Ouder {i}"), "phone": "0612345678", "message": "Hallo", "privacy_consent": "yes"});
        spoiled.push(post(&app, "contact", &body).await);
    }
    for id in &spoiled {
        crate::delivery::spoil(&app, store, id).await;
    }
    clock.advance(Duration::minutes(1));
    let id = post(&app, "registration", &registration()).await;
    link_in_mail(&app, &id).await;

    let first = sweep(&app.app).await;
    assert_eq!((first.follow_up.unreadable, first.follow_up.planned), (60, 1), "{first:?}");
    clock.set(datetime!(2026-11-25 23:00 UTC));
    let report = sweep(&app.app).await;
    assert_eq!(report.follow_up.reminded, 1, "{report:?}");
    assert_eq!(report.follow_up.unreadable, 60, "counted again, and set aside again: {report:?}");
    assert_eq!(pickup_mails(&app, &id, "reminder").len(), 1);
    assert_eq!(report.mail.unreadable, 0, "their mail was sent before they were spoiled");
});
