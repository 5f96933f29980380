//! The local default: every mail becomes an `.eml` file in the outbox,
//! named after its record, so a developer can open it in any mail client.

use std::path::PathBuf;

use async_trait::async_trait;

use super::{MailError, Mailer, OutgoingMail};
use crate::store::MailKind;

pub struct FileMailer {
    outbox: PathBuf,
}

impl FileMailer {
    pub fn new(outbox: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(&outbox)?;
        Ok(Self { outbox })
    }
}

#[async_trait]
impl Mailer for FileMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let kind = match mail.kind {
            MailKind::Coordinator => "coordinator",
            MailKind::Confirmation => "confirmation",
        };
        let name = format!("{}.{kind}.eml", mail.record_id);
        let (tmp, done) = (self.outbox.join(format!(".{name}.tmp")), self.outbox.join(name));
        // Write then rename: a reader never sees half a mail.
        tokio::fs::write(&tmp, mail.message.formatted()).await.map_err(|e| MailError::temporary(e.to_string()))?;
        tokio::fs::rename(&tmp, &done).await.map_err(|e| MailError::temporary(e.to_string()))
    }
}
