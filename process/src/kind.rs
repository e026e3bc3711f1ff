use crate::language::Words;
use serde::{Deserialize, Serialize};

/// The kinds of object whose lifecycle Tessera manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    User,
    Card,
    TempCard,
    MobileId,
    Certificate,
    BatchOrder,
}

impl ObjectKind {
    pub const ALL: &'static [ObjectKind] = &[
        ObjectKind::User,
        ObjectKind::Card,
        ObjectKind::TempCard,
        ObjectKind::MobileId,
        ObjectKind::Certificate,
        ObjectKind::BatchOrder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::User => "user",
            ObjectKind::Card => "card",
            ObjectKind::TempCard => "temp_card",
            ObjectKind::MobileId => "mobile_id",
            ObjectKind::Certificate => "certificate",
            ObjectKind::BatchOrder => "batch_order",
        }
    }

    /// The name an operator reads, in every language.
    pub fn words(self) -> Words {
        match self {
            ObjectKind::User => Words::new("User", "Användare"),
            ObjectKind::Card => Words::new("Card", "Kort"),
            ObjectKind::TempCard => Words::new("Temporary card", "Tillfälligt kort"),
            ObjectKind::MobileId => Words::new("Mobile ID", "Mobilt ID"),
            ObjectKind::Certificate => Words::new("Certificate", "Certifikat"),
            ObjectKind::BatchOrder => Words::new("Batch order", "Batchbeställning"),
        }
    }

    /// The name an operator reads, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }

    /// The name inside a sentence ("the temporary card", "a mobile ID"), in every language.
    pub fn noun_words(self) -> Words {
        match self {
            ObjectKind::User => Words::new("user", "användare"),
            ObjectKind::Card => Words::new("card", "kort"),
            ObjectKind::TempCard => Words::new("temporary card", "tillfälligt kort"),
            ObjectKind::MobileId => Words::new("mobile ID", "mobilt ID"),
            ObjectKind::Certificate => Words::new("certificate", "certifikat"),
            ObjectKind::BatchOrder => Words::new("batch order", "batchbeställning"),
        }
    }

    /// The name inside a sentence, in English.
    pub fn noun(self) -> &'static str {
        self.noun_words().en
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// What an account may do. An account can hold several roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Operator,
    Approver,
    /// May recover escrowed encryption keys (a key recovery agent). Deliberately not part of
    /// Admin: recovering someone's private key is a separate duty.
    KeyRecovery,
    SelfService,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Admin,
        Role::Operator,
        Role::Approver,
        Role::KeyRecovery,
        Role::SelfService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Approver => "approver",
            Role::KeyRecovery => "key_recovery",
            Role::SelfService => "self_service",
        }
    }

    /// The role's name, in every language.
    pub fn words(self) -> Words {
        match self {
            Role::Admin => Words::new("Administrator", "Administratör"),
            Role::Operator => Words::new("Operator", "Operatör"),
            Role::Approver => Words::new("Approver", "Godkännare"),
            Role::KeyRecovery => Words::new("Key recovery agent", "Agent för nyckelåterställning"),
            Role::SelfService => Words::new("Self-service user", "Självbetjäningsanvändare"),
        }
    }

    /// The role's name, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }
}
