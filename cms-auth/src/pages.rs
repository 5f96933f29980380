//! The few pages this server shows itself, in Dutch, in the site's own
//! style (/style.css): all from askama templates, escaped by askama.

use askama::Template;

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage<'a> {
    pub title: &'a str,
    pub address: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "sent.html")]
pub struct SentPage<'a> {
    pub title: &'a str,
    pub address: &'a str,
}

#[derive(Template)]
#[template(path = "link.html")]
pub struct LinkPage<'a> {
    pub title: &'a str,
    pub token: &'a str,
}

#[derive(Template)]
#[template(path = "link_problem.html")]
pub struct LinkProblemPage<'a> {
    pub title: &'a str,
    pub problem: &'a str,
    pub address: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub next: &'a str,
}

pub const TITLE_SIGN_IN: &str = "Inloggen op de editor";
pub const TITLE_SENT: &str = "Kijk in je mail";
pub const ADDRESS_PROBLEM: &str = "Vul je mailadres in, zo: naam@organisatie.nl.";
pub const TOO_MANY: &str = "Je hebt de afgelopen tijd te vaak een link gevraagd. Wacht een kwartier en probeer het dan opnieuw. De link uit je laatste mail werkt nog.";
pub const LINK_USED: &str = "Deze link is al gebruikt. Een link werkt maar één keer.";
pub const LINK_EXPIRED: &str = "Deze link is verlopen. Een link werkt 15 minuten.";
pub const LINK_INVALID: &str = "Deze link werkt niet. Misschien is hij niet helemaal overgenomen uit de mail.";
pub const UNAVAILABLE: &str = "Inloggen lukt nu even niet. Probeer het over een paar minuten opnieuw. Lukt het dan nog niet, meld het aan de beheerder van de site.";

/// A template as a page; templates only fail on a bug, and then the
/// editor still gets a plain sentence.
pub fn render(template: &impl Template) -> String {
    template.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "page template failed");
        forms::html::escape(UNAVAILABLE)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_editor_typed_is_shown_as_text() {
        let html = render(&SentPage { title: TITLE_SENT, address: "<script>x</script>@example.org" });
        assert!(!html.contains("<script>x") && html.contains("&#60;script&#62;x"), "{html}");
        let html = render(&SignInPage { title: TITLE_SIGN_IN, address: "\"><b>", error: Some(ADDRESS_PROBLEM) });
        assert!(!html.contains("\"><b>") && html.contains("aria-invalid=\"true\"") && html.contains(ADDRESS_PROBLEM), "{html}");
    }
}
