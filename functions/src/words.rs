//! What coordinators and operators read, in Dutch, in one place: the
//! coordinator's mail, the mail to the fallback inbox, the pickup loop's
//! mails and pages, the facts about a form that others may see, the
//! operator's list, and how a moment is written for them (Dutch time, one
//! format).
//!
//! Residents' words are translated and live in `site/i18n/<lang>.toml`
//! (`crate::texts`). These stay Dutch: the coordinators work in Dutch.
//! The templates in `functions/templates/` hold only layout and the
//! button's label.

use time::OffsetDateTime;

use crate::amsterdam::amsterdam_time;
use crate::domain::{Details, EmailAddress, Lang, Programme, Submission};
use crate::store::{FormMail, Refusal};

/// `27-11-2026`: the date in the Netherlands.
pub fn date(t: OffsetDateTime) -> String {
    let t = amsterdam_time(t);
    format!("{:02}-{:02}-{}", t.day(), u8::from(t.month()), t.year())
}

/// `27-11-2026 om 14:05`: date and time in the Netherlands.
pub fn date_time(t: OffsetDateTime) -> String {
    let local = amsterdam_time(t);
    format!("{} om {:02}:{:02}", date(t), local.hour(), local.minute())
}

// The coordinator's mail (and the fallback inbox's copy of it).

/// From fixed labels only: no user text ever reaches a header.
pub fn coordinator_subject(s: &Submission) -> String {
    let place = s.municipality.map_or("gemeente niet opgegeven", |m| m.label_nl());
    match s.programme() {
        Some(p) => format!("{}: {} – {}", s.kind().label_nl(), p.label_nl(), place),
        None => format!("{} – {}", s.kind().label_nl(), place),
    }
}

pub fn coordinator_heading(s: &Submission) -> String {
    format!("{} via de website", s.kind().label_nl())
}

/// The first thing a coordinator needs: how to answer.
pub fn coordinator_action(s: &Submission) -> String {
    match (&s.details, s.reply_to(), s.reach.phone()) {
        (Details::Referral { referrer, .. }, _, _) => format!(
            "Beantwoord deze mail om {} ({}) te antwoorden. De ouder is akkoord met de verwijzing.",
            referrer.name.as_str(),
            referrer.organisation.as_str()
        ),
        (_, Some(_), Some(phone)) => format!("Beantwoord deze mail of bel {} op {}.", s.name.as_str(), phone.as_str()),
        (_, Some(_), None) => format!("Beantwoord deze mail om {} te antwoorden.", s.name.as_str()),
        (_, None, Some(phone)) => format!("Geen e-mailadres: bel {} op {}.", s.name.as_str(), phone.as_str()),
        (_, None, None) => unreachable!("a Submission always has an email address or a phone number"),
    }
}

/// In which language the sender wrote, so the coordinator can plan an
/// interpreter or simple Dutch. Nothing for Dutch.
pub fn language_note(lang: Lang) -> Option<String> {
    (lang != Lang::Nl).then(|| {
        format!("Let op: de afzender schreef in het {}. Plan zo nodig een tolk, of gebruik eenvoudig Nederlands.", lang.name_nl())
    })
}

pub fn received(t: OffsetDateTime) -> String {
    format!("{} (Nederlandse tijd)", date_time(t))
}

pub fn dead_letter_subject(s: &Submission) -> String {
    format!("Niet afgeleverd: {}", coordinator_subject(s))
}

/// On top of a refused mail in the fallback inbox: what was refused, by
/// whom and why, and what to do.
pub fn dead_letter_action(refusal: &Refusal, s: &Submission) -> String {
    let which = match refusal.mail {
        FormMail::Coordinator => "De mail aan de coördinator",
        FormMail::Confirmation => "De bevestiging aan de afzender",
    };
    format!(
        "Niet afgeleverd. {which} is geweigerd door {}. Reden: {}. Stuur dit formulier door naar de juiste persoon \
         en controleer het adres in site/data/directory.toml. {}",
        refusal.address,
        refusal.reason.trim(),
        coordinator_action(s)
    )
}

// The pickup loop's mails. None of them says anything about the family.

/// A subject and the paragraphs of a mail.
pub struct Wording {
    pub subject: String,
    pub lines: Vec<String>,
}

/// To the routed coordinator, `days` working days after the form came in.
pub fn reminder(s: &Submission, received: OffsetDateTime, days: u32) -> Wording {
    Wording {
        subject: format!("Herinnering: {}", coordinator_subject(s)),
        lines: vec![
            format!("Dit formulier kwam binnen op {} en is na {days} werkdagen nog niet opgepakt.", date_time(received)),
            "Pak jij het op? Klik dan op de knop. De gegevens staan in de eerste mail, hieronder in dit gesprek.".into(),
            format!("Is het over {days} werkdagen nog niet opgepakt, dan krijgt de algemene inbox een bericht."),
        ],
    }
}

/// To the fallback inbox: whose form it is, and how long it waited.
pub fn escalation(s: &Submission, routed_to: &EmailAddress, received: OffsetDateTime, waited: u32) -> Wording {
    Wording {
        subject: format!("Niet opgepakt: {}", coordinator_subject(s)),
        lines: vec![
            format!(
                "Een formulier voor {routed_to} wacht al {waited} werkdagen. Het kwam binnen op {}. Er is een herinnering \
                 gestuurd, maar niemand heeft het opgepakt.",
                date_time(received)
            ),
            format!(
                "Neem contact op met {routed_to} of pak het zelf op. Wie op de knop klikt, pakt het op voor iedereen: dan \
                 stoppen de herinneringen."
            ),
        ],
    }
}

/// To the referrer: their referral is being handled.
pub fn referrer_notice(referrer: &str, programme: Programme, received: OffsetDateTime, reference: &str) -> Wording {
    Wording {
        subject: "Je verwijzing is opgepakt".into(),
        lines: vec![
            format!("Hallo {referrer},"),
            format!(
                "Je verwijzing van {} is opgepakt door de coördinator van {}. De coördinator neemt contact op met het gezin.",
                date(received),
                programme.label_nl()
            ),
            format!("Kenmerk: {reference}"),
        ],
    }
}

// The pages behind a pickup link (`crate::pickup::pages`).

/// A page's title and paragraphs.
pub struct PageWords {
    pub title: &'static str,
    pub lines: &'static [&'static str],
}

/// The table of facts on a pickup page, for screen readers.
pub const FACTS_CAPTION: &str = "Over dit formulier";

/// The one field on the page with the button: who picks the form up.
pub struct PickerField {
    pub label: &'static str,
    pub optional: &'static str,
    pub hint: &'static str,
    /// Before the page's title when the name typed was not usable.
    pub error_prefix: &'static str,
}

pub const PICKER_FIELD: PickerField = PickerField {
    label: "Je voornaam of initialen",
    optional: "(niet verplicht)",
    hint: "Dan zien je collega's wie het formulier heeft opgepakt.",
    error_prefix: "Fout: ",
};

/// A valid link to a form nobody picked up yet: the button.
pub const CONFIRM_PAGE: PageWords = PageWords {
    title: "Pak je dit formulier op?",
    lines: &["Klik op de knop als jij dit formulier oppakt. Dan krijgt niemand er nog een herinnering over."],
};

pub const PICKED_UP_PAGE: PageWords = PageWords {
    title: "Je hebt dit formulier opgepakt",
    lines: &["Bedankt. Er gaan geen herinneringen meer over dit formulier."],
};

/// After `already_picked_up`, which says by whom and when.
pub const ALREADY_PAGE: PageWords = PageWords { title: "Dit formulier is al opgepakt", lines: &["Je hoeft niets meer te doen."] };

pub fn already_picked_up(at: OffsetDateTime, by: Option<&str>) -> String {
    match by {
        Some(by) => format!("Dit formulier is al opgepakt op {} door {by}.", date_time(at)),
        None => format!("Dit formulier is al opgepakt op {}.", date_time(at)),
    }
}

pub const TAMPERED_PAGE: PageWords = PageWords {
    title: "Deze link klopt niet",
    lines: &[
        "De link is veranderd of niet helemaal overgenomen. Er is niets aangepast.",
        "Open de link opnieuw vanuit de e-mail. Lukt dat niet? Kopieer dan de hele link uit de e-mail.",
    ],
};

pub const GONE_PAGE: PageWords = PageWords {
    title: "Deze link is verlopen",
    lines: &["Dit formulier wordt niet meer bewaard, dus de link werkt niet meer. Er is niets aangepast."],
};

pub const UNAVAILABLE_PAGE: PageWords =
    PageWords { title: "Dit lukt nu even niet", lines: &["Er is niets aangepast. Probeer het over een paar minuten opnieuw."] };

// What may be said about a form where others see it (pickup pages and
// mails, the operator's list): labels and the reference, nothing typed.

pub const REFERENCE: &str = "Kenmerk";
pub const FORM: &str = "Formulier";
pub const PROGRAMME: &str = "Programma";
pub const MUNICIPALITY: &str = "Gemeente";
pub const NO_PROGRAMME: &str = "niet gekozen";
pub const NO_MUNICIPALITY: &str = "niet opgegeven";

/// The column headings of `forms open`.
pub const OPEN_FORMS_HEADINGS: [&str; 7] =
    ["kenmerk", "formulier", "programma", "gemeente", "werkdagen", "herinnerd", "doorgestuurd"];

pub fn yes_no(yes: bool) -> &'static str {
    if yes { "ja" } else { "nee" }
}

/// The name typed on the pickup page was too long.
pub const PICKER_TOO_LONG: &str =
    "Je naam is te lang. Vul alleen je voornaam of initialen in (hoogstens 40 tekens), of laat het vak leeg.";
/// The name typed on the pickup page was not usable otherwise.
pub const PICKER_INVALID: &str = "Vul alleen je voornaam of initialen in, of laat het vak leeg.";

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn one_format_in_dutch_time_winter_and_summer() {
        assert_eq!(date(datetime!(2026-11-27 13:05 UTC)), "27-11-2026");
        assert_eq!(date_time(datetime!(2026-11-27 13:05 UTC)), "27-11-2026 om 14:05");
        assert_eq!(date_time(datetime!(2026-07-01 22:30 UTC)), "02-07-2026 om 00:30", "the Dutch date, not UTC's");
        assert_eq!(received(datetime!(2026-07-01 08:00 UTC)), "01-07-2026 om 10:00 (Nederlandse tijd)");
    }
}
