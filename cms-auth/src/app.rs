//! Builds the server from its settings: the store, mailer, repository and
//! secrets the configuration picks; then runs it on Lambda (behind
//! CloudFront) or on a local port.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use forms::clock::Clock;
use forms::lambda::{ORIGIN_VERIFY_HEADER, VIEWER_ADDRESS_HEADER};
use forms::mail::{FileMailer, Mailer, SesMailer};

use crate::config::{MailerConfig, RepositoryConfig, Settings, StoreConfig};
use crate::content::Content;
use crate::github::GitHub;
use crate::mail::MailOut;
use crate::publish::Publish;
use crate::repo::{GitHubRepository, Repository, Worktree};
use crate::routes::{ClientIp, router};
use crate::secrets::{SecretCell, SigningKey, parse_app_secret};
use crate::signin::SignIn;
use crate::store::{DynamoStore, Editor, SessionStore};

pub struct App {
    pub settings: Settings,
    pub sign_in: SignIn,
    pub content: Content,
    pub github: Option<Arc<GitHub>>,
    pub publish: Option<Publish>,
    pub mail: Arc<MailOut>,
    pub clock: Arc<dyn Clock>,
    /// Who edits when sign-in is off (`make edit` on a checkout).
    pub local_editor: Editor,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot open the store: {0}")]
    Store(String),
    #[error("cannot create the outbox {0}: {1}")]
    Outbox(String, std::io::Error),
    #[error("cannot open the checkout {0}: {1}")]
    Worktree(String, std::io::Error),
    #[error("no trusted certificates for GitHub: {0}")]
    Certificates(std::io::Error),
    #[error("this build has no SQLite (the Lambda build leaves it out): set CMS_STORE=dynamodb")]
    NoSqlite,
}

impl App {
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        let needs_aws = matches!(settings.store, StoreConfig::Dynamo { .. })
            || settings.mailer == MailerConfig::Ses
            || matches!(settings.key, crate::secrets::Source::Secret(_))
            || matches!(&settings.repository, RepositoryConfig::GitHub { app: crate::secrets::Source::Secret(_), .. });
        let aws = if needs_aws { Some(forms::aws::aws_config().await) } else { None };
        let store = open_store(&settings.store, aws.as_ref()).await?;
        let mailer: Arc<dyn Mailer> = match &settings.mailer {
            MailerConfig::File { outbox } => {
                Arc::new(FileMailer::new(outbox.clone()).map_err(|e| StartError::Outbox(outbox.display().to_string(), e))?)
            }
            MailerConfig::Ses => Arc::new(SesMailer::new(forms::aws::ses(aws.as_ref().expect("AWS config is loaded for SES")))),
        };
        let mail = Arc::new(MailOut {
            mailer,
            from: settings.mail_from.clone(),
            operator: settings.operator.clone(),
            site_origin: settings.site_origin.clone(),
        });
        let key = SecretCell::new(settings.key.clone(), aws.clone(), SigningKey::parse);
        let (repo, github): (Arc<dyn Repository>, Option<Arc<GitHub>>) = match &settings.repository {
            RepositoryConfig::GitHub { api, repository, app } => {
                let app = SecretCell::new(app.clone(), aws.clone(), parse_app_secret);
                let github = Arc::new(GitHub::new(api.clone(), repository.clone(), app).map_err(StartError::Certificates)?);
                (Arc::new(GitHubRepository::new(github.clone(), settings.branch.clone())), Some(github))
            }
            RepositoryConfig::Worktree { root } => {
                let tree = Worktree::new(root.clone()).map_err(|e| StartError::Worktree(root.display().to_string(), e))?;
                (Arc::new(tree), None)
            }
        };
        let publish = github.clone().map(|g| Publish::new(g, settings.publish_workflow.clone(), settings.branch.clone()));
        Ok(App {
            sign_in: SignIn::new(store, key, mail.clone(), clock.clone()),
            content: Content::new(repo, settings.branch.clone()),
            github,
            publish,
            mail,
            clock,
            local_editor: Editor { email: "editor@localhost".into(), name: "Editor op deze computer".into() },
            settings,
        })
    }
}

pub async fn open_store(store: &StoreConfig, aws: Option<&aws_config::SdkConfig>) -> Result<Arc<dyn SessionStore>, StartError> {
    Ok(match store {
        #[cfg(feature = "sqlite")]
        StoreConfig::Sqlite { path } => {
            Arc::new(crate::store::SqliteStore::open(path).map_err(|e| StartError::Store(e.to_string()))?)
        }
        #[cfg(not(feature = "sqlite"))]
        StoreConfig::Sqlite { .. } => return Err(StartError::NoSqlite),
        StoreConfig::Dynamo { table } => {
            let aws = match aws {
                Some(aws) => aws.clone(),
                None => forms::aws::aws_config().await,
            };
            Arc::new(DynamoStore::new(forms::aws::dynamodb(&aws), table.clone()))
        }
    })
}

/// On a port of 127.0.0.1; the socket's address is the client.
pub async fn serve_local(listener: tokio::net::TcpListener, app: Arc<App>) -> std::io::Result<()> {
    let routes = router(app).layer(axum::middleware::from_fn(|request: Request, next: Next| async move {
        let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let mut request = request;
        request.extensions_mut().insert(ClientIp(peer));
        next.run(request).await
    }));
    axum::serve(listener, routes.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

/// On Lambda: only requests that came through CloudFront (they carry the
/// origin secret); then CloudFront's viewer address is the client.
pub async fn run_lambda(app: Arc<App>) -> Result<(), lambda_http::Error> {
    let Some(secret) = app.settings.origin_secret.clone() else {
        return Err("ORIGIN_SECRET is required on AWS Lambda (infra/template.yaml sets it)".into());
    };
    let secret: Arc<str> = secret.0.into();
    let routes = router(app).layer(axum::middleware::from_fn(move |request: Request, next: Next| {
        let secret = secret.clone();
        async move { through_cloudfront(&secret, request, next).await }
    }));
    lambda_http::run(routes).await
}

async fn through_cloudfront(secret: &str, mut request: Request, next: Next) -> Response {
    let sent = request.headers().get(ORIGIN_VERIFY_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
    if !same(sent, secret.as_bytes()) {
        tracing::warn!("request without the origin secret refused (not through CloudFront)");
        return (StatusCode::FORBIDDEN, "Use the site's own address.").into_response();
    }
    let viewer: Option<IpAddr> = request
        .headers()
        .get(VIEWER_ADDRESS_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit_once(':').map(|(ip, _)| ip.trim_matches(['[', ']']).to_owned()))
        .and_then(|ip| ip.parse().ok());
    request.extensions_mut().insert(ClientIp(viewer));
    next.run(request).await
}

/// Equal without an early exit: timing tells nothing about the secret.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
