//! What a card gets: the certificates, PIN and PUK lengths and management key the options and
//! profiles in force say.

use crate::bridge::mgmt_key::MgmtAlgorithm;
use crate::bridge::piv::Slot;
use crate::pki::profiles;
use crate::{options, Result};
use tessera_process::profile::{CertPurpose, CertificateProfile};
use tessera_process::{ObjectKind, OptionsPackage};
use zeroize::Zeroizing;

/// What the options and profiles in force say a card gets.
#[derive(Debug, Clone)]
pub struct IssueSettings {
    pub plans: Vec<(Slot, CertificateProfile)>,
    pub pin_length: usize,
    pub puk_length: usize,
    pub management_key: MgmtAlgorithm,
    pub allow_reencode: bool,
    pub options_version: i64,
}

pub fn slot_for(purpose: CertPurpose) -> Slot {
    match purpose {
        CertPurpose::Authentication => Slot::Authentication,
        CertPurpose::Signature => Slot::Signature,
        CertPurpose::Encryption => Slot::KeyManagement,
    }
}

impl IssueSettings {
    /// The settings for a chip of `kind`: personal cards follow the card options, temporary
    /// cards their own PIN, PUK and certificate options. The management key algorithm and
    /// re-encoding are the site's card policy for both.
    pub async fn current(
        conn: &impl sea_orm::ConnectionTrait,
        kind: ObjectKind,
    ) -> Result<IssueSettings> {
        let o = options::current(conn, OptionsPackage::CardsScriptOptions).await?;
        use tessera_process::options::{cards, temp_cards};
        // Each kind of card has its own PIN, PUK and certificate options.
        let (own, certificates, pin_length, puk_length) = match kind {
            ObjectKind::TempCard => (
                options::current(conn, OptionsPackage::TempCardsScriptOptions).await?,
                temp_cards::CERTIFICATES,
                temp_cards::PIN_LENGTH,
                temp_cards::PUK_LENGTH,
            ),
            _ => (
                o.clone(),
                cards::CERTIFICATES,
                cards::PIN_LENGTH,
                cards::PUK_LENGTH,
            ),
        };
        let mut plans = Vec::new();
        for purpose in CertPurpose::ALL {
            if own
                .get(certificates)
                .iter()
                .any(|c| c == &purpose.label().to_lowercase())
            {
                let profile = profiles::by_name(conn, purpose.label()).await?;
                plans.push((slot_for(*purpose), profile));
            }
        }
        let management_key = match o.get(cards::MANAGEMENT_KEY_ALGORITHM).as_str() {
            "3des" => MgmtAlgorithm::TripleDes,
            "aes128" => MgmtAlgorithm::Aes128,
            "aes256" => MgmtAlgorithm::Aes256,
            _ => MgmtAlgorithm::Aes192,
        };
        Ok(IssueSettings {
            plans,
            pin_length: own.get(pin_length) as usize,
            puk_length: own.get(puk_length) as usize,
            management_key,
            allow_reencode: o.get(cards::ALLOW_REENCODE),
            options_version: own.version,
        })
    }

    /// The panel's description of what goes on the card.
    pub fn describe(&self) -> Vec<String> {
        self.plans
            .iter()
            .map(|(slot, p)| {
                format!(
                    "{} → {}{}",
                    p.name,
                    slot.name(),
                    if p.recoverable {
                        " (escrowed key, imported)"
                    } else {
                        ""
                    }
                )
            })
            .collect()
    }
}

/// A random PIN or PUK of `len` digits.
pub fn random_digits(len: usize) -> Zeroizing<String> {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    Zeroizing::new(
        (0..len)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect(),
    )
}
