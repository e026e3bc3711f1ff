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

/// A sentence in every language of the UI, made at run time: what the engine says when it refuses
/// something ("The count must be between 1 and 50."). Written with [`said!`](crate::said), which
/// formats both from the same arguments. Its `Display` is the English, so that logs, the audit
/// log and tests read as before; a page shows [`Said::of`] its reader's language.
///
/// There is deliberately no `From<String>`: a sentence without its Swedish does not compile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Said {
    pub en: String,
    pub sv: String,
}

impl Said {
    pub fn new(en: impl Into<String>, sv: impl Into<String>) -> Self {
        Said {
            en: en.into(),
            sv: sv.into(),
        }
    }

    /// Text that reads the same in every language: a name, a number, a value someone typed.
    pub fn same(text: impl Into<String>) -> Self {
        let text = text.into();
        Said {
            sv: text.clone(),
            en: text,
        }
    }

    pub fn of(&self, language: Language) -> &str {
        match language {
            Language::English => &self.en,
            Language::Swedish => &self.sv,
        }
    }

    /// Each language's sentence changed the same way (a prefix, a detail appended).
    pub fn map(self, mut f: impl FnMut(String, Language) -> String) -> Self {
        Said {
            en: f(self.en, Language::English),
            sv: f(self.sv, Language::Swedish),
        }
    }
}

impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl From<Words> for Said {
    fn from(words: Words) -> Self {
        Said::new(words.en, words.sv)
    }
}

impl From<&Said> for Said {
    fn from(said: &Said) -> Self {
        said.clone()
    }
}

/// A [`Said`]: the English and the Swedish format string, formatted like `format!`. Both see the
/// same arguments: inline captures (`{max}`), and named arguments (`n = rows.len()`), each
/// evaluated once. A named argument need not appear in both sentences.
///
/// ```
/// use tessera_process::said;
/// let max = 50;
/// let s = said!("The count must be between 1 and {max}.", "Antalet måste vara mellan 1 och {max}.");
/// assert_eq!(s.to_string(), "The count must be between 1 and 50.");
/// let s = said!("{n} rows", "{n} rader", n = 2 + 1);
/// assert_eq!(s.sv, "3 rader");
/// ```
#[macro_export]
macro_rules! said {
    ($en:literal, $sv:literal $(,)?) => {
        $crate::Said::new(::std::format!($en), ::std::format!($sv))
    };
    ($en:literal, $sv:literal, $($name:ident = $value:expr),+ $(,)?) => {{
        $(
            #[allow(unused_variables)]
            let $name = $value;
        )+
        $crate::Said::new(::std::format!($en), ::std::format!($sv))
    }};
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
    fn said_formats_both_languages_from_the_same_arguments() {
        let max = 50;
        let s = crate::said!("Between 1 and {max}.", "Mellan 1 och {max}.");
        assert_eq!(s.of(Language::English), "Between 1 and 50.");
        assert_eq!(s.of(Language::Swedish), "Mellan 1 och 50.");
        assert_eq!(s.to_string(), "Between 1 and 50.");
        let s = crate::said!("{n} rows, {what:?}", "{n} rader", n = 1 + 2, what = "x");
        assert_eq!(s.en, "3 rows, \"x\"");
        assert_eq!(s.sv, "3 rader");
        let s: Said = Words::new("card", "kort").into();
        assert_eq!((s.en.as_str(), s.sv.as_str()), ("card", "kort"));
        assert_eq!(Said::same("42").of(Language::Swedish), "42");
        let s = s.map(|t, l| format!("{t} ({})", l.code()));
        assert_eq!((s.en.as_str(), s.sv.as_str()), ("card (en)", "kort (sv)"));
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
