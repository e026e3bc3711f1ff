//! The states of each object kind. Final states have no outgoing transitions.
//!
//! Each state is declared as `Variant => "stored name" / "English" / "Swedish"`.

use crate::kind::ObjectKind;
use crate::language::{Language, Words};
use serde::{Deserialize, Serialize};

macro_rules! state_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal / $label:literal / $sv:literal),+ $(,)? }
     final [$($fin:ident),* $(,)?]
     live [$($live:ident),* $(,)?]
     chip_released [$($free:ident),* $(,)?]
     under_way [$($way:ident),* $(,)?]) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        // The engine's state columns are of this type: a stored state is read as the enum, and a
        // text the enum does not know is an error of the row, not a string compared later.
        #[cfg_attr(feature = "db", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
        #[cfg_attr(feature = "db", sea_orm(rs_type = "String", db_type = "Text"))]
        pub enum $name { $(#[cfg_attr(feature = "db", sea_orm(string_value = $text))] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const FINAL: &'static [$name] = &[$($name::$fin),*];
            /// The states in which its certificates may be valid: the credential is in use.
            pub const LIVE: &'static [$name] = &[$($name::$live),*];
            /// The states in which its chip is out of use and may be encoded for another one.
            pub const CHIP_RELEASED: &'static [$name] = &[$($name::$free),*];
            /// The states of one still on its way to its holder (requested, ordered, in
            /// production): a second one is refused while one is under way.
            pub const UNDER_WAY: &'static [$name] = &[$($name::$way),*];

            /// The stable name stored in the database and shown in URLs.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The state's name, in every language.
            pub fn words(self) -> Words {
                match self { $($name::$variant => Words::new($label, $sv)),+ }
            }

            /// The state's name, in English.
            pub fn label(self) -> &'static str {
                self.words().en
            }

            pub fn is_final(self) -> bool {
                Self::FINAL.contains(&self)
            }

            pub fn is_live(self) -> bool {
                Self::LIVE.contains(&self)
            }

            pub fn is_chip_released(self) -> bool {
                Self::CHIP_RELEASED.contains(&self)
            }

            pub fn is_under_way(self) -> bool {
                Self::UNDER_WAY.contains(&self)
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        /// The stored name, as messages quote it ("Alice is inactive").
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

state_enum!(
    /// A person known to Tessera ("User" in the operator's words).
    UserState {
        Registered => "registered" / "Registered" / "Registrerad",
        Requested => "requested" / "Requested" / "Begärd",
        Active => "active" / "Active" / "Aktiv",
        Inactive => "inactive" / "Inactive" / "Inaktiv",
        Locked => "locked" / "Locked" / "Spärrad",
        Rejected => "rejected" / "Rejected" / "Avslagen",
        Aborted => "aborted" / "Aborted" / "Avbruten",
    } final [Locked, Rejected, Aborted]
      live [] chip_released [] under_way []
);

state_enum!(
    /// A personal smart card.
    CardState {
        Requested => "requested" / "Requested" / "Begärd",
        Approved => "approved" / "Approved" / "Godkänd",
        Issued => "issued" / "Issued" / "Utfärdad",
        Active => "active" / "Active" / "Aktiv",
        Inactive => "inactive" / "Inactive" / "Inaktiv",
        Failed => "failed" / "Failed" / "Misslyckad",
        Processing => "processing" / "Processing" / "Bearbetas",
        Ordered => "ordered" / "Ordered" / "Beställd",
        InProduction => "in_production" / "In production" / "I produktion",
        Produced => "produced" / "Produced" / "Producerad",
        Locked => "locked" / "Locked" / "Spärrad",
        Rejected => "rejected" / "Rejected" / "Avslagen",
        Aborted => "aborted" / "Aborted" / "Avbruten",
        Expired => "expired" / "Expired" / "Har upphört",
    } final [Locked, Rejected, Aborted, Expired]
      live [Active] chip_released [Failed, Locked] under_way [Requested, Approved, Processing, Ordered, InProduction]
);

state_enum!(
    /// A temporary card, produced in stock and assigned to a person for a while.
    TempCardState {
        Requested => "requested" / "Requested" / "Begärd",
        Processing => "processing" / "Processing" / "Bearbetas",
        Ordered => "ordered" / "Ordered" / "Beställd",
        InProduction => "in_production" / "In production" / "I produktion",
        Produced => "produced" / "Produced" / "Producerad",
        Unassigned => "unassigned" / "Unassigned" / "Ej tilldelad",
        Assigned => "assigned" / "Assigned" / "Tilldelad",
        Expired => "expired" / "Expired" / "Har upphört",
        Failed => "failed" / "Failed" / "Misslyckad",
        Locked => "locked" / "Locked" / "Spärrad",
        Aborted => "aborted" / "Aborted" / "Avbruten",
    } final [Locked, Aborted]
      live [Assigned] chip_released [Failed, Locked] under_way [Requested, Processing, Ordered, InProduction]
);

state_enum!(
    MobileIdState {
        Registered => "registered" / "Registered" / "Registrerad",
        Active => "active" / "Active" / "Aktiv",
        Inactive => "inactive" / "Inactive" / "Inaktiv",
        Locked => "locked" / "Locked" / "Spärrad",
    } final [Locked]
      live [Active] chip_released [] under_way []
);

state_enum!(
    /// `Issued`: the CA has signed, the certificate is not yet on its credential.
    CertificateState {
        Issued => "issued" / "Issued" / "Utfärdad",
        Valid => "valid" / "Valid" / "Giltig",
        OnHold => "on_hold" / "On hold" / "Spärrad tillfälligt",
        Revoked => "revoked" / "Revoked" / "Återkallad",
        Expired => "expired" / "Expired" / "Har upphört",
    } final [Revoked, Expired]
      live [] chip_released [] under_way []
);

state_enum!(
    /// A batch order ends completed or cancelled; neither can be reopened, so both are final.
    BatchOrderState {
        Open => "open" / "Open" / "Öppen",
        InProduction => "in_production" / "In production" / "I produktion",
        Completed => "completed" / "Completed" / "Slutförd",
        Cancelled => "cancelled" / "Cancelled" / "Avbruten",
    } final [Completed, Cancelled]
      live [] chip_released [] under_way []
);

/// A state of any object kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "state", rename_all = "snake_case")]
pub enum State {
    User(UserState),
    Card(CardState),
    TempCard(TempCardState),
    MobileId(MobileIdState),
    Certificate(CertificateState),
    BatchOrder(BatchOrderState),
}

/// One kind's own state enum as a part of [`State`], so that code written once serves every kind.
pub trait KindState: Copy + Sized {
    fn into_state(self) -> State;
    fn from_state(state: State) -> Option<Self>;
}

macro_rules! kind_state {
    ($($name:ident => $variant:ident),+ $(,)?) => {
        $(impl KindState for $name {
            fn into_state(self) -> State {
                State::$variant(self)
            }
            fn from_state(state: State) -> Option<Self> {
                match state {
                    State::$variant(s) => Some(s),
                    _ => None,
                }
            }
        }
        impl From<$name> for State {
            fn from(s: $name) -> State {
                State::$variant(s)
            }
        })+
    };
}

kind_state!(
    UserState => User,
    CardState => Card,
    TempCardState => TempCard,
    MobileIdState => MobileId,
    CertificateState => Certificate,
    BatchOrderState => BatchOrder,
);

impl State {
    pub fn kind(self) -> ObjectKind {
        match self {
            State::User(_) => ObjectKind::User,
            State::Card(_) => ObjectKind::Card,
            State::TempCard(_) => ObjectKind::TempCard,
            State::MobileId(_) => ObjectKind::MobileId,
            State::Certificate(_) => ObjectKind::Certificate,
            State::BatchOrder(_) => ObjectKind::BatchOrder,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::User(s) => s.as_str(),
            State::Card(s) => s.as_str(),
            State::TempCard(s) => s.as_str(),
            State::MobileId(s) => s.as_str(),
            State::Certificate(s) => s.as_str(),
            State::BatchOrder(s) => s.as_str(),
        }
    }

    /// The state's name, in every language.
    pub fn words(self) -> Words {
        match self {
            State::User(s) => s.words(),
            State::Card(s) => s.words(),
            State::TempCard(s) => s.words(),
            State::MobileId(s) => s.words(),
            State::Certificate(s) => s.words(),
            State::BatchOrder(s) => s.words(),
        }
    }

    /// The state's name, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }

    /// Its certificates may be valid: the credential is in use.
    pub fn is_live(self) -> bool {
        match self {
            State::User(s) => s.is_live(),
            State::Card(s) => s.is_live(),
            State::TempCard(s) => s.is_live(),
            State::MobileId(s) => s.is_live(),
            State::Certificate(s) => s.is_live(),
            State::BatchOrder(s) => s.is_live(),
        }
    }

    /// Its chip is out of use and may be encoded for another object.
    pub fn is_chip_released(self) -> bool {
        match self {
            State::User(s) => s.is_chip_released(),
            State::Card(s) => s.is_chip_released(),
            State::TempCard(s) => s.is_chip_released(),
            State::MobileId(s) => s.is_chip_released(),
            State::Certificate(s) => s.is_chip_released(),
            State::BatchOrder(s) => s.is_chip_released(),
        }
    }

    pub fn is_final(self) -> bool {
        match self {
            State::User(s) => s.is_final(),
            State::Card(s) => s.is_final(),
            State::TempCard(s) => s.is_final(),
            State::MobileId(s) => s.is_final(),
            State::Certificate(s) => s.is_final(),
            State::BatchOrder(s) => s.is_final(),
        }
    }

    /// Reads a stored state name of the given kind.
    pub fn parse(kind: ObjectKind, s: &str) -> Option<State> {
        match kind {
            ObjectKind::User => UserState::parse(s).map(State::User),
            ObjectKind::Card => CardState::parse(s).map(State::Card),
            ObjectKind::TempCard => TempCardState::parse(s).map(State::TempCard),
            ObjectKind::MobileId => MobileIdState::parse(s).map(State::MobileId),
            ObjectKind::Certificate => CertificateState::parse(s).map(State::Certificate),
            ObjectKind::BatchOrder => BatchOrderState::parse(s).map(State::BatchOrder),
        }
    }

    /// The label of a stored state name whose kind is not at hand (an audit record's from and
    /// to): the same name means the same words in every kind. The name itself if no kind has it.
    /// In English; [`State::label_of_in`] in the reader's language.
    pub fn label_of(s: &str) -> String {
        State::label_of_in(s, Language::English)
    }

    /// [`State::label_of`] in `language`.
    pub fn label_of_in(s: &str, language: Language) -> String {
        ObjectKind::ALL
            .iter()
            .find_map(|k| State::parse(*k, s))
            .map(|st| st.words().of(language).to_string())
            .unwrap_or_else(|| s.to_string())
    }

    /// Every state of a kind, in the order the UI shows them (tabs, filters).
    pub fn all(kind: ObjectKind) -> Vec<State> {
        match kind {
            ObjectKind::User => UserState::ALL.iter().map(|s| State::User(*s)).collect(),
            ObjectKind::Card => CardState::ALL.iter().map(|s| State::Card(*s)).collect(),
            ObjectKind::TempCard => TempCardState::ALL
                .iter()
                .map(|s| State::TempCard(*s))
                .collect(),
            ObjectKind::MobileId => MobileIdState::ALL
                .iter()
                .map(|s| State::MobileId(*s))
                .collect(),
            ObjectKind::Certificate => CertificateState::ALL
                .iter()
                .map(|s| State::Certificate(*s))
                .collect(),
            ObjectKind::BatchOrder => BatchOrderState::ALL
                .iter()
                .map(|s| State::BatchOrder(*s))
                .collect(),
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// A state as a value of its object's state column, for a query about any kind.
#[cfg(feature = "db")]
impl From<State> for sea_orm::Value {
    fn from(state: State) -> sea_orm::Value {
        state.as_str().into()
    }
}
