//! Option schemas: one options document per package, typed, validated, with defaults.
//!
//! The document always exists with its default values; the admin changes values, never writes
//! the document from scratch.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum OptionsPackage {
    UsersScriptOptions,
    CardsScriptOptions,
    TempCardsScriptOptions,
    MobileIDScriptOptions,
}

/// The type (and range) of one option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum OptionKind {
    Bool,
    Int {
        min: i64,
        max: i64,
    },
    /// Exactly one of these values.
    Choice(&'static [&'static str]),
    /// Any subset of these values.
    Set(&'static [&'static str]),
}

/// A default value, written as a constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Default {
    Bool(bool),
    Int(i64),
    Choice(&'static str),
    Set(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OptionDef {
    pub key: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub kind: OptionKind,
    pub default: Default,
}

/// A stored option value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OptionValue {
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<String>),
}

impl OptionValue {
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            OptionValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            OptionValue::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The value as a person reads it (and as the options form writes it).
    pub fn display(&self) -> String {
        match self {
            OptionValue::Bool(true) => "yes".into(),
            OptionValue::Bool(false) => "no".into(),
            OptionValue::Int(i) => i.to_string(),
            OptionValue::Text(s) => s.clone(),
            OptionValue::List(l) if l.is_empty() => "none".into(),
            OptionValue::List(l) => l.join(", "),
        }
    }
}

impl From<Default> for OptionValue {
    fn from(d: Default) -> Self {
        match d {
            Default::Bool(b) => OptionValue::Bool(b),
            Default::Int(i) => OptionValue::Int(i),
            Default::Choice(s) => OptionValue::Text(s.into()),
            Default::Set(l) => OptionValue::List(l.iter().map(|s| s.to_string()).collect()),
        }
    }
}

/// All option values of one package, by key.
pub type OptionsDocument = BTreeMap<String, OptionValue>;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum OptionError {
    #[error("{package} has no option \"{key}\"")]
    UnknownKey { package: String, key: String },
    #[error("{label}: {message}")]
    Invalid {
        key: String,
        label: String,
        message: String,
    },
}

const CERTS: &[&str] = &["authentication", "signature", "encryption"];

const CARDS: &[OptionDef] = &[
    OptionDef {
        key: "CardsRequestApproval",
        label: "Add an approval step to Request card",
        help: "On: a requested card waits in state \"requested\" until an approver approves it. Off: it is approved at once.",
        kind: OptionKind::Bool,
        default: Default::Bool(true),
    },
    OptionDef {
        key: "CardsExtProdOrderApproval",
        label: "Add an approval step to Order card",
        help: "On: an ordered card waits for approval before it goes to the bureau.",
        kind: OptionKind::Bool,
        default: Default::Bool(false),
    },
    OptionDef {
        key: "CardsExtProdQueue",
        label: "Queue card orders",
        help: "On: ordered cards wait in state \"processing\" for the next sync with the bureau. Off: they are ordered at once.",
        kind: OptionKind::Bool,
        default: Default::Bool(true),
    },
    OptionDef {
        key: "CardsExtProdProductionType",
        label: "Production type for cards",
        help: "How the bureau produces the card.",
        kind: OptionKind::Choice(&["print_and_encode", "print_only"]),
        default: Default::Choice("print_and_encode"),
    },
    OptionDef {
        key: "CardsExtProdAllowMultipleOrders",
        label: "Allow multiple card orders",
        help: "On: a user may have more than one card order under way.",
        kind: OptionKind::Bool,
        default: Default::Bool(false),
    },
    OptionDef {
        key: "CardsExtProdSendOrderedEmail",
        label: "Send \"card ordered\" email",
        help: "On: the user gets an email when the card is ordered.",
        kind: OptionKind::Bool,
        default: Default::Bool(true),
    },
    OptionDef {
        key: "CardsIssueTwoPersonRule",
        label: "Two-person rule for issuance",
        help: "On: a second operator must confirm before a card is issued.",
        kind: OptionKind::Bool,
        default: Default::Bool(false),
    },
    OptionDef {
        key: "CardsCertificates",
        label: "Certificates on an issued card",
        help: "Authentication goes to slot 9A, signature to 9C, encryption to 9D (an escrowed key, imported; needs a card that can import keys).",
        kind: OptionKind::Set(CERTS),
        default: Default::Set(&["authentication", "signature", "encryption"]),
    },
    OptionDef {
        key: "CardsPinLength",
        label: "PIN length",
        help: "Digits in the PIN set when a card is issued (PIV allows 6 to 8).",
        kind: OptionKind::Int { min: 6, max: 8 },
        default: Default::Int(6),
    },
    OptionDef {
        key: "CardsPukLength",
        label: "PUK length",
        help: "Digits in the PUK set when a card is issued (PIV allows 6 to 8). Tessera keeps the PUK encrypted to unblock the PIN.",
        kind: OptionKind::Int { min: 6, max: 8 },
        default: Default::Int(8),
    },
    OptionDef {
        key: "CardsManagementKeyAlgorithm",
        label: "Management key algorithm",
        help: "The algorithm of the random management key set on each card. AES needs a card that supports it (YubiKey 5.4 and later).",
        kind: OptionKind::Choice(&["aes192", "aes128", "aes256", "3des"]),
        default: Default::Choice("aes192"),
    },
    OptionDef {
        key: "CardsAllowReencode",
        label: "Allow re-encoding a card",
        help: "On: Issue card may overwrite a card Tessera encoded before (its management key is known). Off: only blank cards are accepted.",
        kind: OptionKind::Bool,
        default: Default::Bool(false),
    },
];

const TEMP_CARDS: &[OptionDef] = &[
    OptionDef {
        key: "TempCardsPinLength",
        label: "PIN length",
        help: "Digits in the PIN set on a temporary card (PIV allows 6 to 8).",
        kind: OptionKind::Int { min: 6, max: 8 },
        default: Default::Int(6),
    },
    OptionDef {
        key: "TempCardsPukLength",
        label: "PUK length",
        help: "Digits in the PUK set on a temporary card (PIV allows 6 to 8).",
        kind: OptionKind::Int { min: 6, max: 8 },
        default: Default::Int(8),
    },
    OptionDef {
        key: "TempCardsEncodeCard",
        label: "Encode the temporary card",
        help: "On: the card is encoded with keys and certificates when it is produced.",
        kind: OptionKind::Bool,
        default: Default::Bool(true),
    },
    OptionDef {
        key: "TempCardsCertificates",
        label: "Certificates to issue",
        help: "Only used when the card is encoded.",
        kind: OptionKind::Set(CERTS),
        default: Default::Set(&["authentication", "signature"]),
    },
    OptionDef {
        key: "TempCardsAssignValidityDays",
        label: "Validity of an assignment (days)",
        help: "How long a temporary card stays assigned before it expires.",
        kind: OptionKind::Int { min: 1, max: 365 },
        default: Default::Int(14),
    },
    OptionDef {
        key: "TempCardsAllowMultipleAssigned",
        label: "Allow more than one temporary card per user",
        help: "Off: Assign refuses a user who already has an assigned temporary card.",
        kind: OptionKind::Bool,
        default: Default::Bool(false),
    },
    OptionDef {
        key: "TempCardsExtProdQueue",
        label: "Queue temporary card orders",
        help: "On: ordered temporary cards wait in state \"processing\" for the next sync with the bureau (and can still be aborted). Off: they are ordered at once.",
        kind: OptionKind::Bool,
        default: Default::Bool(true),
    },
    OptionDef {
        key: "TempCardsExtProdProductionType",
        label: "Production type for temporary cards",
        help: "How the bureau produces the card. A card printed only is encoded with Initialize temporary card.",
        kind: OptionKind::Choice(&["print_and_encode", "print_only"]),
        default: Default::Choice("print_only"),
    },
];

const USERS: &[OptionDef] = &[OptionDef {
    key: "UsersCreateApproval",
    label: "Approval step for new users",
    help: "On: a user an operator creates or imports is requested and waits for an approver; off: active at once.",
    kind: OptionKind::Bool,
    default: Default::Bool(false),
}];

const MOBILE_ID: &[OptionDef] = &[
    OptionDef {
        key: "MobileIDCertificates",
        label: "Certificates to issue",
        help: "The certificates the mobile ID gets.",
        kind: OptionKind::Set(CERTS),
        default: Default::Set(&["authentication", "signature"]),
    },
    OptionDef {
        key: "MobileIDQrDelivery",
        label: "Where the QR code is shown",
        help: "In Self-Service, or sent to the user by email.",
        kind: OptionKind::Choice(&["self_service", "email"]),
        default: Default::Choice("self_service"),
    },
    OptionDef {
        key: "MobileIDValidityDays",
        label: "Validity of the mobile ID (days)",
        help: "How long the mobile ID and its certificates are valid.",
        kind: OptionKind::Int { min: 1, max: 1826 },
        default: Default::Int(730),
    },
    OptionDef {
        key: "MobileIDUserProperties",
        label: "User properties",
        help: "Properties of the user the mobile ID carries.",
        kind: OptionKind::Set(&["user_id", "server_name", "profile_name"]),
        default: Default::Set(&["user_id", "server_name", "profile_name"]),
    },
    OptionDef {
        key: "MobileIDRecoverEncryptionCertificates",
        label: "Recover encryption certificates",
        help: "On: escrowed encryption keys are recovered onto the new mobile ID.",
        kind: OptionKind::Bool,
        default: Default::Bool(false),
    },
    OptionDef {
        key: "MobileIDNotifyUser",
        label: "Notify user of success or failure",
        help: "On: the user gets an email when the mobile ID is created or creation fails.",
        kind: OptionKind::Bool,
        default: Default::Bool(true),
    },
];

impl OptionsPackage {
    pub const ALL: &'static [OptionsPackage] = &[
        OptionsPackage::UsersScriptOptions,
        OptionsPackage::CardsScriptOptions,
        OptionsPackage::TempCardsScriptOptions,
        OptionsPackage::MobileIDScriptOptions,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OptionsPackage::UsersScriptOptions => "UsersScriptOptions",
            OptionsPackage::CardsScriptOptions => "CardsScriptOptions",
            OptionsPackage::TempCardsScriptOptions => "TempCardsScriptOptions",
            OptionsPackage::MobileIDScriptOptions => "MobileIDScriptOptions",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            OptionsPackage::UsersScriptOptions => "Users",
            OptionsPackage::CardsScriptOptions => "Cards",
            OptionsPackage::TempCardsScriptOptions => "Temporary cards",
            OptionsPackage::MobileIDScriptOptions => "Mobile ID",
        }
    }

    pub fn schema(self) -> &'static [OptionDef] {
        match self {
            OptionsPackage::UsersScriptOptions => USERS,
            OptionsPackage::CardsScriptOptions => CARDS,
            OptionsPackage::TempCardsScriptOptions => TEMP_CARDS,
            OptionsPackage::MobileIDScriptOptions => MOBILE_ID,
        }
    }

    pub fn def(self, key: &str) -> Option<&'static OptionDef> {
        self.schema().iter().find(|d| d.key == key)
    }

    pub fn defaults(self) -> OptionsDocument {
        self.schema()
            .iter()
            .map(|d| (d.key.to_string(), OptionValue::from(d.default)))
            .collect()
    }

    /// Applies changes given as form text (`key` → what the admin typed) to `current`.
    /// Either every change is valid and the new document is returned, or every error is.
    pub fn apply_form(
        self,
        current: &OptionsDocument,
        changes: &[(String, String)],
    ) -> Result<OptionsDocument, Vec<OptionError>> {
        let mut next = self.complete(current);
        let mut errors = Vec::new();
        for (key, raw) in changes {
            match self.def(key) {
                None => errors.push(OptionError::UnknownKey {
                    package: self.as_str().into(),
                    key: key.clone(),
                }),
                Some(def) => match def.parse(raw) {
                    Ok(v) => {
                        next.insert(key.clone(), v);
                    }
                    Err(e) => errors.push(e),
                },
            }
        }
        if errors.is_empty() {
            Ok(next)
        } else {
            Err(errors)
        }
    }

    /// Checks a stored document: every key known, every value of the right type and range.
    pub fn validate(self, doc: &OptionsDocument) -> Result<(), Vec<OptionError>> {
        let errors: Vec<OptionError> = doc
            .iter()
            .filter_map(|(key, value)| match self.def(key) {
                None => Some(OptionError::UnknownKey {
                    package: self.as_str().into(),
                    key: key.clone(),
                }),
                Some(def) => def.check(value).err(),
            })
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The document with a default for every key it lacks (a key added by a newer release).
    pub fn complete(self, doc: &OptionsDocument) -> OptionsDocument {
        let mut full = self.defaults();
        for (k, v) in doc {
            if self.def(k).is_some() {
                full.insert(k.clone(), v.clone());
            }
        }
        full
    }
}

impl std::fmt::Display for OptionsPackage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl OptionDef {
    fn invalid(&self, message: impl Into<String>) -> OptionError {
        OptionError::Invalid {
            key: self.key.into(),
            label: self.label.into(),
            message: message.into(),
        }
    }

    /// Reads what an admin typed or picked in the options form.
    pub fn parse(&self, raw: &str) -> Result<OptionValue, OptionError> {
        let raw = raw.trim();
        let value = match self.kind {
            OptionKind::Bool => match raw.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => OptionValue::Bool(true),
                "false" | "no" | "off" | "0" => OptionValue::Bool(false),
                _ => return Err(self.invalid(format!("\"{raw}\" is not yes or no"))),
            },
            OptionKind::Int { .. } => match raw.parse::<i64>() {
                Ok(i) => OptionValue::Int(i),
                Err(_) => return Err(self.invalid(format!("\"{raw}\" is not a whole number"))),
            },
            OptionKind::Choice(_) => OptionValue::Text(raw.to_string()),
            OptionKind::Set(_) => OptionValue::List(
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            ),
        };
        self.check(&value)?;
        Ok(value)
    }

    /// Checks a value against the option's type and range.
    pub fn check(&self, value: &OptionValue) -> Result<(), OptionError> {
        match (self.kind, value) {
            (OptionKind::Bool, OptionValue::Bool(_)) => Ok(()),
            (OptionKind::Int { min, max }, OptionValue::Int(i)) => {
                if (min..=max).contains(i) {
                    Ok(())
                } else {
                    Err(self.invalid(format!("{i} is out of range: allowed are {min} to {max}")))
                }
            }
            (OptionKind::Choice(allowed), OptionValue::Text(s)) => {
                if allowed.contains(&s.as_str()) {
                    Ok(())
                } else {
                    Err(self.invalid(format!("\"{s}\" is not one of: {}", allowed.join(", "))))
                }
            }
            (OptionKind::Set(allowed), OptionValue::List(items)) => {
                match items.iter().find(|i| !allowed.contains(&i.as_str())) {
                    Some(bad) => {
                        Err(self
                            .invalid(format!("\"{bad}\" is not one of: {}", allowed.join(", "))))
                    }
                    None => {
                        let mut seen = items.clone();
                        seen.sort();
                        seen.dedup();
                        if seen.len() == items.len() {
                            Ok(())
                        } else {
                            Err(self.invalid("a value is listed twice"))
                        }
                    }
                }
            }
            (kind, other) => Err(self.invalid(format!(
                "{} is the wrong type: expected {}",
                other.display(),
                kind.describe()
            ))),
        }
    }
}

impl OptionKind {
    pub fn describe(self) -> String {
        match self {
            OptionKind::Bool => "yes or no".into(),
            OptionKind::Int { min, max } => format!("a whole number from {min} to {max}"),
            OptionKind::Choice(v) => format!("one of {}", v.join(", ")),
            OptionKind::Set(v) => format!("any of {}", v.join(", ")),
        }
    }
}
