//! Where the site's files are read and saved, chosen by configuration:
//! `github` (the repository through a GitHub App; one save is one commit)
//! or `worktree` (the files of a local checkout, no commit: `make edit`).
//! Adapters get only paths the policy allowed (`crate::content`).

mod github;
mod worktree;

use async_trait::async_trait;

pub use github::{GitHubRepository, PARALLEL_READS};
pub use worktree::Worktree;

use crate::policy::RepoPath;

/// The state of the repository that reads came from and a save builds on:
/// a commit for GitHub, nothing for a checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version(pub Option<String>);

pub struct FileData {
    pub bytes: Vec<u8>,
    /// Changes whenever the content does (Decap compares it).
    pub id: String,
}

/// Who saved: every commit names the editor as its author.
#[derive(Clone, Debug)]
pub struct Author {
    pub name: String,
    pub email: String,
}

pub struct Change {
    pub writes: Vec<(RepoPath, Vec<u8>)>,
    pub deletes: Vec<RepoPath>,
    pub message: String,
    pub author: Author,
}

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// Someone saved in between: read again and build on the new state.
    #[error("the branch moved while saving")]
    Moved,
    #[error("{0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Repository: Send + Sync {
    async fn version(&self) -> Result<Version, RepoError>;
    /// Files under `folder`, at most `depth` folders down, whose names end in `extension`.
    async fn list(&self, at: &Version, folder: &RepoPath, extension: &str, depth: usize) -> Result<Vec<RepoPath>, RepoError>;
    async fn read(&self, at: &Version, path: &RepoPath) -> Result<Option<FileData>, RepoError>;
    /// Saves `change` on top of `base`; the new commit, if the adapter makes one.
    async fn commit(&self, base: &Version, change: &Change) -> Result<Option<String>, RepoError>;
}

/// `depth` as Decap means it: 1 is the folder itself.
pub(crate) fn within(folder: &str, path: &str, extension: &str, depth: usize) -> bool {
    let Some(rest) = path.strip_prefix(folder).and_then(|r| r.strip_prefix('/')) else {
        return false;
    };
    rest.ends_with(extension) && rest.split('/').count() <= depth.max(1)
}

pub(crate) fn sha256_id(bytes: &[u8]) -> String {
    crate::store::sha256_hex(bytes)
}
