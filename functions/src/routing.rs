//! Who receives which form, as the site publishes it now: the routing file
//! read through `SiteData` and parsed by the one parser,
//! `Directory::from_toml`. When there is nothing to read, the copy built
//! into the binary; when what was read does not parse, the last copy that
//! did (or the built-in one), with a warning and the
//! `SiteDataUnavailable` metric once per published version. The check
//! before publishing (`forms check-directory`) refuses such a file, so this
//! is the second line, not the first.

use std::sync::{Arc, Mutex};

use crate::directory::Directory;
use crate::site_data::{DIRECTORY_KEY, SiteData, unavailable};

pub struct Routing {
    site: Arc<SiteData>,
    builtin: Arc<Directory>,
    parsed: Mutex<Parsed>,
}

#[derive(Default)]
struct Parsed {
    /// The last text that parsed, and what it parsed to.
    good: Option<(Arc<str>, Arc<Directory>)>,
    /// The last text that did not: not parsed (nor warned about) again.
    refused: Option<Arc<str>>,
}

impl Routing {
    pub fn new(site: Arc<SiteData>, builtin: Directory) -> Self {
        Self { site, builtin: Arc::new(builtin), parsed: Mutex::new(Parsed::default()) }
    }

    /// The copy built into the binary. `[follow_up]` is read from it only:
    /// the promise in a confirmation and the follow-up's rule change with
    /// a stack deploy (tools/publish-plan.py), never between two mails.
    pub fn builtin(&self) -> &Directory {
        &self.builtin
    }

    /// The routing to use for the next decision.
    pub async fn current(&self) -> Arc<Directory> {
        let Some(text) = self.site.read(DIRECTORY_KEY).await else {
            return self.builtin.clone();
        };
        let mut parsed = self.parsed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((seen, directory)) = &parsed.good {
            if *seen == text {
                return directory.clone();
            }
        }
        if parsed.refused.as_ref() != Some(&text) {
            match Directory::from_toml(&text) {
                Ok(directory) => {
                    let directory = Arc::new(directory);
                    parsed.good = Some((text, directory.clone()));
                    return directory;
                }
                Err(e) => {
                    unavailable(DIRECTORY_KEY, &e.for_log(), parsed.good.is_some());
                    parsed.refused = Some(text);
                }
            }
        }
        parsed.good.as_ref().map_or_else(|| self.builtin.clone(), |(_, directory)| directory.clone())
    }
}
