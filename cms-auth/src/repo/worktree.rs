//! The files of a local checkout, for `make edit` without an account: the
//! same policy and minimal save as on AWS, no commit (use git as usual).

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::{Change, FileData, RepoError, Repository, Version, sha256_id, within};
use crate::policy::RepoPath;

pub struct Worktree {
    root: PathBuf,
    /// One save at a time, as commits on a branch are.
    lock: tokio::sync::Mutex<()>,
}

fn unavailable(e: impl std::fmt::Display) -> RepoError {
    RepoError::Unavailable(e.to_string())
}

impl Worktree {
    pub fn new(root: PathBuf) -> std::io::Result<Self> {
        Ok(Self { root: root.canonicalize()?, lock: tokio::sync::Mutex::new(()) })
    }

    /// The file's place on disk; refused if a link in the way leads out of
    /// the checkout (a path with `..` never gets here: `RepoPath`).
    fn place(&self, path: &RepoPath) -> Result<PathBuf, RepoError> {
        let full = self.root.join(path.as_str());
        let mut existing = full.as_path();
        while !existing.exists() {
            existing = existing.parent().unwrap_or(&self.root);
        }
        let real = existing.canonicalize().map_err(unavailable)?;
        if !real.starts_with(&self.root) {
            return Err(RepoError::Unavailable(format!("{path} leads out of the checkout")));
        }
        Ok(full)
    }
}

#[async_trait]
impl Repository for Worktree {
    async fn version(&self) -> Result<Version, RepoError> {
        Ok(Version(None))
    }

    async fn list(&self, _: &Version, folder: &RepoPath, extension: &str, depth: usize) -> Result<Vec<RepoPath>, RepoError> {
        let dir = self.place(folder)?;
        let root = self.root.clone();
        let (folder, extension) = (folder.as_str().to_owned(), extension.to_owned());
        tokio::task::spawn_blocking(move || {
            let mut found = Vec::new();
            walk(&root, &dir, depth.max(1), &mut found);
            found.retain(|p| within(&folder, p, &extension, depth));
            found.sort();
            found.into_iter().filter_map(|p| RepoPath::parse(&p).ok()).collect()
        })
        .await
        .map_err(unavailable)
    }

    async fn read(&self, _: &Version, path: &RepoPath) -> Result<Option<FileData>, RepoError> {
        match tokio::fs::read(self.place(path)?).await {
            Ok(bytes) => Ok(Some(FileData { id: sha256_id(&bytes), bytes })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn commit(&self, _: &Version, change: &Change) -> Result<Option<String>, RepoError> {
        let _one_at_a_time = self.lock.lock().await;
        for (path, bytes) in &change.writes {
            let place = self.place(path)?;
            if let Some(dir) = place.parent() {
                tokio::fs::create_dir_all(dir).await.map_err(unavailable)?;
            }
            // Write then rename: the site's rebuild never reads half a file.
            let temporary = place.with_file_name(format!(".{}.saving", path.file_name()));
            tokio::fs::write(&temporary, bytes).await.map_err(unavailable)?;
            tokio::fs::rename(&temporary, &place).await.map_err(unavailable)?;
        }
        for path in &change.deletes {
            match tokio::fs::remove_file(self.place(path)?).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(unavailable(e)),
                _ => {}
            }
        }
        Ok(None)
    }
}

/// Relative paths of the files under `dir`, `depth` levels deep; links are not followed.
fn walk(root: &Path, dir: &Path, depth: usize, found: &mut Vec<String>) {
    if depth == 0 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        let path = entry.path();
        if kind.is_dir() {
            walk(root, &path, depth - 1, found);
        } else if kind.is_file()
            && let Ok(relative) = path.strip_prefix(root)
        {
            found.push(relative.to_string_lossy().into_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::Author;

    #[tokio::test]
    async fn reads_lists_and_writes_inside_the_checkout_only() {
        let dir = tempfile::TempDir::new().unwrap();
        std::fs::create_dir_all(dir.path().join("site/content/berichten")).unwrap();
        std::fs::write(dir.path().join("site/content/a.md"), "A").unwrap();
        std::fs::write(dir.path().join("site/content/berichten/b.md"), "B").unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("site/content/uit")).unwrap();
        let tree = Worktree::new(dir.path().to_owned()).unwrap();
        let at = tree.version().await.unwrap();
        let folder = RepoPath::parse("site/content").unwrap();
        let listed: Vec<String> = tree.list(&at, &folder, "md", 1).await.unwrap().iter().map(|p| p.to_string()).collect();
        assert_eq!(listed, ["site/content/a.md"]);
        let a = RepoPath::parse("site/content/a.md").unwrap();
        assert_eq!(tree.read(&at, &a).await.unwrap().unwrap().bytes, b"A");
        let author = Author { name: "Ans".into(), email: "ans@example.org".into() };
        let change = Change { writes: vec![(a.clone(), b"A2".to_vec())], deletes: vec![], message: "m".into(), author };
        assert_eq!(tree.commit(&at, &change).await.unwrap(), None);
        assert_eq!(std::fs::read(dir.path().join("site/content/a.md")).unwrap(), b"A2");
        let out = RepoPath::parse("site/content/uit/passwd").unwrap();
        assert!(tree.read(&at, &out).await.is_err(), "a link out of the checkout is not followed");
    }
}
