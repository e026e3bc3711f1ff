use sea_orm::DbErr;
use tessera_process::{
    ErrorKind, Language, ObjectKind, OptionError, ProcessId, Said, State, Words,
};

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Everything the engine refuses, in words a person can act on: in English as its `Display` (logs,
/// the audit log, tests), in the reader's language through [`EngineError::message`].
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("You are not signed in, or your session has expired. Sign in again.")]
    Unauthenticated,
    #[error("Wrong user name or password.")]
    BadCredentials,
    #[error("Too many failed sign-ins from here for this user name. Wait {seconds} seconds, then try again.")]
    TooManyAttempts { seconds: i64 },
    /// Too many requests from one source, or in all: answered at once, before any work.
    #[error("Too many {} right now. Wait {seconds} seconds, then try again.", .what.en)]
    RateLimited { what: Words, seconds: u64 },
    /// The server has no room for more of this work now.
    #[error("The server is busy with other {}. Try again in {seconds} seconds.", .what.en)]
    Busy { what: Words, seconds: u64 },
    /// What the account may not do, completing "Your account may not …" ("Ditt konto får
    /// inte …").
    #[error("Your account may not {0}.")]
    Forbidden(Said),
    /// An id below 1 is none Tessera gives: an address whose id is not a number asks for it.
    #[error("There is no {} {}.", kind.label().to_lowercase(), if *id > 0 { format!("with id {id}") } else { "at this address".to_string() })]
    NotFound { kind: ObjectKind, id: i64 },
    #[error("\"{}\" is not enabled for a {} in state \"{}\". An administrator can enable it under Additional Commands.", .name.en, state.kind().label().to_lowercase(), state.as_str())]
    NotEnabled { name: Words, state: State },
    #[error("\"{}\" needs the {} to be {}, but it is \"{}\".", .name.en, actual.kind().label().to_lowercase(), states_or(required, " or ", ('"', '"'), State::as_str), actual.as_str())]
    WrongState {
        /// The process's name.
        name: Words,
        /// The states the process starts from.
        required: &'static [State],
        actual: State,
    },
    #[error("This {} was changed by someone else in the meantime. Reload the page and try again.", kind.label().to_lowercase())]
    Conflict { kind: ObjectKind },
    /// Four eyes: whoever asked for a `what` (card, user, change) does not decide it. Its
    /// Swedish is the whole noun phrase, "det här kortet", as Swedish nouns have a gender.
    #[error("You requested this {} yourself, so another approver must decide it.", .what.en)]
    SelfApproval { what: Words },
    /// Bad input or a rule of the process, in words a person can act on (400).
    #[error("{0}")]
    Invalid(Said),
    /// What the request names does not exist (404): an account, a change, a job, a version.
    #[error("{0}")]
    Missing(Said),
    /// The request is right, but the state of things does not allow it now (409): someone
    /// changed it meanwhile, it waits for a decision, a production runs, a reader is busy.
    #[error("{0}")]
    NotNow(Said),
    /// Stored data the server cannot read: a fault of the server, not of the request. Its
    /// details are for the administrator, in English.
    #[error("{0}")]
    Corrupt(String),
    /// Bad input in one field of a form: the browser shows the message at that field.
    #[error("{message}")]
    Field {
        /// The field's name in the form (`upn`, `password`, `reason`).
        field: &'static str,
        message: Said,
    },
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Options(Vec<OptionError>),
    #[error("{process} has no transition from {from} to {to}.")]
    NoTransition {
        process: ProcessId,
        from: String,
        to: String,
    },
    #[error("The audit log is broken at record {seq}: {why}")]
    AuditBroken { seq: i64, why: String },
    /// A public key or CSR that the CA will not sign, with the reason.
    #[error("{0}")]
    BadKey(Said),
    /// The CA or the key store is misconfigured (KEK, PKCS#11 token): for the operator of the
    /// server, not for the person at the browser.
    #[error("Key management is misconfigured: {0}")]
    Config(String),
    #[error("A cryptographic operation failed: {0}")]
    Crypto(String),
    #[error("The database failed: {0}")]
    Db(#[from] DbErr),
}

impl EngineError {
    /// Bad input in `field`, with words a person can act on.
    pub fn bad_input(field: &'static str, message: impl Into<Said>) -> Self {
        EngineError::Field {
            field,
            message: message.into(),
        }
    }

    /// The same refusal about another field: a rule shared by forms that name it differently.
    pub fn at_field(self, field: &'static str) -> Self {
        match self {
            EngineError::Field { message, .. } => EngineError::Field { field, message },
            other => other,
        }
    }

    /// What kind of refusal this is, for the browser and for the HTTP status.
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::Unauthenticated | EngineError::BadCredentials => {
                ErrorKind::Unauthenticated
            }
            EngineError::Forbidden(_) | EngineError::SelfApproval { .. } => ErrorKind::Forbidden,
            EngineError::NotFound { .. } | EngineError::Missing(_) => ErrorKind::NotFound,
            EngineError::NotNow(_)
            | EngineError::NotEnabled { .. }
            | EngineError::WrongState { .. }
            | EngineError::Conflict { .. } => ErrorKind::Conflict,
            EngineError::TooManyAttempts { .. } | EngineError::RateLimited { .. } => {
                ErrorKind::RateLimited
            }
            EngineError::Busy { .. } => ErrorKind::Busy,
            EngineError::Invalid(_)
            | EngineError::Field { .. }
            | EngineError::Options(_)
            | EngineError::BadKey(_) => ErrorKind::BadRequest,
            EngineError::Db(_)
            | EngineError::Corrupt(_)
            | EngineError::AuditBroken { .. }
            | EngineError::NoTransition { .. }
            | EngineError::Config(_)
            | EngineError::Crypto(_) => ErrorKind::Internal,
        }
    }

    /// The HTTP status a refusal is answered with, so that clients and monitoring can tell a
    /// wrong request from a fault of the server.
    pub fn status(&self) -> u16 {
        self.kind().status()
    }

    /// The form field the refusal is about: the field of bad input, or the first option a saved
    /// document got wrong.
    pub fn field(&self) -> Option<String> {
        match self {
            EngineError::Field { field, .. } => Some((*field).to_string()),
            EngineError::Options(errors) => errors.first().map(|e| match e {
                OptionError::UnknownKey { key, .. } | OptionError::Invalid { key, .. } => {
                    key.clone()
                }
            }),
            _ => None,
        }
    }

    /// For 429 and 503: when to try again, in seconds.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            EngineError::TooManyAttempts { seconds } => Some((*seconds).max(1) as u64),
            EngineError::RateLimited { seconds, .. } | EngineError::Busy { seconds, .. } => {
                Some(*seconds)
            }
            _ => None,
        }
    }

    /// The refusal in `language`, for the person who made the request. English is the
    /// `Display`; an internal fault keeps its English details (it is for the administrator).
    pub fn message(&self, language: Language) -> String {
        match language {
            Language::English => self.to_string(),
            Language::Swedish => self.swedish(),
        }
    }

    fn swedish(&self) -> String {
        let sv = Language::Swedish;
        match self {
            EngineError::Unauthenticated => {
                "Du är inte inloggad, eller så har din session gått ut. Logga in igen.".into()
            }
            EngineError::BadCredentials => "Fel användarnamn eller lösenord.".into(),
            EngineError::TooManyAttempts { seconds } => format!(
                "För många misslyckade inloggningar härifrån för det här användarnamnet. Vänta {seconds} sekunder och försök sedan igen."
            ),
            EngineError::RateLimited { what, seconds } => format!(
                "För många {} just nu. Vänta {seconds} sekunder och försök sedan igen.",
                what.of(sv)
            ),
            EngineError::Busy { what, seconds } => format!(
                "Servern är upptagen med andra {}. Försök igen om {seconds} sekunder.",
                what.of(sv)
            ),
            EngineError::Forbidden(what) => format!("Ditt konto får inte {}.", what.of(sv)),
            EngineError::NotFound { kind, id } => {
                let noun = Swedish::of(*kind);
                if *id > 0 {
                    format!("Det finns {} {} med id {id}.", noun.none, noun.indefinite)
                } else {
                    format!("Det finns {} {} på den här adressen.", noun.none, noun.indefinite)
                }
            }
            EngineError::NotEnabled { name, state } => {
                let noun = Swedish::of(state.kind());
                format!(
                    "”{}” är inte aktiverat för {} {} i tillståndet ”{}”. En administratör kan aktivera det under Ytterligare kommandon.",
                    name.of(sv),
                    noun.article,
                    noun.indefinite,
                    state.words().of(sv)
                )
            }
            EngineError::WrongState {
                name,
                required,
                actual,
            } => format!(
                "”{}” kan bara utföras när {} har tillståndet {}, men tillståndet är ”{}”.",
                name.of(sv),
                Swedish::of(actual.kind()).definite,
                states_or(required, " eller ", ('”', '”'), |s| s.words().of(sv)),
                actual.words().of(sv)
            ),
            EngineError::Conflict { kind } => format!(
                "{} har ändrats av någon annan under tiden. Ladda om sidan och försök igen.",
                capitalized(Swedish::of(*kind).definite)
            ),
            EngineError::SelfApproval { what } => format!(
                "Du har själv begärt {}, så en annan godkännare måste fatta beslutet.",
                what.of(sv)
            ),
            EngineError::Invalid(said)
            | EngineError::Missing(said)
            | EngineError::NotNow(said)
            | EngineError::BadKey(said)
            | EngineError::Field { message: said, .. } => said.of(sv).to_string(),
            EngineError::Options(errors) => errors
                .iter()
                .map(|e| e.message(sv))
                .collect::<Vec<_>>()
                .join("; "),
            EngineError::Corrupt(details) => {
                format!("Servern kan inte läsa sina lagrade uppgifter: {details}")
            }
            // Internal faults: shown as a generic message, their details logged in English.
            EngineError::NoTransition { .. }
            | EngineError::AuditBroken { .. }
            | EngineError::Config(_)
            | EngineError::Crypto(_)
            | EngineError::Db(_) => self.to_string(),
        }
    }

    /// Whether the message is for the person who made the request (as opposed to an internal
    /// fault, which is logged and shown as a generic message).
    pub fn is_user_facing(&self) -> bool {
        !matches!(
            self,
            EngineError::Db(_)
                | EngineError::AuditBroken { .. }
                | EngineError::NoTransition { .. }
                | EngineError::Config(_)
                | EngineError::Crypto(_)
        )
    }
}

/// States as a choice ("\"active\" or \"inactive\""), each named by `name` between the
/// language's quotation marks.
fn states_or(
    states: &[State],
    or: &str,
    (open, close): (char, char),
    name: impl Fn(State) -> &'static str,
) -> String {
    states
        .iter()
        .map(|s| format!("{open}{}{close}", name(*s)))
        .collect::<Vec<_>>()
        .join(or)
}

pub(crate) fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The Swedish forms of an object kind inside a sentence: Swedish nouns have a gender (the
/// article and "no" agree with it) and a definite form.
pub(crate) struct Swedish {
    /// "kort", "användare" ([`ObjectKind::noun_words`]).
    pub indefinite: &'static str,
    /// "ett", "en".
    pub article: &'static str,
    /// "inget", "ingen".
    pub none: &'static str,
    /// "kortet", "användaren".
    pub definite: &'static str,
    /// "kort", "användare", "batchbeställningar".
    pub plural: &'static str,
}

impl Swedish {
    pub fn of(kind: ObjectKind) -> Swedish {
        let indefinite = kind.noun_words().sv;
        let (neuter, definite, plural) = match kind {
            ObjectKind::User => (false, "användaren", "användare"),
            ObjectKind::Card => (true, "kortet", "kort"),
            ObjectKind::TempCard => (true, "det tillfälliga kortet", "tillfälliga kort"),
            ObjectKind::MobileId => (true, "det mobila ID:t", "mobila ID"),
            ObjectKind::Certificate => (true, "certifikatet", "certifikat"),
            ObjectKind::BatchOrder => (false, "batchbeställningen", "batchbeställningar"),
        };
        Swedish {
            indefinite,
            article: if neuter { "ett" } else { "en" },
            none: if neuter { "inget" } else { "ingen" },
            definite,
            plural,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_process::{said, CardState, ProcessId, UserState};

    /// A sample of every refusal a person reads, the fixed ones and those with a sentence.
    fn samples() -> Vec<EngineError> {
        let card = State::Card(CardState::Active);
        let def = ProcessId::UsersProcCreate.def();
        vec![
            EngineError::Unauthenticated,
            EngineError::BadCredentials,
            EngineError::TooManyAttempts { seconds: 30 },
            EngineError::RateLimited {
                what: Words::new("sign-ins", "inloggningar"),
                seconds: 5,
            },
            EngineError::Busy {
                what: Words::new("sign-ins", "inloggningar"),
                seconds: 3,
            },
            EngineError::Forbidden(said!("manage accounts", "hantera konton")),
            EngineError::NotFound {
                kind: ObjectKind::Card,
                id: 7,
            },
            EngineError::NotFound {
                kind: ObjectKind::User,
                id: 0,
            },
            EngineError::NotEnabled {
                name: def.name,
                state: card,
            },
            EngineError::WrongState {
                name: def.name,
                required: &[
                    State::User(UserState::Active),
                    State::User(UserState::Inactive),
                ],
                actual: State::User(UserState::Locked),
            },
            EngineError::Conflict {
                kind: ObjectKind::TempCard,
            },
            EngineError::SelfApproval {
                what: Words::new("card", "det här kortet"),
            },
            EngineError::Invalid(said!("Nothing was changed.", "Ingenting ändrades.")),
            EngineError::Missing(said!("There is no job 3.", "Det finns inget jobb 3.")),
            EngineError::NotNow(said!("Wait.", "Vänta.")),
            EngineError::BadKey(said!("Bad key.", "Felaktig nyckel.")),
            EngineError::bad_input("upn", said!("The UPN is required.", "UPN krävs.")),
            EngineError::Options(
                tessera_process::OptionsPackage::TempCardsScriptOptions
                    .apply_form(
                        &tessera_process::OptionsPackage::TempCardsScriptOptions.defaults(),
                        &[("TempCardsPinLength".into(), "3".into())],
                    )
                    .unwrap_err(),
            ),
            EngineError::Corrupt("a stored outcome is not readable".into()),
        ]
    }

    #[test]
    fn every_refusal_a_person_reads_has_its_swedish() {
        for e in samples() {
            assert!(e.is_user_facing(), "{e:?}");
            let en = e.message(Language::English);
            let sv = e.message(Language::Swedish);
            assert_eq!(en, e.to_string(), "English is the Display");
            assert!(!sv.trim().is_empty(), "{e:?}: no Swedish");
            assert_ne!(sv, en, "{e:?}: the Swedish is the English");
        }
    }

    #[test]
    fn the_fixed_refusals_name_things_in_swedish() {
        let sv = |e: EngineError| e.message(Language::Swedish);
        assert_eq!(
            sv(EngineError::NotFound {
                kind: ObjectKind::Card,
                id: 7
            }),
            "Det finns inget kort med id 7."
        );
        assert_eq!(
            sv(EngineError::Conflict {
                kind: ObjectKind::User
            }),
            "Användaren har ändrats av någon annan under tiden. Ladda om sidan och försök igen."
        );
        let wrong = sv(EngineError::WrongState {
            name: ProcessId::UsersProcCreate.def().name,
            required: &[State::User(UserState::Active)],
            actual: State::User(UserState::Locked),
        });
        assert!(
            wrong.contains("användaren har tillståndet ”Aktiv”") && wrong.contains("”Spärrad”"),
            "{wrong}"
        );
        let options = samples()
            .into_iter()
            .find(|e| matches!(e, EngineError::Options(_)))
            .map(sv)
            .unwrap_or_default();
        assert!(
            options.starts_with("PIN-kodens längd: 3 är utanför"),
            "{options}"
        );
    }

    #[test]
    fn said_gives_both_languages_and_the_english_as_display() {
        let max = 50;
        let e = EngineError::bad_input(
            "count",
            said!(
                "The count must be between 1 and {max}.",
                "Antalet måste vara mellan 1 och {max}."
            ),
        );
        assert_eq!(e.to_string(), "The count must be between 1 and 50.");
        assert_eq!(
            e.message(Language::Swedish),
            "Antalet måste vara mellan 1 och 50."
        );
        assert_eq!(e.field().as_deref(), Some("count"));
        // Moved to another field, the sentence keeps both languages.
        let e = e.at_field("amount");
        assert_eq!(e.field().as_deref(), Some("amount"));
        assert_eq!(
            e.message(Language::Swedish),
            "Antalet måste vara mellan 1 och 50."
        );
        let named = said!("{n} cards", "{n} kort", n = 2 + 1);
        assert_eq!(
            (named.en.as_str(), named.sv.as_str()),
            ("3 cards", "3 kort")
        );
    }
}
