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
    /// A message that says what to do, in the user's language. On a
    /// referral, `name`, `email` and `phone` are the family's, not the
    /// writer's, so the message says whose they are.
    pub fn message(self, field: Field, lang: Lang, about_family: bool) -> String {
        use Field as F;
        use Problem as P;
        let en = lang == Lang::En;
        let s = match (self, field) {
            (P::Missing, F::Name) if about_family && en => "Enter the parent's name",
            (P::Missing, F::Name) if about_family => "Vul de naam van de ouder in",
            (P::NoWayToReply, _) if about_family && en => {
                "Enter the parent's email address or phone number, so the coordinator can reach them"
            }
            (P::NoWayToReply, _) if about_family => {
                "Vul een e-mailadres of telefoonnummer van de ouder in, zodat de coördinator contact kan opnemen"
            }
            (P::Missing, F::Name) if en => "Enter your name",
            (P::Missing, F::Name) => "Vul je naam in",
            (P::Missing, F::ReferrerName) if en => "Enter your own name",
            (P::Missing, F::ReferrerName) => "Vul je eigen naam in",
            (P::Missing, F::ReferrerOrganisation) if en => "Enter the name of your organisation",
            (P::Missing, F::ReferrerOrganisation) => "Vul de naam van je organisatie in",
            (P::Missing, F::ReferrerEmail) if en => "Enter your work email address",
            (P::Missing, F::ReferrerEmail) => "Vul je e-mailadres voor je werk in",
            (P::Missing, F::Municipality) if en => "Choose the municipality where the family lives",
            (P::Missing, F::Municipality) => "Kies de gemeente waar het gezin woont",
            (P::Missing, F::Programme) if en => "Choose the help you are interested in",
            (P::Missing, F::Programme) => "Kies welke hulp je zoekt",
            (P::Missing, F::Message) if en => "Write your message",
            (P::Missing, F::Message) => "Schrijf je bericht",
            (P::Missing | P::NotConsented, F::PrivacyConsent) if en => {
                "Tick the box to agree that we use your details to help you"
            }
            (P::Missing | P::NotConsented, F::PrivacyConsent) => {
                "Zet een vinkje om akkoord te gaan dat we je gegevens gebruiken om je te helpen"
            }
            (P::Missing | P::NotConsented, F::ParentConsent) if en => {
                "Tick the box to confirm that the parent agrees to this referral"
            }
            (P::Missing | P::NotConsented, F::ParentConsent) => {
                "Zet een vinkje om te bevestigen dat de ouder akkoord is met deze verwijzing"
            }
            (P::Missing, _) if en => "Fill in this field",
            (P::Missing, _) => "Vul dit veld in",
            (P::NoWayToReply, _) if en => "Enter an email address or a phone number, so we can reply",
            (P::NoWayToReply, _) => "Vul een e-mailadres of telefoonnummer in, zodat we je kunnen antwoorden",
            (P::TooLong { max }, _) if en => return format!("Use at most {max} characters"),
            (P::TooLong { max }, _) => return format!("Gebruik maximaal {max} tekens"),
            (P::ControlCharacter, _) if en => "Remove the line breaks or special characters",
            (P::ControlCharacter, _) => "Haal de regeleinden of speciale tekens weg",
            (P::InvalidEmail, _) if en => "Enter an email address like name@example.com",
            (P::InvalidEmail, _) => "Vul een e-mailadres in zoals naam@voorbeeld.nl",
            (P::LookalikeEmail, _) if en => "Check the email address: it mixes letters from different alphabets",
            (P::LookalikeEmail, _) => "Controleer het e-mailadres: er staan letters uit verschillende alfabetten in",
            (P::InvalidPhone, _) if en => "Enter a phone number like 06 12345678 or +31 6 12345678",
            (P::InvalidPhone, _) => "Vul een telefoonnummer in zoals 06 12345678 of +31 6 12345678",
            (P::UnknownChoice | P::ChoiceNotAllowed, _) if en => "Choose one of the options",
            (P::UnknownChoice | P::ChoiceNotAllowed, _) => "Kies een van de mogelijkheden",
            (P::NotConsented, _) if en => "Tick the box to agree",
            (P::NotConsented, _) => "Zet een vinkje om akkoord te gaan",
            (P::InvalidId, _) if en => "Reload the page and send the form again",
            (P::InvalidId, _) => "Laad de pagina opnieuw en verstuur het formulier nog een keer",
            (P::Malformed, _) if en => "Send this field once, as text",
            (P::Malformed, _) => "Stuur dit veld één keer mee, als tekst",
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
