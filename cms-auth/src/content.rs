//! Decap CMS's `proxy` backend protocol (what `decap-server` speaks):
//! `POST {action, params}` with whole entries, answered with JSON. Every
//! path is parsed and checked against the policy first; only then does a
//! repository adapter see it, and a save keeps only what the editor
//! changed (`save`). Editorial-workflow actions are not offered: the site
//! publishes every save.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::policy::{self, Access, Area, Refusal, RepoPath};
use crate::repo::{Author, Change, FileData, RepoError, Repository, Version};
use crate::save::{self, Merge};

#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("Dit bestand bestaat niet (meer): {0}. Laad de editor opnieuw.")]
    NotFound(String),
    #[error(
        "Opslaan lukt nu niet: de opslag van de site antwoordt niet. Je wijziging is niet verloren zolang je dit venster open laat; probeer het over een minuut opnieuw."
    )]
    Unavailable(#[source] RepoError),
}

/// What a save did, for the editor's status line (`/admin/`).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Saved {
    pub commit: Option<String>,
    pub paths: Vec<String>,
    /// The page that shows the change (the Dutch one if several).
    pub page: Option<String>,
}

pub struct Content {
    repo: Arc<dyn Repository>,
    branch: String,
}

#[derive(Deserialize)]
struct Request {
    action: String,
    #[serde(default)]
    params: Map<String, Value>,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataFile {
    path: String,
    raw: String,
    #[serde(default, rename = "newPath")]
    new_path: Option<String>,
    #[serde(default)]
    slug: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Asset {
    path: String,
    content: String,
    encoding: String,
}

#[derive(Deserialize)]
struct FileRef {
    path: String,
    #[serde(default)]
    label: Option<String>,
}

impl Content {
    pub fn new(repo: Arc<dyn Repository>, branch: String) -> Self {
        Self { repo, branch }
    }

    /// One request of Decap's proxy backend, from `editor`.
    pub async fn handle(&self, body: &[u8], editor: &Author) -> Result<(Value, Option<Saved>), ContentError> {
        let request: Request =
            serde_json::from_slice(body).map_err(|_| Refusal::BadRequest("Dit verzoek is niet van de editor.".into()))?;
        self.check_scope(&request)?;
        let p = &request.params;
        match request.action.as_str() {
            "info" => Ok((json!({ "repo": "site", "publish_modes": ["simple"], "type": "cms-auth" }), None)),
            "entriesByFolder" => {
                let folder = policy::check_folder(text(p, "folder")?)?;
                let extension = text(p, "extension")?;
                let depth = p.get("depth").and_then(Value::as_u64).unwrap_or(1).min(4) as usize;
                let at = self.version().await?;
                let paths = self.repo.list(&at, &folder, extension, depth).await.map_err(ContentError::Unavailable)?;
                let paths = paths.into_iter().filter(|path| policy::check(path, Access::Read).is_ok()).collect();
                Ok((Value::Array(self.entries(&at, paths, None).await?), None))
            }
            "entriesByFiles" => {
                let files: Vec<FileRef> = params(p, "files")?;
                let mut paths = Vec::new();
                for file in &files {
                    let path = RepoPath::parse(&file.path)?;
                    policy::check(&path, Access::Read)?;
                    paths.push(path);
                }
                let labels = files.into_iter().map(|f| f.label).collect();
                let at = self.version().await?;
                Ok((Value::Array(self.entries(&at, paths, Some(labels)).await?), None))
            }
            "getEntry" => {
                let path = RepoPath::parse(text(p, "path")?)?;
                policy::check(&path, Access::Read)?;
                let at = self.version().await?;
                let file = self.repo.read(&at, &path).await.map_err(ContentError::Unavailable)?;
                Ok((entry(&path, file.as_ref(), None), None))
            }
            "persistEntry" => {
                let files: Vec<DataFile> = match p.get("dataFiles") {
                    Some(_) => params(p, "dataFiles")?,
                    None => vec![params(p, "entry")?],
                };
                let assets: Vec<Asset> = if p.contains_key("assets") { params(p, "assets")? } else { Vec::new() };
                let saved = self.persist(files, assets, message(p), editor).await?;
                let answer =
                    json!({ "message": "entry persisted", "commit": saved.commit, "page": saved.page, "changed": saved.paths });
                Ok((answer, Some(saved)))
            }
            "getMedia" => {
                let folder = policy::check_folder(text(p, "mediaFolder")?)?;
                if folder.as_str() != policy::MEDIA_FOLDER {
                    return Err(Refusal::Outside(folder.to_string()).into());
                }
                let at = self.version().await?;
                let paths = self.repo.list(&at, &folder, "", 1).await.map_err(ContentError::Unavailable)?;
                let mut media = Vec::new();
                for path in paths.into_iter().filter(|p| policy::check(p, Access::Read) == Ok(Area::Media)) {
                    if let Some(file) = self.repo.read(&at, &path).await.map_err(ContentError::Unavailable)? {
                        media.push(media_file(&path, &file));
                    }
                }
                Ok((Value::Array(media), None))
            }
            "getMediaFile" => {
                let path = RepoPath::parse(text(p, "path")?)?;
                if policy::check(&path, Access::Read)? != Area::Media {
                    return Err(Refusal::Outside(path.to_string()).into());
                }
                let at = self.version().await?;
                let file = self.repo.read(&at, &path).await.map_err(ContentError::Unavailable)?;
                let file = file.ok_or_else(|| ContentError::NotFound(path.to_string()))?;
                Ok((media_file(&path, &file), None))
            }
            "persistMedia" => {
                let asset: Asset = params(p, "asset")?;
                let path = asset.path.clone();
                let saved = self.persist(Vec::new(), vec![asset], message(p), editor).await?;
                let at = self.version().await?;
                let path = RepoPath::parse(&path)?;
                let file = self.repo.read(&at, &path).await.map_err(ContentError::Unavailable)?;
                let file = file.ok_or_else(|| ContentError::NotFound(path.to_string()))?;
                Ok((media_file(&path, &file), Some(saved)))
            }
            "deleteFile" | "deleteFiles" => {
                let raw: Vec<String> =
                    if request.action == "deleteFile" { vec![params(p, "path")?] } else { params(p, "paths")? };
                let mut paths = Vec::new();
                for r in &raw {
                    let path = RepoPath::parse(r)?;
                    policy::check(&path, Access::Delete)?;
                    paths.push(path);
                }
                let saved = self.delete(paths, message(p), editor).await?;
                Ok((json!({ "message": "deleted", "commit": saved.commit }), Some(saved)))
            }
            "getDeployPreview" => Ok((Value::Null, None)),
            other => Err(Refusal::BadRequest(format!(
                "De editor kent de opdracht \"{}\" niet. Laad de editor opnieuw.",
                other.chars().take(40).collect::<String>()
            ))
            .into()),
        }
    }

    /// One branch of one repository: the server's own. Decap sends the
    /// branch; anything naming another repository is refused.
    fn check_scope(&self, request: &Request) -> Result<(), Refusal> {
        for map in [&request.params, &request.rest] {
            if ["repo", "repository", "owner"].iter().any(|k| map.contains_key(*k)) {
                return Err(Refusal::OtherRepository);
            }
            if let Some(branch) = map.get("branch")
                && branch.as_str() != Some(self.branch.as_str())
            {
                return Err(Refusal::OtherBranch(self.branch.clone()));
            }
        }
        Ok(())
    }

    async fn version(&self) -> Result<Version, ContentError> {
        self.repo.version().await.map_err(ContentError::Unavailable)
    }

    async fn entries(
        &self,
        at: &Version,
        paths: Vec<RepoPath>,
        labels: Option<Vec<Option<String>>>,
    ) -> Result<Vec<Value>, ContentError> {
        let mut out = Vec::with_capacity(paths.len());
        // A few reads at a time: a folder of 150 pages in seconds, not minutes.
        for (n, chunk) in paths.chunks(crate::repo::PARALLEL_READS).enumerate() {
            let reads = chunk.iter().map(|path| self.repo.read(at, path));
            let files = futures_util::future::join_all(reads).await;
            for (i, (path, file)) in chunk.iter().zip(files).enumerate() {
                let file = file.map_err(ContentError::Unavailable)?;
                let label = labels.as_ref().and_then(|l| l.get(n * crate::repo::PARALLEL_READS + i).cloned().flatten());
                out.push(entry(path, file.as_ref(), label));
            }
        }
        Ok(out)
    }

    async fn persist(
        &self,
        files: Vec<DataFile>,
        assets: Vec<Asset>,
        message: String,
        editor: &Author,
    ) -> Result<Saved, ContentError> {
        // Everything is checked before anything is read or sent.
        let mut proposed: Vec<(RepoPath, Vec<u8>)> = Vec::new();
        let mut renamed_from: Vec<RepoPath> = Vec::new();
        for file in files {
            let _ = file.slug;
            let target = RepoPath::parse(file.new_path.as_deref().unwrap_or(&file.path))?;
            if file.new_path.is_some() {
                let old = RepoPath::parse(&file.path)?;
                policy::check(&old, Access::Delete)?;
                renamed_from.push(old);
            }
            proposed.push((target, file.raw.into_bytes()));
        }
        for asset in assets {
            let path = RepoPath::parse(&asset.path)?;
            if asset.encoding != "base64" {
                return Err(Refusal::BadRequest("Een afbeelding kwam niet goed mee. Probeer het opnieuw.".into()).into());
            }
            let bytes = B64
                .decode(asset.content.as_bytes())
                .map_err(|_| Refusal::BadRequest("Een afbeelding kwam niet goed mee. Probeer het opnieuw.".into()))?;
            proposed.push((path, bytes));
        }
        for (path, bytes) in &proposed {
            let area = policy::check(path, Access::Read)?;
            if bytes.len() > area.max_bytes() {
                return Err(Refusal::TooLarge { path: path.to_string(), size: bytes.len(), limit: area.max_bytes() }.into());
            }
        }
        // Three tries: each builds on the branch as it is then.
        for _ in 0..3 {
            let at = self.version().await?;
            let mut writes = Vec::new();
            for (path, bytes) in &proposed {
                let current = self.repo.read(&at, path).await.map_err(ContentError::Unavailable)?;
                policy::check(path, Access::Write { exists: current.is_some() })?;
                if let Merge::Write(merged) = save::merge(path.as_str(), current.as_ref().map(|f| f.bytes.as_slice()), bytes) {
                    writes.push((path.clone(), merged));
                }
            }
            let mut deletes = Vec::new();
            for old in &renamed_from {
                if self.repo.read(&at, old).await.map_err(ContentError::Unavailable)?.is_some() {
                    deletes.push(old.clone());
                }
            }
            if writes.is_empty() && deletes.is_empty() {
                return Ok(Saved::default());
            }
            let paths = writes.iter().map(|(p, _)| p.to_string()).chain(deletes.iter().map(|p| p.to_string())).collect();
            let mut pages = writes.iter().filter_map(|(p, bytes)| crate::site::page_for(p.as_str(), bytes));
            let page = pages.next();
            let change = Change { writes, deletes, message: message.clone(), author: editor.clone() };
            match self.repo.commit(&at, &change).await {
                Ok(commit) => return Ok(Saved { commit, paths, page }),
                Err(RepoError::Moved) => continue,
                Err(e) => return Err(ContentError::Unavailable(e)),
            }
        }
        Err(ContentError::Unavailable(RepoError::Moved))
    }

    async fn delete(&self, paths: Vec<RepoPath>, message: String, editor: &Author) -> Result<Saved, ContentError> {
        for _ in 0..3 {
            let at = self.version().await?;
            let mut deletes = Vec::new();
            for path in &paths {
                if self.repo.read(&at, path).await.map_err(ContentError::Unavailable)?.is_some() {
                    deletes.push(path.clone());
                }
            }
            if deletes.is_empty() {
                return Ok(Saved::default());
            }
            let listed = deletes.iter().map(|p| p.to_string()).collect();
            let change = Change { writes: Vec::new(), deletes, message: message.clone(), author: editor.clone() };
            match self.repo.commit(&at, &change).await {
                Ok(commit) => return Ok(Saved { commit, paths: listed, page: None }),
                Err(RepoError::Moved) => continue,
                Err(e) => return Err(ContentError::Unavailable(e)),
            }
        }
        Err(ContentError::Unavailable(RepoError::Moved))
    }
}

fn text<'a>(params: &'a Map<String, Value>, name: &str) -> Result<&'a str, Refusal> {
    params
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| Refusal::BadRequest(format!("Er ontbreekt iets in het verzoek ({name}). Laad de editor opnieuw.")))
}

fn params<T: serde::de::DeserializeOwned>(params: &Map<String, Value>, name: &str) -> Result<T, Refusal> {
    let value = params.get(name).cloned().unwrap_or(Value::Null);
    serde_json::from_value(value)
        .map_err(|_| Refusal::BadRequest(format!("Er klopt iets niet in het verzoek ({name}). Laad de editor opnieuw.")))
}

/// Decap's commit message, one plain line of reasonable length.
fn message(params: &Map<String, Value>) -> String {
    let given = params.get("options").and_then(|o| o["commitMessage"].as_str()).unwrap_or("Wijziging in de editor");
    let line: String = given.chars().filter(|c| !c.is_control()).take(120).collect();
    if line.trim().is_empty() { "Wijziging in de editor".into() } else { line }
}

fn entry(path: &RepoPath, file: Option<&FileData>, label: Option<String>) -> Value {
    let mut meta = json!({ "path": path.as_str(), "id": file.map(|f| f.id.clone()) });
    if let Some(label) = label {
        meta["label"] = Value::String(label);
    }
    json!({ "data": file.map(|f| String::from_utf8_lossy(&f.bytes).into_owned()), "file": meta })
}

fn media_file(path: &RepoPath, file: &FileData) -> Value {
    json!({
        "id": file.id,
        "content": B64.encode(&file.bytes),
        "encoding": "base64",
        "path": path.as_str(),
        "name": path.file_name(),
    })
}
