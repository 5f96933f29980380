//! A whole form, parsed. Holding a `Submission` means every rule held.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    ChildrenAges, Consent, EmailAddress, Field, FieldErrors, Lang, MessageText, Municipality, Organisation, PersonName,
    PhoneNumber, Problem, Programme, RawForm,
};

/// The four forms. The string values are the URL segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormKind {
    Contact,
    Registration,
    Referral,
    Volunteer,
}

impl FormKind {
    pub const ALL: [FormKind; 4] = [FormKind::Contact, FormKind::Registration, FormKind::Referral, FormKind::Volunteer];

    pub fn from_segment(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == segment)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FormKind::Contact => "contact",
            FormKind::Registration => "registration",
            FormKind::Referral => "referral",
            FormKind::Volunteer => "volunteer",
        }
    }

    /// How coordinators call this form (mail subject, labels).
    pub fn label_nl(self) -> &'static str {
        match self {
            FormKind::Contact => "Contactformulier",
            FormKind::Registration => "Aanmelding",
            FormKind::Referral => "Verwijzing",
            FormKind::Volunteer => "Vrijwilliger",
        }
    }

    /// The site page that shows this form.
    pub fn page_path(self, lang: Lang) -> &'static str {
        let find = |lang: Lang| {
            site_paths::FORM_PAGES.iter().find(|(k, l, _)| *k == self.as_str() && *l == lang.as_str()).map(|(_, _, p)| *p)
        };
        // A language without this page gets the default language's.
        find(lang).or_else(|| find(Lang::default())).unwrap_or("/")
    }
}

/// Form and thank-you page paths, read from the site's content at build
/// time (functions/build.rs): one source for them.
mod site_paths {
    include!(concat!(env!("OUT_DIR"), "/site_paths.rs"));
}

/// Where a browser goes once its form is received.
pub fn thank_you_path(lang: Lang) -> &'static str {
    let find = |lang: Lang| site_paths::THANK_YOU_PAGES.iter().find(|(l, _)| *l == lang.as_str()).map(|(_, p)| *p);
    find(lang).or_else(|| find(Lang::default())).unwrap_or("/")
}

/// How we can answer someone: at least one of the two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    Email(EmailAddress),
    Phone(PhoneNumber),
    Both(EmailAddress, PhoneNumber),
}

impl Reach {
    pub fn email(&self) -> Option<&EmailAddress> {
        match self {
            Reach::Email(e) | Reach::Both(e, _) => Some(e),
            Reach::Phone(_) => None,
        }
    }

    pub fn phone(&self) -> Option<&PhoneNumber> {
        match self {
            Reach::Phone(p) | Reach::Both(_, p) => Some(p),
            Reach::Email(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Referrer {
    pub name: PersonName,
    pub organisation: Organisation,
    pub email: EmailAddress,
    pub phone: Option<PhoneNumber>,
}

/// What only one kind of form carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Details {
    Contact,
    Registration {
        programme: Programme,
        children_ages: Option<ChildrenAges>,
    },
    /// The parent agreed to the referral: the form cannot be parsed without it.
    Referral {
        referrer: Referrer,
        programme: Programme,
    },
    Volunteer {
        programme: Programme,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub lang: Lang,
    /// The person the form is about: the sender, or the referred family.
    pub name: PersonName,
    pub reach: Reach,
    pub municipality: Option<Municipality>,
    pub message: Option<MessageText>,
    pub details: Details,
}

/// What a post turned out to be.
#[derive(Debug)]
pub enum Parsed {
    Valid {
        submission: Box<Submission>,
        key: Option<Uuid>,
    },
    /// The honeypot was filled: a bot. Answer as if all went well, with
    /// its own key if it sent one (as a stored form is answered).
    Bot {
        key: Option<Uuid>,
    },
    Invalid {
        errors: FieldErrors,
        lang: Lang,
    },
}

impl Submission {
    pub fn kind(&self) -> FormKind {
        match self.details {
            Details::Contact => FormKind::Contact,
            Details::Registration { .. } => FormKind::Registration,
            Details::Referral { .. } => FormKind::Referral,
            Details::Volunteer { .. } => FormKind::Volunteer,
        }
    }

    pub fn programme(&self) -> Option<Programme> {
        match &self.details {
            Details::Contact => None,
            Details::Registration { programme, .. } | Details::Referral { programme, .. } | Details::Volunteer { programme } => {
                Some(*programme)
            }
        }
    }

    /// Where a coordinator's answer goes: the referrer for a referral.
    pub fn reply_to(&self) -> Option<(&PersonName, &EmailAddress)> {
        match &self.details {
            Details::Referral { referrer, .. } => Some((&referrer.name, &referrer.email)),
            _ => self.reach.email().map(|e| (&self.name, e)),
        }
    }

    /// Every address stored in this submission (for data requests).
    pub fn email_addresses(&self) -> Vec<&EmailAddress> {
        let mut all: Vec<&EmailAddress> = self.reach.email().into_iter().collect();
        if let Details::Referral { referrer, .. } = &self.details {
            all.push(&referrer.email);
        }
        all
    }

    /// Every field with its Dutch label, in form order, for the coordinator.
    pub fn labelled_fields(&self) -> Vec<(&'static str, String)> {
        let referral = matches!(self.details, Details::Referral { .. });
        let mut rows = vec![(Field::Name.label_nl_about_family(referral), self.name.as_str().to_owned())];
        if let Some(e) = self.reach.email() {
            rows.push((Field::Email.label_nl_about_family(referral), e.to_string()));
        }
        if let Some(p) = self.reach.phone() {
            rows.push((Field::Phone.label_nl_about_family(referral), p.as_str().to_owned()));
        }
        if let Some(m) = self.municipality {
            rows.push((Field::Municipality.label_nl_about_family(referral), m.label_nl().to_owned()));
        }
        if let Some(p) = self.programme() {
            rows.push((Field::Programme.label_nl(), p.label_nl().to_owned()));
        }
        match &self.details {
            Details::Registration { children_ages: Some(ages), .. } => {
                rows.push((Field::ChildrenAges.label_nl(), ages.as_str().to_owned()));
            }
            Details::Referral { referrer, .. } => {
                rows.push((Field::ReferrerName.label_nl(), referrer.name.as_str().to_owned()));
                rows.push((Field::ReferrerOrganisation.label_nl(), referrer.organisation.as_str().to_owned()));
                rows.push((Field::ReferrerEmail.label_nl(), referrer.email.to_string()));
                if let Some(p) = &referrer.phone {
                    rows.push((Field::ReferrerPhone.label_nl(), p.as_str().to_owned()));
                }
                rows.push((Field::ParentConsent.label_nl(), "Ja, de ouder is akkoord".to_owned()));
            }
            _ => {}
        }
        if let Some(m) = &self.message {
            rows.push((Field::Message.label_nl(), m.as_str().to_owned()));
        }
        rows.push((Field::PrivacyConsent.label_nl(), "Ja".to_owned()));
        rows.push(("Taal", self.lang.name_nl().to_owned()));
        rows
    }
}

/// Reads one form post. Collects every problem, not just the first.
pub fn parse(kind: FormKind, raw: &RawForm) -> Parsed {
    let lang = Lang::parse(raw.get("lang"));
    if is_bot(raw) {
        return Parsed::Bot { key: raw.get("submission_id").and_then(|v| submission_key(v).ok()) };
    }
    let errors = if kind == FormKind::Referral { FieldErrors::about_family() } else { FieldErrors::default() };
    let mut p = FieldParser { raw, errors };
    let common = Common::parse(kind, &mut p);
    let key = p.optional(Field::SubmissionId, submission_key).flatten();
    let details = Details::parse(kind, &mut p);
    match (common, details) {
        (Some(common), Some(details)) if p.errors.is_empty() => {
            let Common { name, reach, municipality, message } = common;
            Parsed::Valid { submission: Box::new(Submission { lang, name, reach, municipality, message, details }), key }
        }
        _ => Parsed::Invalid { errors: p.errors, lang },
    }
}

/// A filled honeypot (`website`), which people never see.
fn is_bot(raw: &RawForm) -> bool {
    raw.get("website").is_some_and(|v| !v.trim().is_empty()) || raw.is_malformed("website")
}

/// What every form asks: who it is about, how to reach them, where, what,
/// and the consent to keep it.
struct Common {
    name: PersonName,
    reach: Reach,
    municipality: Option<Municipality>,
    message: Option<MessageText>,
}

impl Common {
    /// `None` when anything is missing or wrong (reported in `p`).
    fn parse(kind: FormKind, p: &mut FieldParser<'_>) -> Option<Self> {
        let name = p.required(Field::Name, PersonName::parse);
        let reach = Reach::parse(p);
        let municipality = match kind {
            FormKind::Contact => p.optional(Field::Municipality, Municipality::parse),
            _ => p.required(Field::Municipality, Municipality::parse).map(Some),
        };
        let message = match kind {
            FormKind::Contact | FormKind::Referral => p.required(Field::Message, MessageText::parse).map(Some),
            _ => p.optional(Field::Message, MessageText::parse),
        };
        let consent = p.required(Field::PrivacyConsent, |v| Consent::parse(Some(v)));
        consent?;
        // Each `?` after every field is read: all problems are reported.
        Some(Common { name: name?, reach: reach?, municipality: municipality?, message: message? })
    }
}

impl Reach {
    /// An email address, a phone number or both; neither is a problem of
    /// its own, reported at the email field.
    fn parse(p: &mut FieldParser<'_>) -> Option<Self> {
        let email = p.optional(Field::Email, EmailAddress::parse);
        let phone = p.optional(Field::Phone, PhoneNumber::parse);
        match (email?, phone?) {
            (Some(e), Some(ph)) => Some(Reach::Both(e, ph)),
            (Some(e), None) => Some(Reach::Email(e)),
            (None, Some(ph)) => Some(Reach::Phone(ph)),
            (None, None) => {
                p.errors.add(Field::Email, Problem::NoWayToReply);
                None
            }
        }
    }
}

impl Details {
    fn parse(kind: FormKind, p: &mut FieldParser<'_>) -> Option<Self> {
        match kind {
            FormKind::Contact => Some(Details::Contact),
            FormKind::Registration => {
                let programme = p.required(Field::Programme, Programme::parse);
                let children_ages = p.optional(Field::ChildrenAges, ChildrenAges::parse).flatten();
                Some(Details::Registration { programme: programme?, children_ages })
            }
            FormKind::Referral => {
                let referrer = Referrer::parse(p);
                let programme = p.required(Field::Programme, Programme::parse);
                let consent = p.required(Field::ParentConsent, |v| Consent::parse(Some(v)));
                consent?;
                Some(Details::Referral { referrer: referrer?, programme: programme? })
            }
            FormKind::Volunteer => {
                let programme = p.required(Field::Programme, |v| {
                    Programme::parse(v).and_then(|pr| if pr.takes_volunteers() { Ok(pr) } else { Err(Problem::ChoiceNotAllowed) })
                });
                Some(Details::Volunteer { programme: programme? })
            }
        }
    }
}

impl Referrer {
    fn parse(p: &mut FieldParser<'_>) -> Option<Self> {
        let name = p.required(Field::ReferrerName, PersonName::parse);
        let organisation = p.required(Field::ReferrerOrganisation, Organisation::parse);
        let email = p.required(Field::ReferrerEmail, EmailAddress::parse);
        let phone = p.optional(Field::ReferrerPhone, PhoneNumber::parse).flatten();
        Some(Referrer { name: name?, organisation: organisation?, email: email?, phone })
    }
}

/// The sender's idempotency key: a UUID.
fn submission_key(raw: &str) -> Result<Uuid, Problem> {
    Uuid::try_parse(raw.trim()).map_err(|_| Problem::InvalidId)
}

struct FieldParser<'a> {
    raw: &'a RawForm,
    errors: FieldErrors,
}

impl FieldParser<'_> {
    /// A field that must be there and valid.
    fn required<T>(&mut self, field: Field, parse: impl FnOnce(&str) -> Result<T, Problem>) -> Option<T> {
        self.optional(field, parse).flatten().or_else(|| {
            self.errors.add(field, Problem::Missing);
            None
        })
    }

    /// `None`: invalid (reported). `Some(None)`: left empty. `Some(Some(v))`: valid.
    fn optional<T>(&mut self, field: Field, parse: impl FnOnce(&str) -> Result<T, Problem>) -> Option<Option<T>> {
        if self.raw.is_malformed(field.as_str()) {
            self.errors.add(field, Problem::Malformed);
            return None;
        }
        match self.raw.get(field.as_str()).filter(|v| !v.trim().is_empty()) {
            None => Some(None),
            Some(v) => match parse(v) {
                Ok(value) => Some(Some(value)),
                Err(problem) => {
                    self.errors.add(field, problem);
                    None
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &str) -> RawForm {
        RawForm::from_urlencoded(body.as_bytes())
    }

    fn errors(kind: FormKind, body: &str) -> Vec<(&'static str, Problem)> {
        match parse(kind, &form(body)) {
            Parsed::Invalid { errors, .. } => errors.iter().map(|(f, p)| (f.as_str(), p)).collect(),
            other => panic!("expected errors, got {other:?}"),
        }
    }

    #[test]
    fn every_form_has_its_own_page_and_a_thank_you_page_in_each_language() {
        // Read from site/content at build time; these are the paths the site has today.
        assert_eq!(FormKind::Registration.page_path(Lang::Nl), "/aanmelden/");
        assert_eq!(FormKind::Registration.page_path(Lang::En), "/en/sign-up/");
        assert_eq!(thank_you_path(Lang::En), "/en/thank-you/");
        for lang in Lang::ALL {
            let pages: Vec<&str> = FormKind::ALL.iter().map(|k| k.page_path(lang)).collect();
            let mut unique = pages.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), FormKind::ALL.len(), "{pages:?}");
            assert_ne!(thank_you_path(lang), "/");
        }
    }

    #[test]
    fn a_complete_contact_form_is_valid() {
        let parsed = parse(FormKind::Contact, &form("name=Sanne&email=sanne%40example.org&message=Hallo&privacy_consent=on"));
        let Parsed::Valid { submission, key } = parsed else { panic!("{parsed:?}") };
        assert_eq!(submission.kind(), FormKind::Contact);
        assert_eq!(submission.municipality, None);
        assert_eq!(key, None);
    }

    #[test]
    fn an_empty_contact_form_names_every_missing_field() {
        assert_eq!(
            errors(FormKind::Contact, ""),
            vec![
                ("name", Problem::Missing),
                ("email", Problem::NoWayToReply),
                ("message", Problem::Missing),
                ("privacy_consent", Problem::Missing)
            ]
        );
    }

    #[test]
    fn a_phone_number_is_enough_to_reply() {
        let parsed = parse(
            FormKind::Registration,
            &form("name=Ali&phone=0612345678&municipality=beverwijk&programme=home-start&privacy_consent=yes"),
        );
        let Parsed::Valid { submission, .. } = parsed else { panic!("{parsed:?}") };
        assert_eq!(submission.reach, Reach::Phone(PhoneNumber::parse("0612345678").unwrap()));
        assert_eq!(submission.reply_to(), None);
    }

    #[test]
    fn municipality_is_required_except_on_contact() {
        let e = errors(FormKind::Volunteer, "name=A&email=a%40example.org&programme=taalhuis&privacy_consent=yes");
        assert_eq!(e, vec![("municipality", Problem::Missing)]);
    }

    #[test]
    fn a_referral_needs_the_parent_and_the_referrer() {
        let e = errors(
            FormKind::Referral,
            "name=Gezin&phone=0251123456&municipality=heemskerk&programme=buurtgezinnen&message=Reden&privacy_consent=yes",
        );
        assert_eq!(
            e,
            vec![
                ("referrer_name", Problem::Missing),
                ("referrer_organisation", Problem::Missing),
                ("referrer_email", Problem::Missing),
                ("parent_consent", Problem::Missing)
            ]
        );
    }

    #[test]
    fn a_referral_replies_to_the_referrer() {
        let parsed = parse(
            FormKind::Referral,
            &form(
                "name=Gezin+B&email=ouder%40example.org&municipality=heemskerk&programme=home-start&message=Reden&privacy_consent=yes&parent_consent=yes&referrer_name=Els&referrer_organisation=School&referrer_email=els%40school.example.org",
            ),
        );
        let Parsed::Valid { submission, .. } = parsed else { panic!("{parsed:?}") };
        assert_eq!(submission.reply_to().unwrap().1.as_str(), "els@school.example.org");
        assert_eq!(submission.email_addresses().len(), 2);
    }

    #[test]
    fn nobody_volunteers_for_unsure() {
        let e = errors(
            FormKind::Volunteer,
            "name=A&email=a%40example.org&municipality=heemskerk&programme=unsure&privacy_consent=yes",
        );
        assert_eq!(e, vec![("programme", Problem::ChoiceNotAllowed)]);
    }

    #[test]
    fn a_filled_honeypot_is_a_bot_whatever_else_is_sent() {
        assert!(matches!(parse(FormKind::Contact, &form("website=http%3A%2F%2Fspam")), Parsed::Bot { key: None }));
    }

    #[test]
    fn the_submission_id_must_be_a_uuid() {
        let e = errors(FormKind::Contact, "name=A&email=a%40example.org&message=x&privacy_consent=yes&submission_id=123");
        assert_eq!(e, vec![("submission_id", Problem::InvalidId)]);
    }

    #[test]
    fn errors_come_in_the_users_language() {
        let Parsed::Invalid { errors, lang } = parse(FormKind::Contact, &form("lang=en")) else { panic!() };
        assert_eq!(lang, Lang::En);
        assert_eq!(errors.messages(lang)["name"], "Enter your name");
    }

    #[test]
    fn on_a_referral_the_messages_say_the_details_are_the_parents() {
        let Parsed::Invalid { errors, lang } = parse(FormKind::Referral, &form("lang=en")) else { panic!() };
        let messages = errors.messages(lang);
        assert_eq!(messages["name"], "Enter the parent's name");
        assert_eq!(messages["referrer_name"], "Enter your own name");
        assert!(messages["email"].contains("parent's email address or phone number"), "{messages:?}");
    }
}
