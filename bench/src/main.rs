//! `bench`: measures the release `forms` binary for `make bench` and
//! writes the figures as JSON (the report is made by bench/report.mjs).
//!
//!   bench --forms BIN --shipped BIN --baseline BIN --work DIR --out FILE
//!         [--cold-runs 20] [--clients 32] [--requests 2000] [--rounds 5]

mod cold_start;
mod load;
mod stats;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bench::{event, runtime_api};
use serde_json::{Value, json};

use cold_start::Candidate;
use stats::{quantile, round, sorted, summary};

struct Args {
    forms: PathBuf,
    /// The Lambda build (`--no-default-features`) for this machine.
    shipped: PathBuf,
    baseline: PathBuf,
    work: PathBuf,
    out: PathBuf,
    cold_runs: usize,
    clients: usize,
    requests: usize,
    rounds: usize,
}

impl Args {
    fn parse() -> Result<Self, String> {
        let raw: Vec<String> = std::env::args().skip(1).collect();
        let mut given: HashMap<&str, &str> = HashMap::new();
        for pair in raw.chunks(2) {
            match pair {
                [k, v] if k.starts_with("--") => {
                    given.insert(&k[2..], v);
                }
                _ => return Err(format!("expected --name value pairs, got {pair:?}")),
            }
        }
        let path = |k: &str| given.get(k).map(PathBuf::from).ok_or(format!("--{k} is required"));
        let number =
            |k: &str, default: usize| given.get(k).map_or(Ok(default), |v| v.parse().map_err(|_| format!("--{k}: not a number")));
        Ok(Self {
            forms: path("forms")?,
            shipped: path("shipped")?,
            baseline: path("baseline")?,
            work: path("work")?,
            out: path("out")?,
            cold_runs: number("cold-runs", 20)?,
            clients: number("clients", 32)?,
            requests: number("requests", 2000)?,
            rounds: number("rounds", 5)?,
        })
    }
}

fn main() -> ExitCode {
    let args = match Args::parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::from(2);
        }
    };
    // Two workers: the stand-in and the load clients, no more, so that
    // the function under test keeps its share of a small machine.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio");
    match runtime.block_on(run(&args)) {
        Ok(figures) => {
            std::fs::write(&args.out, serde_json::to_string_pretty(&figures).unwrap()).expect("write results");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<Value, String> {
    let _ = std::fs::remove_dir_all(&args.work);
    std::fs::create_dir_all(&args.work).map_err(|e| e.to_string())?;
    let mut figures = cold_starts(args).await?;
    let load = load(args).await?;
    figures.as_object_mut().unwrap().extend(load.as_object().unwrap().clone());
    Ok(figures)
}

async fn cold_starts(args: &Args) -> Result<Value, String> {
    eprintln!("cold start: {} runs each of forms and the baseline, interleaved", args.cold_runs);
    let api = runtime_api::RuntimeApi::start().await.map_err(|e| e.to_string())?;
    let data_dir = args.work.join("lambda");
    let forms_env = vec![
        ("FORMS_STORE".into(), "sqlite".into()),
        ("FORMS_MAILER".into(), "file".into()),
        ("ORIGIN_SECRET".into(), bench::event::ORIGIN_SECRET.into()),
        ("DATA_DIR".into(), data_dir.display().to_string()),
        // No site on disk, as on Lambda: the form pages built into the binary.
        ("SITE_DIR".into(), args.work.join("no-site").display().to_string()),
    ];
    let candidates = [
        Candidate {
            name: "forms",
            bin: args.forms.clone(),
            env: forms_env.clone(),
            event: cold_start::form_post,
            expect_status: 201,
        },
        Candidate { name: "baseline", bin: args.baseline.clone(), env: vec![], event: cold_start::form_post, expect_status: 200 },
        // Diagnostic: how much of the cold start is start-up, how much the first submission.
        Candidate {
            name: "forms-health",
            bin: args.forms.clone(),
            env: forms_env,
            event: cold_start::health_check,
            expect_status: 200,
        },
        // Diagnostic: start-up as shipped. The Lambda build, configured as the
        // template configures it (DynamoDB, SES, credentials in the
        // environment); a health check asks nothing of AWS, so no network.
        Candidate {
            name: "shipped-health",
            bin: args.shipped.clone(),
            env: vec![
                ("FORMS_STORE".into(), "dynamodb".into()),
                ("FORMS_TABLE".into(), "bench".into()),
                ("FORMS_MAILER".into(), "ses".into()),
                ("ORIGIN_SECRET".into(), bench::event::ORIGIN_SECRET.into()),
                // The rest of what the shipped build needs before it starts on Lambda.
                ("MAIL_FROM".into(), "Steun voor gezinnen <noreply@example.org>".into()),
                ("SITE_URL".into(), "https://www.example.org".into()),
                ("ALLOWED_ORIGINS".into(), "https://www.example.org".into()),
                ("PICKUP_KEY_SECRET_ID".into(), "bench-pickup-key".into()),
                // A health check reads no site data; `builtin` keeps it off the network.
                ("SITE_DATA".into(), "builtin".into()),
                ("AWS_ACCESS_KEY_ID".into(), "bench".into()),
                ("AWS_SECRET_ACCESS_KEY".into(), "bench".into()),
                ("AWS_SESSION_TOKEN".into(), "bench".into()),
            ],
            event: cold_start::health_check,
            expect_status: 200,
        },
    ];
    let times = cold_start::measure(&api, &candidates, 2, args.cold_runs).await?;
    let (ours_ms, floor_ms, health_ms, shipped_ms) = (&times[0], &times[1], &times[2], &times[3]);
    let pair_ratios: Vec<f64> = ours_ms.iter().zip(floor_ms).map(|(a, b)| a / b).collect();
    let median = |v: &[f64]| quantile(&sorted(v.to_vec()), 0.5);
    Ok(json!({
        "cold_start_ms": round(median(ours_ms)),
        "baseline_cold_start_ms": round(median(floor_ms)),
        "cold_start_ratio": round(median(ours_ms) / median(floor_ms)),
        "cold_start_detail": {
            "forms_ms": summary(ours_ms),
            "baseline_ms": summary(floor_ms),
            "forms_health_check_ms": summary(health_ms),
            "shipped_health_check_ms": summary(shipped_ms),
            "pair_ratio": summary(&pair_ratios),
            "setup": "forms with SQLite and file mail (no network store), site pages embedded; one API Gateway v2 form post per process; forms_health_check_ms: the same binary answering GET /api/health (start-up alone); shipped_health_check_ms: the Lambda build (no SQLite, no SMTP) on DynamoDB and SES answering GET /api/health",
        },
        "forms_binary_bytes": file_size(&args.forms),
        "baseline_binary_bytes": file_size(&args.baseline),
        "shipped_binary_bytes": file_size(&args.shipped),
    }))
}

async fn load(args: &Args) -> Result<Value, String> {
    let site = args.work.join("no-site");
    let server = load::Server::start(&args.forms, &site, &args.work.join("local")).await?;
    eprintln!("memory: 1000 submissions over {} clients", args.clients);
    load::post_forms(server.addr, args.clients, 1000, 0).await?;
    let rss = server.peak_rss_mb()?;

    eprintln!("throughput: {} rounds of {} submissions over {} clients", args.rounds, args.requests, args.clients);
    let (mut per_second, mut latencies) = (Vec::new(), Vec::new());
    for r in 0..args.rounds {
        let round = load::post_forms(server.addr, args.clients, args.requests, 1000 + r * args.requests).await?;
        per_second.push(args.requests as f64 / round.wall.as_secs_f64());
        latencies.extend(round.latencies_ms);
    }
    let latencies = sorted(latencies);
    Ok(json!({
        "rss_mb_after_1000": round(rss),
        "throughput_per_s": round(quantile(&sorted(per_second.clone()), 0.5)),
        "p50_ms": round(quantile(&latencies, 0.5)),
        "p99_ms": round(quantile(&latencies, 0.99)),
        "load_detail": {
            "clients": args.clients,
            "requests_per_round": args.requests,
            "throughput_per_s": summary(&per_second),
            "rss_mb_after_all": round(server.peak_rss_mb()?),
            "setup": "local server, SQLite (WAL) and file mailer, rate limit off; each submission stored and both mails written before the answer",
        },
    }))
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
