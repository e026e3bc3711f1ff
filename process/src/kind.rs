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

    /// The name an operator reads.
    pub fn label(self) -> &'static str {
        match self {
            ObjectKind::User => "User",
            ObjectKind::Card => "Card",
            ObjectKind::TempCard => "Temporary card",
            ObjectKind::MobileId => "Mobile ID",
            ObjectKind::Certificate => "Certificate",
            ObjectKind::BatchOrder => "Batch order",
        }
    }

    /// The name inside a sentence ("the temporary card", "a mobile ID").
    pub fn noun(self) -> &'static str {
        match self {
            ObjectKind::User => "user",
            ObjectKind::Card => "card",
            ObjectKind::TempCard => "temporary card",
            ObjectKind::MobileId => "mobile ID",
            ObjectKind::Certificate => "certificate",
            ObjectKind::BatchOrder => "batch order",
        }
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

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Operator => "Operator",
            Role::Approver => "Approver",
            Role::KeyRecovery => "Key recovery agent",
            Role::SelfService => "Self-service user",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }
}
