//! Field names (the API contract) and what can be wrong with a value.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Serialize, Serializer};

use super::Lang;

/// Every field a form may carry. The string names are the API contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Name,
    Email,
    Phone,
    Municipality,
    Programme,
    ChildrenAges,
    ReferrerName,
    ReferrerOrganisation,
    ReferrerEmail,
    ReferrerPhone,
    Message,
    PrivacyConsent,
    ParentConsent,
    SubmissionId,
}

impl Field {
    pub const ALL: [Field; 14] = [
        Field::Name,
        Field::Email,
        Field::Phone,
        Field::Municipality,
        Field::Programme,
        Field::ChildrenAges,
        Field::ReferrerName,
        Field::ReferrerOrganisation,
        Field::ReferrerEmail,
        Field::ReferrerPhone,
        Field::Message,
        Field::PrivacyConsent,
        Field::ParentConsent,
        Field::SubmissionId,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::Municipality => "municipality",
            Field::Programme => "programme",
            Field::ChildrenAges => "children_ages",
            Field::ReferrerName => "referrer_name",
            Field::ReferrerOrganisation => "referrer_organisation",
            Field::ReferrerEmail => "referrer_email",
            Field::ReferrerPhone => "referrer_phone",
            Field::Message => "message",
            Field::PrivacyConsent => "privacy_consent",
            Field::ParentConsent => "parent_consent",
            Field::SubmissionId => "submission_id",
        }
    }

    /// The Dutch label, as coordinators read it in their mail.
    pub fn label_nl(self) -> &'static str {
        match self {
            Field::Name => "Naam",
            Field::Email => "E-mailadres",
            Field::Phone => "Telefoonnummer",
            Field::Municipality => "Gemeente",
            Field::Programme => "Programma",
            Field::ChildrenAges => "Leeftijd van de kinderen",
            Field::ReferrerName => "Naam verwijzer",
            Field::ReferrerOrganisation => "Organisatie verwijzer",
            Field::ReferrerEmail => "E-mailadres verwijzer",
            Field::ReferrerPhone => "Telefoonnummer verwijzer",
            Field::Message => "Bericht",
            Field::PrivacyConsent => "Toestemming privacy",
            Field::ParentConsent => "Toestemming ouder",
            Field::SubmissionId => "Formulier-id",
        }
    }

    /// As `label_nl`, but in a referral the name and contact details are
    /// the family's, next to the referrer's: the label says so.
    pub fn label_nl_about_family(self, referral: bool) -> &'static str {
        match (self, referral) {
            (Field::Name, true) => "Naam ouder",
            (Field::Email, true) => "E-mailadres ouder",
            (Field::Phone, true) => "Telefoonnummer ouder",
            (Field::Municipality, true) => "Gemeente gezin",
            (field, _) => field.label_nl(),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What is wrong with one field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Missing,
    TooLong {
        max: usize,
    },
    /// A line break, NUL or other control character where none belongs.
    ControlCharacter,
    InvalidEmail,
    /// The domain mixes look-alike letters from different alphabets.
    LookalikeEmail,
    InvalidPhone,
    /// Neither an email address nor a phone number.
    NoWayToReply,
    UnknownChoice,
    /// Not offered in this form (e.g. `unsure` on the volunteer form).
    ChoiceNotAllowed,
    NotConsented,
    InvalidId,
    /// Sent more than once, or as something other than text.
    Malformed,
}

impl Problem {
    /// A message that says what to do, in the user's language (texts from
    /// site/i18n/<lang>.toml). On a
    /// referral, `name`, `email` and `phone` are the family's, not the
    /// writer's, so the message says whose they are.
    pub fn message(self, field: Field, lang: Lang, about_family: bool) -> String {
        use Field as F;
        use Problem as P;
        let t = lang.texts();
        let s = match (self, field) {
            (P::Missing, F::Name) if about_family => t.error_missing_parent_name,
            (P::NoWayToReply, _) if about_family => t.error_no_way_to_reply_parent,
            (P::Missing, F::Name) => t.error_missing_name,
            (P::Missing, F::ReferrerName) => t.error_missing_referrer_name,
            (P::Missing, F::ReferrerOrganisation) => t.error_missing_referrer_organisation,
            (P::Missing, F::ReferrerEmail) => t.error_missing_referrer_email,
            (P::Missing, F::Municipality) => t.error_missing_municipality,
            (P::Missing, F::Programme) => t.error_missing_programme,
            (P::Missing, F::Message) => t.error_missing_message,
            (P::Missing | P::NotConsented, F::PrivacyConsent) => t.error_missing_privacy_consent,
            (P::Missing | P::NotConsented, F::ParentConsent) => t.error_missing_parent_consent,
            (P::Missing, _) => t.error_missing,
            (P::NoWayToReply, _) => t.error_no_way_to_reply,
            (P::TooLong { max }, _) => return t.error_too_long.replace("{max}", &max.to_string()),
            (P::ControlCharacter, _) => t.error_control_character,
            (P::InvalidEmail, _) => t.error_invalid_email,
            (P::LookalikeEmail, _) => t.error_lookalike_email,
            (P::InvalidPhone, _) => t.error_invalid_phone,
            (P::UnknownChoice | P::ChoiceNotAllowed, _) => t.error_unknown_choice,
            (P::NotConsented, _) => t.error_not_consented,
            (P::InvalidId, _) => t.error_invalid_id,
            (P::Malformed, _) => t.error_malformed,
        };
        s.to_owned()
    }
}

/// Every problem found in one submission, at most one per field.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors {
    problems: BTreeMap<Field, Problem>,
    /// The person fields describe a family someone else refers.
    about_family: bool,
}

impl FieldErrors {
    pub fn about_family() -> Self {
        Self { about_family: true, ..Self::default() }
    }

    pub fn message(&self, field: Field, problem: Problem, lang: Lang) -> String {
        problem.message(field, lang, self.about_family)
    }

    pub fn add(&mut self, field: Field, problem: Problem) {
        self.problems.entry(field).or_insert(problem);
    }

    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }

    pub fn get(&self, field: Field) -> Option<Problem> {
        self.problems.get(&field).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (Field, Problem)> + '_ {
        self.problems.iter().map(|(f, p)| (*f, *p))
    }

    /// Field name → message, for the JSON answer and the error page.
    pub fn messages(&self, lang: Lang) -> BTreeMap<&'static str, String> {
        self.iter().map(|(f, p)| (f.as_str(), self.message(f, p, lang))).collect()
    }
}
