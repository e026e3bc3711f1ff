//! Certificate profiles: what the CA puts into a certificate of each purpose. Profiles are data
//! that an administrator edits; [`CertificateProfile::validate`] is the one place that decides
//! whether a profile can be used, in the browser and on the server alike.

use crate::language::{Said, Words};
use crate::said;
use serde::{Deserialize, Serialize};

/// What a certificate is for. It decides which key usages make sense and whether the key may be
/// escrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertPurpose {
    Authentication,
    Signature,
    Encryption,
}

impl CertPurpose {
    pub const ALL: &'static [CertPurpose] = &[
        CertPurpose::Authentication,
        CertPurpose::Signature,
        CertPurpose::Encryption,
    ];

    /// The purpose's name, in every language.
    pub fn words(self) -> Words {
        match self {
            CertPurpose::Authentication => Words::new("Authentication", "Autentisering"),
            CertPurpose::Signature => Words::new("Signature", "Signering"),
            CertPurpose::Encryption => Words::new("Encryption", "Kryptering"),
        }
    }

    /// The purpose's name, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }
}

/// X.509 key usage bits a profile may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyUsageBit {
    DigitalSignature,
    NonRepudiation,
    KeyEncipherment,
    DataEncipherment,
    KeyAgreement,
}

impl KeyUsageBit {
    pub const ALL: &'static [KeyUsageBit] = &[
        KeyUsageBit::DigitalSignature,
        KeyUsageBit::NonRepudiation,
        KeyUsageBit::KeyEncipherment,
        KeyUsageBit::DataEncipherment,
        KeyUsageBit::KeyAgreement,
    ];

    /// The key usage's name, in every language.
    pub fn words(self) -> Words {
        match self {
            KeyUsageBit::DigitalSignature => Words::new("Digital signature", "Digital signatur"),
            KeyUsageBit::NonRepudiation => Words::new(
                "Non-repudiation (content commitment)",
                "Oförnekbarhet (content commitment)",
            ),
            KeyUsageBit::KeyEncipherment => Words::new("Key encipherment", "Nyckelchiffrering"),
            KeyUsageBit::DataEncipherment => Words::new("Data encipherment", "Datachiffrering"),
            KeyUsageBit::KeyAgreement => Words::new("Key agreement", "Nyckelöverenskommelse"),
        }
    }

    /// The key usage's name, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }
}

/// Extended key usages a profile may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtendedKeyUsage {
    ClientAuth,
    SmartcardLogon,
    EmailProtection,
    DocumentSigning,
    EncryptingFileSystem,
}

impl ExtendedKeyUsage {
    pub const ALL: &'static [ExtendedKeyUsage] = &[
        ExtendedKeyUsage::ClientAuth,
        ExtendedKeyUsage::SmartcardLogon,
        ExtendedKeyUsage::EmailProtection,
        ExtendedKeyUsage::DocumentSigning,
        ExtendedKeyUsage::EncryptingFileSystem,
    ];

    /// The extended key usage's name, in every language.
    pub fn words(self) -> Words {
        match self {
            ExtendedKeyUsage::ClientAuth => {
                Words::new("TLS client authentication", "TLS-klientautentisering")
            }
            ExtendedKeyUsage::SmartcardLogon => Words::new(
                "Smart card logon (Microsoft)",
                "Inloggning med smartkort (Microsoft)",
            ),
            ExtendedKeyUsage::EmailProtection => {
                Words::new("E-mail protection (S/MIME)", "E-postskydd (S/MIME)")
            }
            ExtendedKeyUsage::DocumentSigning => {
                Words::new("Document signing", "Dokumentsignering")
            }
            ExtendedKeyUsage::EncryptingFileSystem => Words::new(
                "Encrypting File System (Microsoft)",
                "Krypterande filsystem (Microsoft EFS)",
            ),
        }
    }

    /// The extended key usage's name, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }

    /// The OID, as arcs.
    pub fn oid(self) -> &'static [u64] {
        match self {
            ExtendedKeyUsage::ClientAuth => &[1, 3, 6, 1, 5, 5, 7, 3, 2],
            ExtendedKeyUsage::SmartcardLogon => &[1, 3, 6, 1, 4, 1, 311, 20, 2, 2],
            ExtendedKeyUsage::EmailProtection => &[1, 3, 6, 1, 5, 5, 7, 3, 4],
            ExtendedKeyUsage::DocumentSigning => &[1, 3, 6, 1, 5, 5, 7, 3, 36],
            ExtendedKeyUsage::EncryptingFileSystem => &[1, 3, 6, 1, 4, 1, 311, 10, 3, 4],
        }
    }
}

/// Key types the server generates itself (for escrowed encryption keys) and the CA signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAlgorithm {
    EcdsaP256,
    Rsa2048,
}

impl KeyAlgorithm {
    pub const ALL: &'static [KeyAlgorithm] = &[KeyAlgorithm::EcdsaP256, KeyAlgorithm::Rsa2048];

    /// The algorithm's name: the same words in every language.
    pub fn words(self) -> Words {
        match self {
            KeyAlgorithm::EcdsaP256 => Words::new("ECDSA P-256", "ECDSA P-256"),
            KeyAlgorithm::Rsa2048 => Words::new("RSA 2048", "RSA 2048"),
        }
    }

    /// The algorithm's name, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlgorithm::EcdsaP256 => "ecdsa_p256",
            KeyAlgorithm::Rsa2048 => "rsa_2048",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.as_str() == s)
    }
}

pub const MAX_PROFILE_NAME: usize = 64;
pub const MAX_VALIDITY_DAYS: u32 = 3650;

/// One certificate profile. The subject is always built from the user's data (CN = common
/// name); the profile decides which further names go into the subjectAltName.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateProfile {
    pub name: String,
    pub purpose: CertPurpose,
    pub key_usage: Vec<KeyUsageBit>,
    pub extended_key_usage: Vec<ExtendedKeyUsage>,
    pub validity_days: u32,
    /// The user's UPN as a subjectAltName otherName (smart card logon needs it).
    pub include_upn: bool,
    /// The user's e-mail address as a subjectAltName rfc822Name.
    pub include_email: bool,
    /// A CRL distribution point with the URL where Tessera serves its CRL.
    pub crl_distribution_point: bool,
    /// The key pair is generated on the server and the private key escrowed, so that it can be
    /// recovered later. Only encryption keys may be recoverable.
    pub recoverable: bool,
    /// The type of key the server generates when the profile is recoverable.
    pub key_algorithm: KeyAlgorithm,
}

/// Why a profile cannot be used, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileError {
    pub field: &'static str,
    pub message: Said,
}

impl std::fmt::Display for ProfileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message.en)
    }
}

impl CertificateProfile {
    /// The profiles Tessera ships with, one per purpose.
    pub fn defaults() -> Vec<CertificateProfile> {
        vec![
            CertificateProfile {
                name: "Authentication".into(),
                purpose: CertPurpose::Authentication,
                key_usage: vec![KeyUsageBit::DigitalSignature],
                extended_key_usage: vec![
                    ExtendedKeyUsage::ClientAuth,
                    ExtendedKeyUsage::SmartcardLogon,
                ],
                validity_days: 730,
                include_upn: true,
                include_email: true,
                crl_distribution_point: true,
                recoverable: false,
                key_algorithm: KeyAlgorithm::EcdsaP256,
            },
            CertificateProfile {
                name: "Signature".into(),
                purpose: CertPurpose::Signature,
                key_usage: vec![KeyUsageBit::DigitalSignature, KeyUsageBit::NonRepudiation],
                extended_key_usage: vec![
                    ExtendedKeyUsage::EmailProtection,
                    ExtendedKeyUsage::DocumentSigning,
                ],
                validity_days: 730,
                include_upn: false,
                include_email: true,
                crl_distribution_point: true,
                recoverable: false,
                key_algorithm: KeyAlgorithm::EcdsaP256,
            },
            CertificateProfile {
                name: "Encryption".into(),
                purpose: CertPurpose::Encryption,
                key_usage: vec![KeyUsageBit::KeyEncipherment, KeyUsageBit::KeyAgreement],
                extended_key_usage: vec![
                    ExtendedKeyUsage::EmailProtection,
                    ExtendedKeyUsage::EncryptingFileSystem,
                ],
                validity_days: 730,
                include_upn: false,
                include_email: true,
                crl_distribution_point: true,
                recoverable: true,
                key_algorithm: KeyAlgorithm::EcdsaP256,
            },
        ]
    }

    /// Every reason the profile cannot be used; empty if it can.
    pub fn validate(&self) -> Vec<ProfileError> {
        let mut errors = Vec::new();
        let mut err =
            |field: &'static str, message: Said| errors.push(ProfileError { field, message });
        let name = self.name.trim();
        if name.is_empty() {
            err(
                "name",
                said!("Give the profile a name.", "Ge profilen ett namn."),
            );
        } else if name.chars().count() > MAX_PROFILE_NAME {
            err(
                "name",
                said!(
                    "The name is too long: at most {MAX_PROFILE_NAME} characters.",
                    "Namnet är för långt: högst {MAX_PROFILE_NAME} tecken."
                ),
            );
        } else if name.chars().any(char::is_control) {
            err(
                "name",
                said!(
                    "The name may not contain control characters.",
                    "Namnet får inte innehålla styrtecken."
                ),
            );
        }
        if self.validity_days == 0 || self.validity_days > MAX_VALIDITY_DAYS {
            err(
                "validity_days",
                said!(
                    "Validity must be between 1 and {MAX_VALIDITY_DAYS} days, not {days}.",
                    "Giltighetstiden måste vara mellan 1 och {MAX_VALIDITY_DAYS} dagar, inte {days}.",
                    days = self.validity_days
                ),
            );
        }
        if self.key_usage.is_empty() {
            err(
                "key_usage",
                said!(
                    "Choose at least one key usage.",
                    "Välj minst en nyckelanvändning."
                ),
            );
        }
        if has_duplicates(&self.key_usage) {
            err(
                "key_usage",
                said!(
                    "A key usage is listed twice.",
                    "En nyckelanvändning anges två gånger."
                ),
            );
        }
        if has_duplicates(&self.extended_key_usage) {
            err(
                "extended_key_usage",
                said!(
                    "An extended key usage is listed twice.",
                    "En utökad nyckelanvändning anges två gånger."
                ),
            );
        }
        let has = |bit| self.key_usage.contains(&bit);
        match self.purpose {
            CertPurpose::Authentication if !has(KeyUsageBit::DigitalSignature) => err(
                "key_usage",
                said!(
                    "An authentication certificate needs the key usage \"Digital signature\".",
                    "Ett autentiseringscertifikat behöver nyckelanvändningen ”Digital signatur”."
                ),
            ),
            CertPurpose::Signature
                if !has(KeyUsageBit::DigitalSignature) && !has(KeyUsageBit::NonRepudiation) =>
            {
                err(
                    "key_usage",
                    said!(
                        "A signature certificate needs \"Digital signature\" or \"Non-repudiation\".",
                        "Ett signeringscertifikat behöver ”Digital signatur” eller ”Oförnekbarhet”."
                    ),
                )
            }
            CertPurpose::Encryption
                if !has(KeyUsageBit::KeyEncipherment)
                    && !has(KeyUsageBit::KeyAgreement)
                    && !has(KeyUsageBit::DataEncipherment) =>
            {
                err(
                    "key_usage",
                    said!(
                        "An encryption certificate needs \"Key encipherment\", \"Key agreement\" or \"Data encipherment\".",
                        "Ett krypteringscertifikat behöver ”Nyckelchiffrering”, ”Nyckelöverenskommelse” eller ”Datachiffrering”."
                    ),
                )
            }
            _ => {}
        }
        if self.recoverable && self.purpose != CertPurpose::Encryption {
            err(
                "recoverable",
                said!(
                    "Only encryption keys may be escrowed for recovery; a {en} key must never leave its card or phone.",
                    "Bara krypteringsnycklar får deponeras för återställning; en nyckel för {sv} får aldrig lämna sitt kort eller sin telefon.",
                    en = self.purpose.label().to_lowercase(),
                    sv = self.purpose.words().sv.to_lowercase()
                ),
            );
        }
        if self.recoverable {
            // A key others can recover must not be able to act as its holder.
            let signing: Vec<Words> = [KeyUsageBit::DigitalSignature, KeyUsageBit::NonRepudiation]
                .into_iter()
                .filter(|b| self.key_usage.contains(b))
                .map(|b| b.words())
                .chain(
                    [
                        ExtendedKeyUsage::ClientAuth,
                        ExtendedKeyUsage::SmartcardLogon,
                        ExtendedKeyUsage::DocumentSigning,
                    ]
                    .into_iter()
                    .filter(|e| self.extended_key_usage.contains(e))
                    .map(|e| e.words()),
                )
                .collect();
            if !signing.is_empty() {
                let names = |language| {
                    signing
                        .iter()
                        .map(|s| format!("\"{}\"", s.of(language)))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                err(
                    "recoverable",
                    said!(
                        "A recoverable key must not sign or log in; remove {en}.",
                        "En nyckel som kan återställas får inte signera eller logga in; ta bort {sv}.",
                        en = names(crate::Language::English),
                        sv = names(crate::Language::Swedish)
                    ),
                );
            }
        }
        if self
            .extended_key_usage
            .contains(&ExtendedKeyUsage::SmartcardLogon)
            && !self.include_upn
        {
            err(
                "include_upn",
                said!(
                    "Smart card logon needs the user's UPN in the certificate.",
                    "Inloggning med smartkort kräver användarens UPN i certifikatet."
                ),
            );
        }
        errors
    }

    /// The key usages an RSA or EC key can actually serve: key agreement is an EC operation and
    /// key encipherment an RSA one, so a profile that lists both keeps the one that fits.
    pub fn key_usage_for(&self, rsa: bool) -> Vec<KeyUsageBit> {
        let fitting: Vec<KeyUsageBit> = self
            .key_usage
            .iter()
            .copied()
            .filter(|bit| match bit {
                KeyUsageBit::KeyAgreement => !rsa,
                KeyUsageBit::KeyEncipherment | KeyUsageBit::DataEncipherment => rsa,
                _ => true,
            })
            .collect();
        if fitting.is_empty() {
            self.key_usage.clone()
        } else {
            fitting
        }
    }
}

fn has_duplicates<T: PartialEq>(items: &[T]) -> bool {
    items
        .iter()
        .enumerate()
        .any(|(i, a)| items[..i].contains(a))
}

/// RFC 5280 CRLReason, as an operator chooses it when revoking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    CertificateHold,
    PrivilegeWithdrawn,
}

impl RevocationReason {
    pub const ALL: &'static [RevocationReason] = &[
        RevocationReason::Unspecified,
        RevocationReason::KeyCompromise,
        RevocationReason::AffiliationChanged,
        RevocationReason::Superseded,
        RevocationReason::CessationOfOperation,
        RevocationReason::CertificateHold,
        RevocationReason::PrivilegeWithdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "key_compromise",
            RevocationReason::AffiliationChanged => "affiliation_changed",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessation_of_operation",
            RevocationReason::CertificateHold => "certificate_hold",
            RevocationReason::PrivilegeWithdrawn => "privilege_withdrawn",
        }
    }

    /// The reason as an operator chooses it, in every language.
    pub fn words(self) -> Words {
        match self {
            RevocationReason::Unspecified => Words::new("Unspecified", "Ospecificerat"),
            RevocationReason::KeyCompromise => Words::new("Key compromise", "Röjd nyckel"),
            RevocationReason::AffiliationChanged => {
                Words::new("Affiliation changed", "Ändrad tillhörighet")
            }
            RevocationReason::Superseded => Words::new("Superseded", "Ersatt"),
            RevocationReason::CessationOfOperation => {
                Words::new("Cessation of operation", "Verksamheten har upphört")
            }
            RevocationReason::CertificateHold => Words::new("Certificate hold", "Tillfällig spärr"),
            RevocationReason::PrivilegeWithdrawn => {
                Words::new("Privilege withdrawn", "Behörighet indragen")
            }
        }
    }

    /// The reason as an operator chooses it, in English.
    pub fn label(self) -> &'static str {
        self.words().en
    }

    /// The RFC 5280 reason code.
    pub fn code(self) -> u8 {
        match self {
            RevocationReason::Unspecified => 0,
            RevocationReason::KeyCompromise => 1,
            RevocationReason::AffiliationChanged => 3,
            RevocationReason::Superseded => 4,
            RevocationReason::CessationOfOperation => 5,
            RevocationReason::CertificateHold => 6,
            RevocationReason::PrivilegeWithdrawn => 9,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| r.as_str() == s)
    }
}
