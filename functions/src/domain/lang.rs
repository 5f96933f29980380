use serde::{Deserialize, Serialize};

use crate::texts::{TEXTS, Texts};

/// Language of the replies, error messages and confirmation mail: the
/// site's languages. Their texts come from site/i18n/<lang>.toml
/// (functions/build.rs); the coordinator mail stays Dutch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Nl,
    En,
    Tr,
    Ar,
    Pl,
    Uk,
}

impl Lang {
    /// In the order of build.rs's LANGS (a test checks it).
    pub const ALL: [Lang; 6] = [Lang::Nl, Lang::En, Lang::Tr, Lang::Ar, Lang::Pl, Lang::Uk];

    /// Anything but a known code means Dutch: the site's default language.
    pub fn parse(raw: Option<&str>) -> Self {
        let raw = raw.map(str::trim).unwrap_or("");
        Lang::ALL.into_iter().find(|l| l.as_str().eq_ignore_ascii_case(raw)).unwrap_or_default()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Nl => "nl",
            Lang::En => "en",
            Lang::Tr => "tr",
            Lang::Ar => "ar",
            Lang::Pl => "pl",
            Lang::Uk => "uk",
        }
    }

    /// This language's texts.
    pub fn texts(self) -> &'static Texts {
        &TEXTS[self as usize]
    }

    /// The language's name in Dutch, for the coordinator's mail.
    pub fn name_nl(self) -> &'static str {
        match self {
            Lang::Nl => "Nederlands",
            Lang::En => "Engels",
            Lang::Tr => "Turks",
            Lang::Ar => "Arabisch",
            Lang::Pl => "Pools",
            Lang::Uk => "Oekraïens",
        }
    }

    /// The prefix of this language's pages on the site ("" for Dutch).
    pub fn path_prefix(self) -> &'static str {
        match self {
            Lang::Nl => "",
            Lang::En => "/en",
            Lang::Tr => "/tr",
            Lang::Ar => "/ar",
            Lang::Pl => "/pl",
            Lang::Uk => "/uk",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::CODES;

    #[test]
    fn the_languages_match_the_texts_built_from_site_i18n() {
        assert_eq!(Lang::ALL.map(Lang::as_str), CODES);
    }

    #[test]
    fn every_site_language_is_accepted_and_anything_else_is_dutch() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(Some(lang.as_str())), lang);
            assert_eq!(Lang::parse(Some(&format!(" {} ", lang.as_str().to_uppercase()))), lang);
        }
        assert_eq!(Lang::parse(Some("de")), Lang::Nl);
        assert_eq!(Lang::parse(None), Lang::Nl);
    }

    #[test]
    fn each_language_has_its_own_error_messages() {
        assert_eq!(Lang::Nl.texts().error_missing_name, "Vul je naam in");
        assert_eq!(Lang::En.texts().error_missing_name, "Enter your name");
        let all: std::collections::HashSet<_> = Lang::ALL.iter().map(|l| l.texts().error_missing_name).collect();
        assert_eq!(all.len(), Lang::ALL.len(), "a language still shows another language's text");
    }
}
