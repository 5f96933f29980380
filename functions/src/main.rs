//! `forms`: the form function. See `forms help`.

// The Lambda and local start-up futures nest deeply (AWS SDK, axum, pickup).
#![recursion_limit = "256"]

use std::process::ExitCode;

use forms::app::App;
use forms::config::Settings;

const HELP: &str = "\
forms: receives the site's forms, stores them, mails the coordinator.

USAGE
  forms                 serve: on AWS Lambda when AWS_LAMBDA_RUNTIME_API is
                        set, otherwise the local server on 127.0.0.1:$PORT
  forms sweep           send pending mail once, then exit
  forms export EMAIL    print every record holding EMAIL as JSON (data request)
  forms erase EMAIL     delete every record holding EMAIL (data request)
  forms open [--json]   list forms nobody picked up yet: reference, form,
                        programme, municipality, working days open,
                        reminded, escalated (no personal data)
  forms ses-event FILE  replay a saved SES bounce or complaint (the SNS
                        notification as delivered, or the bare SES event) on
                        the configured store and mailer; prints the outcome
  forms create-table    create the DynamoDB table $FORMS_TABLE if missing
                        (local development; production tables come from infra/)
  forms contract        print what this build expects from the infrastructure
                        (table, environment, metrics, time budgets) as JSON
  forms check-directory FILE
                        check a site/data/directory.toml with the parser the
                        function routes by (the check before publishing)
  forms help            this text

Configuration is read from the environment; see README.md.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let on_lambda = std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some();
    forms::telemetry::init(on_lambda);
    if matches!(args.first().map(String::as_str), Some("help" | "--help" | "-h")) {
        println!("{HELP}");
        return ExitCode::SUCCESS;
    }
    if matches!(args.as_slice(), [c] if c == "contract") {
        println!("{:#}", forms::contract::contract());
        return ExitCode::SUCCESS;
    }
    if let [c, file] = args.as_slice() {
        if c == "check-directory" {
            return check_directory(file);
        }
    }
    // The shipped build refuses to run on Lambda without what production
    // needs. The full build may play Lambda on SQLite and SMTP (tests, bench).
    let lambda_build = !cfg!(feature = "sqlite") && !cfg!(feature = "smtp");
    let settings = if on_lambda && lambda_build { Settings::from_env_on_lambda() } else { Settings::from_env() };
    let settings = match settings {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    // Lambda hands an instance one event at a time and gives 128 MB about a
    // tenth of a CPU: worker threads only cost start-up time there.
    let mut builder =
        if on_lambda { tokio::runtime::Builder::new_current_thread() } else { tokio::runtime::Builder::new_multi_thread() };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args, settings, on_lambda)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The routing an editor is about to publish, read as the function will
/// read it: a file it refuses is never published (tools/check-site.py runs
/// this and shows the problem to the editor, in Dutch).
fn check_directory(file: &str) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{file}: {e}");
            return ExitCode::from(2);
        }
    };
    match forms::directory::Directory::from_toml(&text) {
        // Silent when all is well, as the check's other steps are.
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            let detail = e.to_string();
            let detail = detail.strip_prefix("site/data/directory.toml: ").unwrap_or(&detail);
            eprintln!(
                "site/data/directory.toml: de formulieren kunnen de verdeling niet lezen ({detail}). \
                 Zet de laatste wijziging terug of vraag de ontwikkelaar om hulp."
            );
            eprintln!("De formulieren zouden nog de vorige verdeling gebruiken: niets gepubliceerd.");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Vec<String>, settings: Settings, on_lambda: bool) -> Result<(), String> {
    let command: Vec<&str> = args.iter().map(String::as_str).collect();
    match command.as_slice() {
        [] | ["serve"] => {
            let app = App::build(settings).await.map_err(|e| format!("cannot start: {e}"))?;
            if on_lambda {
                forms::lambda::run(app).await.map_err(|e| e.to_string())
            } else {
                forms::local::serve(app).await.map_err(|e| format!("local server: {e}"))
            }
        }
        ["create-table"] => forms::admin::create_table(&settings).await,
        [cmd @ ("sweep" | "export" | "erase" | "open" | "ses-event"), rest @ ..] => {
            let app = App::build(settings).await.map_err(|e| format!("cannot start: {e}"))?;
            match (*cmd, rest) {
                ("sweep", []) => forms::admin::sweep(&app).await,
                ("export", [email]) => forms::admin::export(&app, email).await,
                ("erase", [email]) => forms::admin::erase(&app, email).await,
                ("open", []) => forms::admin::open(&app, false).await,
                ("open", ["--json"]) => forms::admin::open(&app, true).await,
                ("open", _) => Err("usage: forms open [--json]".into()),
                ("ses-event", [file]) => forms::admin::ses_event(&app, file).await,
                ("ses-event", _) => Err("usage: forms ses-event FILE (a saved SNS notification or SES event, JSON)".into()),
                _ => Err(format!("usage: forms {cmd}{}", if *cmd == "sweep" { "" } else { " EMAIL" })),
            }
        }
        _ => Err(format!("unknown command `{}`\n\n{HELP}", args.join(" "))),
    }
}
