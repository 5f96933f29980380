//! Closed lists of choices. The string values are the API contract.

use serde::{Deserialize, Serialize};

use super::Problem;

/// Declares an enum whose variants map one-to-one to contract strings.
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $value:literal, $nl:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $value)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn parse(raw: &str) -> Result<Self, Problem> {
                match raw.trim() {
                    "" => Err(Problem::Missing),
                    $($value => Ok($name::$variant),)+
                    _ => Err(Problem::UnknownChoice),
                }
            }

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $value,)+ }
            }

            /// The Dutch label, as the coordinator reads it. (Visitors see
            /// the site's labels, from site/i18n/<lang>.toml.)
            pub fn label_nl(self) -> &'static str {
                match self { $($name::$variant => $nl,)+ }
            }
        }
    };
}

choice!(
    /// Where the family lives. `Other` is anywhere the programmes don't run.
    Municipality {
        Heemskerk => "heemskerk", "Heemskerk";
        Beverwijk => "beverwijk", "Beverwijk";
        WijkAanZee => "wijk-aan-zee", "Wijk aan Zee";
        Opsterland => "opsterland", "Opsterland";
        Ooststellingwerf => "ooststellingwerf", "Ooststellingwerf";
        Weststellingwerf => "weststellingwerf", "Weststellingwerf";
        SudwestFryslan => "sudwest-fryslan", "Súdwest-Fryslân";
        DeFryskeMarren => "de-fryske-marren", "De Fryske Marren";
        Other => "other", "Andere gemeente";
    }
);

choice!(
    /// The help a parent asks for, or a professional refers to.
    Programme {
        HomeStart => "home-start", "Home-Start";
        Buurtgezinnen => "buurtgezinnen", "Buurtgezinnen";
        Taalhuis => "taalhuis", "Taalhuis";
        Unsure => "unsure", "Weet ik nog niet";
    }
);

impl Programme {
    /// Programmes that take volunteers (`buurtgezinnen`: a support family).
    pub fn takes_volunteers(self) -> bool {
        self != Programme::Unsure
    }
}

/// A box the user must tick: `yes`, `on` (a checked checkbox) or `true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent;

impl Consent {
    pub fn parse(raw: Option<&str>) -> Result<Self, Problem> {
        match raw.map(|v| v.trim().to_ascii_lowercase()) {
            None => Err(Problem::Missing),
            Some(v) if v.is_empty() => Err(Problem::Missing),
            Some(v) if matches!(v.as_str(), "yes" | "on" | "true") => Ok(Consent),
            Some(_) => Err(Problem::NotConsented),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips() {
        for m in Municipality::ALL {
            assert_eq!(Municipality::parse(m.as_str()), Ok(*m));
        }
        for p in Programme::ALL {
            assert_eq!(Programme::parse(p.as_str()), Ok(*p));
        }
    }

    #[test]
    fn unknown_values_are_refused() {
        assert_eq!(Municipality::parse("amsterdam"), Err(Problem::UnknownChoice));
        assert_eq!(Programme::parse("Home-Start"), Err(Problem::UnknownChoice));
    }

    #[test]
    fn consent_takes_the_checkbox_values() {
        for ok in ["yes", "on", "true", "TRUE"] {
            assert_eq!(Consent::parse(Some(ok)), Ok(Consent));
        }
        assert_eq!(Consent::parse(None), Err(Problem::Missing));
        assert_eq!(Consent::parse(Some("no")), Err(Problem::NotConsented));
    }
}
