//! The repository on GitHub, through the Git Data API: a save is blobs, a
//! tree on top of the branch's tree, one commit with the editor as author,
//! and a fast-forward of the branch (refused if someone saved in between:
//! then the caller reads again and builds on the new commit).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hyper::Method;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::{Change, FileData, RepoError, Repository, Version, within};
use crate::github::{GitHub, GitHubError};
use crate::policy::RepoPath;

/// Blobs kept in memory (they never change): about this many bytes.
const BLOB_CACHE_BYTES: usize = 32 * 1024 * 1024;
/// Blobs fetched at the same time when a folder is listed.
pub const PARALLEL_READS: usize = 8;

pub struct GitHubRepository {
    github: Arc<GitHub>,
    branch: String,
    /// The last commit's files: path -> blob sha.
    tree: Mutex<Option<(String, Arc<Tree>)>>,
    blobs: Mutex<BlobCache>,
}

/// Blobs by hash, with the bytes they hold in all.
#[derive(Default)]
struct BlobCache {
    bytes: usize,
    blobs: HashMap<String, Arc<Vec<u8>>>,
}

struct Tree {
    sha: String,
    files: BTreeMap<String, String>,
}

fn failed(e: GitHubError) -> RepoError {
    RepoError::Unavailable(e.to_string())
}

impl GitHubRepository {
    pub fn new(github: Arc<GitHub>, branch: String) -> Self {
        Self { github, branch, tree: Mutex::new(None), blobs: Mutex::new(BlobCache::default()) }
    }

    async fn tree(&self, at: &Version) -> Result<Arc<Tree>, RepoError> {
        let commit = at.0.clone().ok_or_else(|| RepoError::Unavailable("no commit to read from".into()))?;
        if let Some((sha, tree)) = self.tree.lock().await.as_ref()
            && *sha == commit
        {
            return Ok(tree.clone());
        }
        let found = self.github.repo_call(Method::GET, &format!("/git/commits/{commit}"), None).await.map_err(failed)?;
        let tree_sha = found["tree"]["sha"].as_str().ok_or_else(|| garbled("the commit"))?.to_owned();
        let listing =
            self.github.repo_call(Method::GET, &format!("/git/trees/{tree_sha}?recursive=1"), None).await.map_err(failed)?;
        if listing["truncated"].as_bool() == Some(true) {
            return Err(RepoError::Unavailable("the repository's file list is too long for one answer".into()));
        }
        let files = listing["tree"]
            .as_array()
            .ok_or_else(|| garbled("the tree"))?
            .iter()
            .filter(|e| e["type"] == "blob")
            .filter_map(|e| Some((e["path"].as_str()?.to_owned(), e["sha"].as_str()?.to_owned())))
            .collect();
        let tree = Arc::new(Tree { sha: tree_sha, files });
        *self.tree.lock().await = Some((commit, tree.clone()));
        Ok(tree)
    }

    async fn blob(&self, sha: &str) -> Result<Arc<Vec<u8>>, RepoError> {
        if let Some(bytes) = self.blobs.lock().await.blobs.get(sha) {
            return Ok(bytes.clone());
        }
        let answer = self.github.repo_call(Method::GET, &format!("/git/blobs/{sha}"), None).await.map_err(failed)?;
        let text: String = answer["content"].as_str().ok_or_else(|| garbled("a file"))?.split_whitespace().collect();
        let bytes = Arc::new(B64.decode(text).map_err(|_| garbled("a file"))?);
        let mut cache = self.blobs.lock().await;
        if cache.bytes + bytes.len() > BLOB_CACHE_BYTES {
            *cache = BlobCache::default();
        }
        cache.bytes += bytes.len();
        cache.blobs.insert(sha.to_owned(), bytes.clone());
        Ok(bytes)
    }
}

fn garbled(what: &str) -> RepoError {
    RepoError::Unavailable(format!("GitHub's answer about {what} was not understood"))
}

#[async_trait]
impl Repository for GitHubRepository {
    async fn version(&self) -> Result<Version, RepoError> {
        let found = self.github.repo_call(Method::GET, &format!("/git/ref/heads/{}", self.branch), None).await.map_err(failed)?;
        let sha = found["object"]["sha"].as_str().ok_or_else(|| garbled("the branch"))?;
        Ok(Version(Some(sha.to_owned())))
    }

    async fn list(&self, at: &Version, folder: &RepoPath, extension: &str, depth: usize) -> Result<Vec<RepoPath>, RepoError> {
        let tree = self.tree(at).await?;
        Ok(tree
            .files
            .keys()
            .filter(|p| within(folder.as_str(), p, extension, depth))
            .filter_map(|p| RepoPath::parse(p).ok())
            .collect())
    }

    async fn read(&self, at: &Version, path: &RepoPath) -> Result<Option<FileData>, RepoError> {
        let tree = self.tree(at).await?;
        let Some(sha) = tree.files.get(path.as_str()) else {
            return Ok(None);
        };
        let bytes = self.blob(sha).await?;
        Ok(Some(FileData { bytes: bytes.to_vec(), id: sha.clone() }))
    }

    async fn commit(&self, base: &Version, change: &Change) -> Result<Option<String>, RepoError> {
        let parent = base.0.clone().ok_or_else(|| RepoError::Unavailable("no commit to build on".into()))?;
        let tree = self.tree(base).await?;
        let mut entries: Vec<Value> = Vec::new();
        for (path, bytes) in &change.writes {
            let body = json!({ "content": B64.encode(bytes), "encoding": "base64" });
            let blob = self.github.repo_call(Method::POST, "/git/blobs", Some(body)).await.map_err(failed)?;
            let sha = blob["sha"].as_str().ok_or_else(|| garbled("a new file"))?;
            entries.push(json!({ "path": path.as_str(), "mode": "100644", "type": "blob", "sha": sha }));
        }
        for path in &change.deletes {
            entries.push(json!({ "path": path.as_str(), "mode": "100644", "type": "blob", "sha": null }));
        }
        let body = json!({ "base_tree": tree.sha, "tree": entries });
        let new_tree = self.github.repo_call(Method::POST, "/git/trees", Some(body)).await.map_err(failed)?;
        let new_tree = new_tree["sha"].as_str().ok_or_else(|| garbled("the new tree"))?;
        let body = json!({
            "message": change.message,
            "tree": new_tree,
            "parents": [parent],
            "author": { "name": change.author.name, "email": change.author.email },
        });
        let commit = self.github.repo_call(Method::POST, "/git/commits", Some(body)).await.map_err(failed)?;
        let commit = commit["sha"].as_str().ok_or_else(|| garbled("the new commit"))?.to_owned();
        let body = json!({ "sha": commit, "force": false });
        match self.github.repo_call(Method::PATCH, &format!("/git/refs/heads/{}", self.branch), Some(body)).await {
            Ok(_) => Ok(Some(commit)),
            // "Update is not a fast forward": someone saved in between.
            Err(e) if e.status() == Some(422) || e.status() == Some(409) => Err(RepoError::Moved),
            Err(e) => Err(failed(e)),
        }
    }
}
