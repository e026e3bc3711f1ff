//! Option schemas: one options document per package, typed, validated, with defaults.
//!
//! The document always exists with its default values; the admin changes values, never writes
//! the document from scratch.

use crate::language::{w, Language, Said, Words};
use crate::said;
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
    /// The option's name in the options form.
    pub label: Words,
    /// What it does, under its name.
    pub help: Words,
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
        /// The option's name, in the language the form was checked in.
        label: String,
        /// What is wrong with the value, in every language.
        message: Said,
    },
}

impl OptionError {
    /// The sentence in `language`, the option named in it too (a stored document is checked
    /// in English; the label is looked up again by its key).
    pub fn message(&self, language: Language) -> String {
        match self {
            OptionError::UnknownKey { package, key } => match language {
                Language::English => self.to_string(),
                Language::Swedish => format!("{package} har inget alternativ ”{key}”"),
            },
            OptionError::Invalid {
                key,
                label,
                message,
            } => {
                let label = OptionsPackage::ALL
                    .iter()
                    .filter_map(|p| p.def(key))
                    .find(|d| d.label.en == label || d.label.sv == label)
                    .map_or(label.as_str(), |d| d.label.of(language));
                format!("{label}: {}", message.of(language))
            }
        }
    }
}

const CERTS: &[&str] = &["authentication", "signature", "encryption"];

/// An option, typed: a `Key<bool>` reads as a bool, a `Key<i64>` as a number within its range,
/// and an option that is not declared here is not a name the engine can write. Each option is
/// declared once, below, with its package, label, help, type and default.
#[derive(Debug)]
pub struct Key<T> {
    pub package: OptionsPackage,
    pub def: OptionDef,
    value: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for Key<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Key<T> {}

impl<T> Key<T> {
    const fn new(package: OptionsPackage, def: OptionDef) -> Self {
        Key {
            package,
            def,
            value: std::marker::PhantomData,
        }
    }

    pub const fn name(&self) -> &'static str {
        self.def.key
    }
}

impl Key<bool> {
    const fn flag(
        package: OptionsPackage,
        key: &'static str,
        label: Words,
        help: Words,
        default: bool,
    ) -> Self {
        let kind = OptionKind::Bool;
        Key::new(
            package,
            OptionDef {
                key,
                label,
                help,
                kind,
                default: Default::Bool(default),
            },
        )
    }
}

impl Key<i64> {
    const fn number(
        package: OptionsPackage,
        key: &'static str,
        label: Words,
        help: Words,
        range: std::ops::RangeInclusive<i64>,
        default: i64,
    ) -> Self {
        let kind = OptionKind::Int {
            min: *range.start(),
            max: *range.end(),
        };
        Key::new(
            package,
            OptionDef {
                key,
                label,
                help,
                kind,
                default: Default::Int(default),
            },
        )
    }
}

impl Key<String> {
    const fn choice(
        package: OptionsPackage,
        key: &'static str,
        label: Words,
        help: Words,
        allowed: &'static [&'static str],
        default: &'static str,
    ) -> Self {
        let kind = OptionKind::Choice(allowed);
        Key::new(
            package,
            OptionDef {
                key,
                label,
                help,
                kind,
                default: Default::Choice(default),
            },
        )
    }
}

impl Key<Vec<String>> {
    const fn set(
        package: OptionsPackage,
        key: &'static str,
        label: Words,
        help: Words,
        allowed: &'static [&'static str],
        default: &'static [&'static str],
    ) -> Self {
        let kind = OptionKind::Set(allowed);
        Key::new(
            package,
            OptionDef {
                key,
                label,
                help,
                kind,
                default: Default::Set(default),
            },
        )
    }
}

/// A Rust type an option reads as. A stored value of another type (a document written by hand)
/// reads as the option's default, and a number is kept within the option's range.
pub trait OptionType: Sized {
    fn read(value: Option<&OptionValue>, def: &OptionDef) -> Self;
}

impl OptionType for bool {
    fn read(value: Option<&OptionValue>, def: &OptionDef) -> Self {
        match (value, def.default) {
            (Some(OptionValue::Bool(b)), _) => *b,
            (_, Default::Bool(b)) => b,
            _ => false,
        }
    }
}

impl OptionType for i64 {
    fn read(value: Option<&OptionValue>, def: &OptionDef) -> Self {
        let n = match (value, def.default) {
            (Some(OptionValue::Int(n)), _) => *n,
            (_, Default::Int(n)) => n,
            _ => 0,
        };
        match def.kind {
            OptionKind::Int { min, max } => n.clamp(min, max),
            _ => n,
        }
    }
}

impl OptionType for String {
    fn read(value: Option<&OptionValue>, def: &OptionDef) -> Self {
        match (value, def.default) {
            (Some(OptionValue::Text(t)), _) => t.clone(),
            (_, Default::Choice(t)) => t.into(),
            _ => String::new(),
        }
    }
}

impl OptionType for Vec<String> {
    fn read(value: Option<&OptionValue>, def: &OptionDef) -> Self {
        match (value, def.default) {
            (Some(OptionValue::List(l)), _) => l.clone(),
            (_, Default::Set(l)) => l.iter().map(|s| s.to_string()).collect(),
            _ => Vec::new(),
        }
    }
}

impl<T: OptionType> Key<T> {
    /// The value in `doc`, a document of this option's package.
    pub fn read(&self, doc: &OptionsDocument) -> T {
        T::read(doc.get(self.def.key), &self.def)
    }
}

/// The options of CardsScriptOptions.
#[rustfmt::skip]
pub mod cards {
    use super::{w, Key, OptionsPackage, CERTS};
    const P: OptionsPackage = OptionsPackage::CardsScriptOptions;
    pub const REQUEST_APPROVAL: Key<bool> = Key::flag(P, "CardsRequestApproval",
        w("Add an approval step to Request card",
          "Lägg till ett godkännandesteg i Begär kort"),
        w("On: a requested card waits in state \"requested\" until an approver approves it. Off: it is approved at once.",
          "På: ett begärt kort väntar i tillståndet ”Begärd” tills en godkännare godkänner det. Av: det godkänns direkt."),
        true);
    pub const EXT_PROD_ORDER_APPROVAL: Key<bool> = Key::flag(P, "CardsExtProdOrderApproval",
        w("Add an approval step to Order card",
          "Lägg till ett godkännandesteg i Beställ kort"),
        w("On: an ordered card waits for approval before it goes to the bureau.",
          "På: ett beställt kort väntar på godkännande innan det skickas till kortbyrån."),
        false);
    pub const EXT_PROD_QUEUE: Key<bool> = Key::flag(P, "CardsExtProdQueue",
        w("Queue card orders",
          "Köa kortbeställningar"),
        w("On: ordered cards wait in state \"processing\" for the next sync with the bureau. Off: they are ordered at once.",
          "På: beställda kort väntar i tillståndet ”Bearbetas” till nästa synkronisering med kortbyrån. Av: de beställs direkt."),
        true);
    pub const EXT_PROD_PRODUCTION_TYPE: Key<String> = Key::choice(P, "CardsExtProdProductionType",
        w("Production type for cards",
          "Produktionstyp för kort"),
        w("How the bureau produces the card.",
          "Hur kortbyrån tillverkar kortet."),
        &["print_and_encode", "print_only"], "print_and_encode");
    pub const EXT_PROD_ALLOW_MULTIPLE_ORDERS: Key<bool> = Key::flag(P, "CardsExtProdAllowMultipleOrders",
        w("Allow multiple card orders",
          "Tillåt flera kortbeställningar"),
        w("On: a user may have more than one card order under way.",
          "På: en användare kan ha mer än en kortbeställning på gång."),
        false);
    pub const EXT_PROD_SEND_ORDERED_EMAIL: Key<bool> = Key::flag(P, "CardsExtProdSendOrderedEmail",
        w("Send \"card ordered\" email",
          "Skicka e-post när kortet har beställts"),
        w("On: the user gets an email when the card is ordered.",
          "På: användaren får ett e-postmeddelande när kortet beställs."),
        true);
    pub const ISSUE_TWO_PERSON_RULE: Key<bool> = Key::flag(P, "CardsIssueTwoPersonRule",
        w("Two-person rule for issuance",
          "Tvåpersonsregel vid utfärdande"),
        w("On: a second operator must confirm before a card is issued.",
          "På: en andra operatör måste bekräfta innan ett kort utfärdas."),
        false);
    pub const CERTIFICATES: Key<Vec<String>> = Key::set(P, "CardsCertificates",
        w("Certificates on an issued card",
          "Certifikat på ett utfärdat kort"),
        w("Authentication goes to slot 9A, signature to 9C, encryption to 9D (an escrowed key, imported; needs a card that can import keys).",
          "Autentisering hamnar på plats 9A, signering på 9C och kryptering på 9D (en deponerad nyckel som importeras; kräver ett kort som kan importera nycklar)."),
        CERTS, &["authentication", "signature", "encryption"]);
    pub const PIN_LENGTH: Key<i64> = Key::number(P, "CardsPinLength",
        w("PIN length",
          "PIN-kodens längd"),
        w("Digits in the PIN set when a card is issued (PIV allows 6 to 8).",
          "Antal siffror i den PIN-kod som sätts när ett kort utfärdas (PIV tillåter 6 till 8)."),
        6..=8, 6);
    pub const PUK_LENGTH: Key<i64> = Key::number(P, "CardsPukLength",
        w("PUK length",
          "PUK-kodens längd"),
        w("Digits in the PUK set when a card is issued (PIV allows 6 to 8). Tessera keeps the PUK encrypted to unblock the PIN.",
          "Antal siffror i den PUK-kod som sätts när ett kort utfärdas (PIV tillåter 6 till 8). Tessera sparar PUK-koden krypterad för att kunna låsa upp PIN-koden."),
        6..=8, 8);
    pub const MANAGEMENT_KEY_ALGORITHM: Key<String> = Key::choice(P, "CardsManagementKeyAlgorithm",
        w("Management key algorithm",
          "Algoritm för administrationsnyckeln"),
        w("The algorithm of the random management key set on each card. AES needs a card that supports it (YubiKey 5.4 and later).",
          "Algoritmen för den slumpmässiga administrationsnyckel som sätts på varje kort. AES kräver ett kort som stöder det (YubiKey 5.4 och senare)."),
        &["aes192", "aes128", "aes256", "3des"], "aes192");
    pub const ALLOW_REENCODE: Key<bool> = Key::flag(P, "CardsAllowReencode",
        w("Allow re-encoding a card",
          "Tillåt omkodning av kort"),
        w("On: Issue card may overwrite a card Tessera encoded before (its management key is known). Off: only blank cards are accepted.",
          "På: Utfärda kort får skriva över ett kort som Tessera har kodat tidigare (dess administrationsnyckel är känd). Av: endast tomma kort godtas."),
        false);
}

/// The options of TempCardsScriptOptions.
#[rustfmt::skip]
pub mod temp_cards {
    use super::{w, Key, OptionsPackage, CERTS};
    const P: OptionsPackage = OptionsPackage::TempCardsScriptOptions;
    pub const PIN_LENGTH: Key<i64> = Key::number(P, "TempCardsPinLength",
        w("PIN length",
          "PIN-kodens längd"),
        w("Digits in the PIN set on a temporary card (PIV allows 6 to 8).",
          "Antal siffror i den PIN-kod som sätts på ett tillfälligt kort (PIV tillåter 6 till 8)."),
        6..=8, 6);
    pub const PUK_LENGTH: Key<i64> = Key::number(P, "TempCardsPukLength",
        w("PUK length",
          "PUK-kodens längd"),
        w("Digits in the PUK set on a temporary card (PIV allows 6 to 8).",
          "Antal siffror i den PUK-kod som sätts på ett tillfälligt kort (PIV tillåter 6 till 8)."),
        6..=8, 8);
    pub const ENCODE_CARD: Key<bool> = Key::flag(P, "TempCardsEncodeCard",
        w("Encode the temporary card",
          "Koda det tillfälliga kortet"),
        w("On: the card is encoded with keys and certificates when it is produced.",
          "På: kortet kodas med nycklar och certifikat när det produceras."),
        true);
    pub const CERTIFICATES: Key<Vec<String>> = Key::set(P, "TempCardsCertificates",
        w("Certificates to issue",
          "Certifikat att utfärda"),
        w("Only used when the card is encoded.",
          "Används bara när kortet kodas."),
        CERTS, &["authentication", "signature"]);
    pub const ASSIGN_VALIDITY_DAYS: Key<i64> = Key::number(P, "TempCardsAssignValidityDays",
        w("Validity of an assignment (days)",
          "Giltighetstid för en tilldelning (dagar)"),
        w("How long a temporary card stays assigned before it expires.",
          "Hur länge ett tillfälligt kort förblir tilldelat innan tilldelningen upphör."),
        1..=365, 14);
    pub const ALLOW_MULTIPLE_ASSIGNED: Key<bool> = Key::flag(P, "TempCardsAllowMultipleAssigned",
        w("Allow more than one temporary card per user",
          "Tillåt mer än ett tillfälligt kort per användare"),
        w("Off: Assign refuses a user who already has an assigned temporary card.",
          "Av: Tilldela nekar en användare som redan har ett tilldelat tillfälligt kort."),
        false);
    pub const EXT_PROD_QUEUE: Key<bool> = Key::flag(P, "TempCardsExtProdQueue",
        w("Queue temporary card orders",
          "Köa beställningar av tillfälliga kort"),
        w("On: ordered temporary cards wait in state \"processing\" for the next sync with the bureau (and can still be aborted). Off: they are ordered at once.",
          "På: beställda tillfälliga kort väntar i tillståndet ”Bearbetas” till nästa synkronisering med kortbyrån (och kan fortfarande avbrytas). Av: de beställs direkt."),
        true);
    pub const EXT_PROD_PRODUCTION_TYPE: Key<String> = Key::choice(P, "TempCardsExtProdProductionType",
        w("Production type for temporary cards",
          "Produktionstyp för tillfälliga kort"),
        w("How the bureau produces the card. A card printed only is encoded with Initialize temporary card.",
          "Hur kortbyrån tillverkar kortet. Ett kort som bara trycks kodas med Initiera tillfälligt kort."),
        &["print_and_encode", "print_only"], "print_only");
}

/// The options of UsersScriptOptions.
#[rustfmt::skip]
pub mod users {
    use super::{w, Key, OptionsPackage};
    const P: OptionsPackage = OptionsPackage::UsersScriptOptions;
    pub const CREATE_APPROVAL: Key<bool> = Key::flag(P, "UsersCreateApproval",
        w("Approval step for new users",
          "Godkännandesteg för nya användare"),
        w("On: a user an operator creates or imports is requested and waits for an approver; off: active at once.",
          "På: en användare som en operatör skapar eller importerar blir begärd och väntar på en godkännare. Av: aktiv direkt."),
        false);
}

/// The options of MobileIDScriptOptions.
#[rustfmt::skip]
pub mod mobile_id {
    use super::{w, Key, OptionsPackage, CERTS};
    const P: OptionsPackage = OptionsPackage::MobileIDScriptOptions;
    pub const CERTIFICATES: Key<Vec<String>> = Key::set(P, "MobileIDCertificates",
        w("Certificates to issue",
          "Certifikat att utfärda"),
        w("The certificates the mobile ID gets.",
          "De certifikat som det mobila ID:t får."),
        CERTS, &["authentication", "signature"]);
    pub const QR_DELIVERY: Key<String> = Key::choice(P, "MobileIDQrDelivery",
        w("Where the QR code is shown",
          "Var QR-koden visas"),
        w("In Self-Service, or sent to the user by email.",
          "I självbetjäningen, eller skickas till användaren med e-post."),
        &["self_service", "email"], "self_service");
    pub const VALIDITY_DAYS: Key<i64> = Key::number(P, "MobileIDValidityDays",
        w("Validity of the mobile ID (days)",
          "Giltighetstid för mobilt ID (dagar)"),
        w("How long the mobile ID and its certificates are valid.",
          "Hur länge det mobila ID:t och dess certifikat är giltiga."),
        1..=1826, 730);
    pub const USER_PROPERTIES: Key<Vec<String>> = Key::set(P, "MobileIDUserProperties",
        w("User properties",
          "Användaregenskaper"),
        w("Properties of the user the mobile ID carries.",
          "De egenskaper hos användaren som det mobila ID:t bär."),
        &["user_id", "server_name", "profile_name"], &["user_id", "server_name", "profile_name"]);
    pub const RECOVER_ENCRYPTION_CERTIFICATES: Key<bool> = Key::flag(P, "MobileIDRecoverEncryptionCertificates",
        w("Recover encryption certificates",
          "Återställ krypteringscertifikat"),
        w("On: escrowed encryption keys are recovered onto the new mobile ID.",
          "På: deponerade krypteringsnycklar återställs till det nya mobila ID:t."),
        false);
    pub const NOTIFY_USER: Key<bool> = Key::flag(P, "MobileIDNotifyUser",
        w("Notify user of success or failure",
          "Meddela användaren om resultatet"),
        w("On: the user gets an email when the mobile ID is created or creation fails.",
          "På: användaren får ett e-postmeddelande när det mobila ID:t har skapats eller när det inte gick att skapa det."),
        true);
}

const CARDS: &[OptionDef] = &[
    cards::REQUEST_APPROVAL.def,
    cards::EXT_PROD_ORDER_APPROVAL.def,
    cards::EXT_PROD_QUEUE.def,
    cards::EXT_PROD_PRODUCTION_TYPE.def,
    cards::EXT_PROD_ALLOW_MULTIPLE_ORDERS.def,
    cards::EXT_PROD_SEND_ORDERED_EMAIL.def,
    cards::ISSUE_TWO_PERSON_RULE.def,
    cards::CERTIFICATES.def,
    cards::PIN_LENGTH.def,
    cards::PUK_LENGTH.def,
    cards::MANAGEMENT_KEY_ALGORITHM.def,
    cards::ALLOW_REENCODE.def,
];

const TEMP_CARDS: &[OptionDef] = &[
    temp_cards::PIN_LENGTH.def,
    temp_cards::PUK_LENGTH.def,
    temp_cards::ENCODE_CARD.def,
    temp_cards::CERTIFICATES.def,
    temp_cards::ASSIGN_VALIDITY_DAYS.def,
    temp_cards::ALLOW_MULTIPLE_ASSIGNED.def,
    temp_cards::EXT_PROD_QUEUE.def,
    temp_cards::EXT_PROD_PRODUCTION_TYPE.def,
];

const USERS: &[OptionDef] = &[users::CREATE_APPROVAL.def];

const MOBILE_ID: &[OptionDef] = &[
    mobile_id::CERTIFICATES.def,
    mobile_id::QR_DELIVERY.def,
    mobile_id::VALIDITY_DAYS.def,
    mobile_id::USER_PROPERTIES.def,
    mobile_id::RECOVER_ENCRYPTION_CERTIFICATES.def,
    mobile_id::NOTIFY_USER.def,
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

    /// The package's name, in every language.
    pub fn words(self) -> Words {
        match self {
            OptionsPackage::UsersScriptOptions => Words::new("Users", "Användare"),
            OptionsPackage::CardsScriptOptions => Words::new("Cards", "Kort"),
            OptionsPackage::TempCardsScriptOptions => {
                Words::new("Temporary cards", "Tillfälliga kort")
            }
            OptionsPackage::MobileIDScriptOptions => Words::new("Mobile ID", "Mobilt ID"),
        }
    }

    /// The package's name, in English.
    pub fn label(self) -> &'static str {
        self.words().en
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
    /// Either every change is valid and the new document is returned, or every error is (naming
    /// the options in English; [`OptionsPackage::apply_form_in`] names them in the admin's
    /// language).
    pub fn apply_form(
        self,
        current: &OptionsDocument,
        changes: &[(String, String)],
    ) -> Result<OptionsDocument, Vec<OptionError>> {
        self.apply_form_in(current, changes, Language::English)
    }

    /// [`OptionsPackage::apply_form`], its errors naming the options in `language`.
    pub fn apply_form_in(
        self,
        current: &OptionsDocument,
        changes: &[(String, String)],
        language: Language,
    ) -> Result<OptionsDocument, Vec<OptionError>> {
        let mut next = self.complete(current);
        let mut errors = Vec::new();
        for (key, raw) in changes {
            match self.def(key) {
                None => errors.push(OptionError::UnknownKey {
                    package: self.as_str().into(),
                    key: key.clone(),
                }),
                Some(def) => match def.parse_in(raw, language) {
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
    /// The error about a value of this option, naming it in `language`.
    fn invalid(&self, language: Language, message: Said) -> OptionError {
        OptionError::Invalid {
            key: self.key.into(),
            label: self.label.of(language).into(),
            message,
        }
    }

    /// Reads what an admin typed or picked in the options form; an error names the option in
    /// English.
    pub fn parse(&self, raw: &str) -> Result<OptionValue, OptionError> {
        self.parse_in(raw, Language::English)
    }

    /// [`OptionDef::parse`], an error naming the option in `language`.
    pub fn parse_in(&self, raw: &str, language: Language) -> Result<OptionValue, OptionError> {
        let raw = raw.trim();
        let value = match self.kind {
            OptionKind::Bool => match raw.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => OptionValue::Bool(true),
                "false" | "no" | "off" | "0" => OptionValue::Bool(false),
                _ => {
                    return Err(self.invalid(
                        language,
                        said!("\"{raw}\" is not yes or no", "”{raw}” är inte ja eller nej"),
                    ))
                }
            },
            OptionKind::Int { .. } => match raw.parse::<i64>() {
                Ok(i) => OptionValue::Int(i),
                Err(_) => {
                    return Err(self.invalid(
                        language,
                        said!(
                            "\"{raw}\" is not a whole number",
                            "”{raw}” är inte ett heltal"
                        ),
                    ))
                }
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
        self.check_in(&value, language)?;
        Ok(value)
    }

    /// Checks a value against the option's type and range; an error names the option in
    /// English.
    pub fn check(&self, value: &OptionValue) -> Result<(), OptionError> {
        self.check_in(value, Language::English)
    }

    /// [`OptionDef::check`], an error naming the option in `language`.
    pub fn check_in(&self, value: &OptionValue, language: Language) -> Result<(), OptionError> {
        match (self.kind, value) {
            (OptionKind::Bool, OptionValue::Bool(_)) => Ok(()),
            (OptionKind::Int { min, max }, OptionValue::Int(i)) => {
                if (min..=max).contains(i) {
                    Ok(())
                } else {
                    Err(self.invalid(
                        language,
                        said!(
                            "{i} is out of range: allowed are {min} to {max}",
                            "{i} är utanför det tillåtna intervallet: tillåtet är {min} till {max}"
                        ),
                    ))
                }
            }
            (OptionKind::Choice(allowed), OptionValue::Text(s)) => {
                if allowed.contains(&s.as_str()) {
                    Ok(())
                } else {
                    Err(self.invalid(
                        language,
                        said!(
                            "\"{s}\" is not one of: {allowed}",
                            "”{s}” är inte något av: {allowed}",
                            allowed = allowed.join(", ")
                        ),
                    ))
                }
            }
            (OptionKind::Set(allowed), OptionValue::List(items)) => {
                match items.iter().find(|i| !allowed.contains(&i.as_str())) {
                    Some(bad) => Err(self.invalid(
                        language,
                        said!(
                            "\"{bad}\" is not one of: {allowed}",
                            "”{bad}” är inte något av: {allowed}",
                            allowed = allowed.join(", ")
                        ),
                    )),
                    None => {
                        let mut seen = items.clone();
                        seen.sort();
                        seen.dedup();
                        if seen.len() == items.len() {
                            Ok(())
                        } else {
                            Err(self.invalid(
                                language,
                                said!("a value is listed twice", "ett värde anges två gånger"),
                            ))
                        }
                    }
                }
            }
            (kind, other) => Err(self.invalid(
                language,
                said!(
                    "{value} is the wrong type: expected {en}",
                    "{value} har fel typ: värdet ska vara {sv}",
                    value = other.display(),
                    en = kind.describe(),
                    sv = kind.described().sv
                ),
            )),
        }
    }
}

impl OptionKind {
    /// The values the option takes, in English.
    pub fn describe(self) -> String {
        self.described().en
    }

    /// The values the option takes, in every language.
    pub fn described(self) -> Said {
        match self {
            OptionKind::Bool => said!("yes or no", "ja eller nej"),
            OptionKind::Int { min, max } => said!(
                "a whole number from {min} to {max}",
                "ett heltal från {min} till {max}"
            ),
            OptionKind::Choice(v) => said!("one of {v}", "något av {v}", v = v.join(", ")),
            OptionKind::Set(v) => said!("any of {v}", "noll eller flera av {v}", v = v.join(", ")),
        }
    }
}
