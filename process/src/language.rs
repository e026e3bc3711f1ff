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

/// One name in every language of the UI. Serializable, as the tables that hold it (catalogue,
/// option schemas) are; a DTO carries the one language its reader asked for, as a `String`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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

/// [`Words::new`], short enough for the tables of this crate (catalogue, options, lists).
pub(crate) const fn w(en: &'static str, sv: &'static str) -> Words {
    Words::new(en, sv)
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

    /// Names written the same in both languages: abbreviations and the names of standards.
    const SAME_IN_BOTH: &[&str] = &[
        "Status",
        "PIN",
        "CA",
        "OCSP",
        "ID",
        "ECDSA P-256",
        "RSA 2048",
    ];

    /// Every name this crate declares for operators to read, with where it is declared.
    fn every_declared_name() -> Vec<(String, Words)> {
        use crate::bridge::{EncodingStep, JobState};
        use crate::catalogue::CATALOGUE;
        use crate::dto::ActivationState;
        use crate::lists::{SortBy, LISTS};
        use crate::profile::{ExtendedKeyUsage, KeyAlgorithm, KeyUsageBit};
        use crate::{CertPurpose, ObjectKind, OptionsPackage, RevocationReason, Role, State};

        let mut all = Vec::new();
        let mut add = |what: String, words: Words| all.push((what, words));
        for k in ObjectKind::ALL {
            add(format!("ObjectKind::{k:?}"), k.words());
            add(format!("ObjectKind::{k:?} (noun)"), k.noun_words());
            for s in State::all(*k) {
                add(format!("{s:?}"), s.words());
            }
        }
        for r in Role::ALL {
            add(format!("Role::{r:?}"), r.words());
        }
        for s in SortBy::ALL {
            add(format!("SortBy::{s:?}"), s.words());
        }
        for s in EncodingStep::ALL {
            add(format!("EncodingStep::{s:?}"), s.words());
        }
        for s in JobState::ALL {
            add(format!("JobState::{s:?}"), s.words());
        }
        for s in ActivationState::ALL {
            add(format!("ActivationState::{s:?}"), s.words());
        }
        for p in CertPurpose::ALL {
            add(format!("CertPurpose::{p:?}"), p.words());
        }
        for b in KeyUsageBit::ALL {
            add(format!("KeyUsageBit::{b:?}"), b.words());
        }
        for e in ExtendedKeyUsage::ALL {
            add(format!("ExtendedKeyUsage::{e:?}"), e.words());
        }
        for a in KeyAlgorithm::ALL {
            add(format!("KeyAlgorithm::{a:?}"), a.words());
        }
        for r in RevocationReason::ALL {
            add(format!("RevocationReason::{r:?}"), r.words());
        }
        for p in OptionsPackage::ALL {
            add(format!("OptionsPackage::{p:?}"), p.words());
            for d in p.schema() {
                add(format!("{p:?}.{} (label)", d.key), d.label);
                add(format!("{p:?}.{} (help)", d.key), d.help);
            }
        }
        for d in CATALOGUE {
            add(format!("CATALOGUE {:?}", d.id), d.name);
        }
        for d in LISTS {
            add(format!("LISTS {:?} (title)", d.id), d.title);
            add(format!("LISTS {:?} (purpose)", d.id), d.purpose);
            add(format!("LISTS {:?} (empty)", d.id), d.empty);
        }
        all
    }

    #[test]
    fn every_declared_name_has_its_swedish() {
        let all = every_declared_name();
        // Every table and enum above contributed.
        assert!(all.len() > 200, "{} names", all.len());
        for (what, words) in &all {
            assert!(!words.en.trim().is_empty(), "{what}: no English");
            assert!(
                !words.sv.trim().is_empty(),
                "{what}: no Swedish for \"{}\"",
                words.en
            );
            assert_eq!(
                words.sv,
                words.sv.trim(),
                "{what}: spaces around the Swedish"
            );
            assert!(
                !words.sv.eq_ignore_ascii_case(words.en) || SAME_IN_BOTH.contains(&words.en),
                "{what}: the Swedish of \"{}\" is a copy of the English",
                words.en
            );
            assert_eq!(words.of(Language::English), words.en);
            assert_eq!(words.of(Language::Swedish), words.sv);
        }
    }

    #[test]
    fn a_stored_state_name_means_the_same_words_in_every_kind() {
        use crate::{ObjectKind, State};
        // `State::label_of_in` reads a stored name without its kind: it must not matter which
        // kind's words it finds.
        let states: Vec<State> = ObjectKind::ALL
            .iter()
            .flat_map(|k| State::all(*k))
            .collect();
        for a in &states {
            for b in states.iter().filter(|b| b.as_str() == a.as_str()) {
                assert_eq!(a.words(), b.words(), "{a:?} and {b:?}");
            }
            assert_eq!(
                State::label_of_in(a.as_str(), Language::Swedish),
                a.words().sv
            );
            assert_eq!(State::label_of(a.as_str()), a.label());
        }
        assert_eq!(
            State::label_of_in("no_such_state", Language::Swedish),
            "no_such_state"
        );
    }
}
