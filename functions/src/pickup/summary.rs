//! What may be said about a form where others can see it: pickup pages,
//! reminders, the fallback inbox, the operator's list. Only fixed labels
//! and the reference, never anything a person typed.

use serde::Serialize;
use uuid::Uuid;

use crate::domain::FormKind;
use crate::store::Record;
use crate::words;

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub reference: Uuid,
    pub form: FormKind,
    pub programme: Option<&'static str>,
    pub municipality: Option<&'static str>,
}

impl Summary {
    pub fn of(record: &Record) -> Self {
        let s = &record.submission;
        Self {
            reference: record.id,
            form: s.kind(),
            programme: s.programme().map(|p| p.label_nl()),
            municipality: s.municipality.map(|m| m.label_nl()),
        }
    }

    pub fn facts(&self) -> Vec<(&'static str, String)> {
        vec![
            (words::REFERENCE, self.reference.to_string()),
            (words::FORM, self.form.label_nl().to_owned()),
            (words::PROGRAMME, self.programme.unwrap_or(words::NO_PROGRAMME).to_owned()),
            (words::MUNICIPALITY, self.municipality.unwrap_or(words::NO_MUNICIPALITY).to_owned()),
        ]
    }
}
