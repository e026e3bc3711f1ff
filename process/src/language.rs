//! The languages Tessera's pages speak, and the words of the process model in each of them.
//!
//! The UI's own sentences live in `app/locales` (leptos_i18n). The names declared in this crate
//! (object kinds, states, processes, options) are declared here with both their words, next to
//! the thing they name, so that a new state or process cannot be added without its Swedish.

use serde::{Deserialize, Serialize};

/// A language of the UI: English, and Swedish (the home market of the products operators know).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    English,
    Swedish,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::English, Language::Swedish];

    /// The BCP 47 code (`<html lang>`, the language cookie, `Accept-Language`).
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Swedish => "sv",
        }
    }

    /// The language's name in itself, as a language chooser shows it.
    pub fn endonym(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Swedish => "Svenska",
        }
    }

    /// A language tag such as `sv`, `sv-SE` or `en-GB`; `None` for a language Tessera does not
    /// speak.
    pub fn from_code(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The first language of an `Accept-Language` header that Tessera speaks, in the order the
    /// browser prefers (by `q`, then by position); English when none is.
    pub fn from_accept_language(header: &str) -> Self {
        let mut ranked: Vec<(u16, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, item)| {
                let mut parts = item.split(';');
                let tag = parts.next()?.trim();
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                // Thousandths: `q` has at most three decimals (RFC 9110).
                Some(((q.clamp(0.0, 1.0) * 1000.0) as u16, i, tag))
            })
            .filter(|(q, _, _)| *q > 0)
            .collect();
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked
            .into_iter()
            .find_map(|(_, _, tag)| Self::from_code(tag))
            .unwrap_or_default()
    }
}

/// One name in every language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    pub en: &'static str,
    pub sv: &'static str,
}

impl Words {
    pub const fn new(en: &'static str, sv: &'static str) -> Self {
        Words { en, sv }
    }

    pub fn of(self, language: Language) -> &'static str {
        match language {
            Language::English => self.en,
            Language::Swedish => self.sv,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_names_its_primary_language() {
        assert_eq!(Language::from_code("sv-SE"), Some(Language::Swedish));
        assert_eq!(Language::from_code("EN_gb"), Some(Language::English));
        assert_eq!(Language::from_code("de"), None);
    }

    #[test]
    fn accept_language_picks_the_preferred_language_tessera_speaks() {
        assert_eq!(
            Language::from_accept_language("de-DE,sv;q=0.8,en;q=0.7"),
            Language::Swedish
        );
        assert_eq!(
            Language::from_accept_language("en;q=0.5, sv-SE;q=0.9"),
            Language::Swedish
        );
        assert_eq!(
            Language::from_accept_language("sv;q=0, en"),
            Language::English
        );
        assert_eq!(Language::from_accept_language("fi, de"), Language::English);
        assert_eq!(Language::from_accept_language(""), Language::English);
    }
}
