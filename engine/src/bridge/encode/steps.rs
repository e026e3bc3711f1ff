//! The steps of encoding, in order, and the card secrets they open the card with.

use super::commit::commit_issued;
use super::job::{card_message, Failure, Job, RunOptions};
use super::settings::{random_digits, IssueSettings};
use crate::bridge::apdu::Transport;
use crate::bridge::jobs::{self};
use crate::bridge::mgmt_key::{MgmtAlgorithm, MgmtKey};
use crate::bridge::piv::{self, ImportKey, KeyAlgorithm, Piv, PivError, Reference, Slot};
use crate::bridge::reader::{self, Identity};
use crate::bridge::secrets;
use crate::bridge::target::{self};
use crate::pki::issue::{self, SubjectData};
use crate::pki::keys::KeySource;
use crate::Result;
use std::time::Instant;
use tessera_process::bridge::EncodingStep;
use zeroize::Zeroizing;

/// The state a card's secrets are in before Tessera changes them.
struct Current {
    key: MgmtKey,
    puk: Zeroizing<String>,
    /// Known only on a blank card (the default).
    pin: Option<Zeroizing<String>>,
}

pub(super) async fn steps<T, O>(
    j: &mut Job<'_, T>,
    settings: &IssueSettings,
    open: O,
    opts: RunOptions,
) -> std::result::Result<Option<Zeroizing<String>>, Failure>
where
    T: Transport + Send + 'static,
    O: FnOnce() -> std::result::Result<(Piv<T>, Vec<u8>), PivError> + Send + 'static,
{
    let crash = |s: EncodingStep| opts.crash_after == Some(s);
    let pki = j.engine.pki().map_err(|e| j.fail(e.to_string()))?;

    // Connect and identify.
    j.enter(EncodingStep::Connect, vec![]).await?;
    let connecting = Instant::now();
    let (p, atr) = {
        let opened = tokio::task::spawn_blocking(open)
            .await
            .map_err(|e| j.fail(format!("the card task stopped: {e}")))?;
        opened.map_err(|e| j.fail(card_message(&e)))?
    };
    j.connect = connecting.elapsed();
    j.piv = Some(p);
    let id: Identity = j.card(|p| reader::identify(p)).await?;
    j.done(format!(
        "ATR {}{}",
        hex::encode_upper(&atr),
        id.serial
            .map(|s| format!(", serial {s}"))
            .unwrap_or_default()
    ));

    // Check the card: blank (factory key) or, where allowed, one Tessera encoded before.
    j.enter(
        EncodingStep::CheckCard,
        vec![
            ("atr", hex::encode_upper(&atr).into()),
            ("chip_serial", id.serial_text().into()),
        ],
    )
    .await?;
    if id.yubico_version.is_none() {
        return Err(j.fail(
            "This card has no command to change its management key (it is not YubiKey-compatible). Tessera does not issue a card that keeps the factory key; use a YubiKey-compatible card.",
        ));
    }
    // What the profile needs of the card, asked before its first write: an escrowed key is
    // imported, and a card without IMPORT KEY would otherwise be given a new management key,
    // PIN and PUK, and its certificates issued, before the import failed.
    if settings
        .plans
        .iter()
        .any(|(_, profile)| profile.recoverable)
        && !j.card(|p| p.supports_import_key()).await?
    {
        return Err(j.fail(
            "This card cannot import keys (it has no IMPORT KEY command), and the card profile puts an escrowed encryption key on it (slot 9D). Nothing was written to the card. Use a card that can import keys, or issue it without the encryption certificate (card options).",
        ));
    }
    let current = current_secrets(j, &id, settings).await?;
    j.done(if id.blank() {
        "blank card, factory management key".to_string()
    } else {
        "encoded by Tessera before; re-encoding is allowed".to_string()
    });
    if crash(EncodingStep::CheckCard) {
        return Ok(None);
    }

    // New management key and PUK: sealed and stored before the card gets them.
    let kek = &pki.kek;
    let new_key = MgmtKey::random(settings.management_key);
    let new_puk = random_digits(settings.puk_length);
    let new_pin = random_digits(settings.pin_length);
    let mut guid = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut guid);
    let guid_hex = hex::encode_upper(guid);
    let mut ccc_id = [0u8; 14];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut ccc_id);
    let sealed_key =
        secrets::seal_mgmt_key(kek, j.id, &new_key).map_err(|e| j.fail(e.to_string()))?;
    let sealed_puk = secrets::seal_puk(kek, j.id, &new_puk).map_err(|e| j.fail(e.to_string()))?;
    j.enter(
        EncodingStep::ManagementKey,
        vec![
            ("management_key", sealed_key.into()),
            ("management_key_algorithm", new_key.algorithm.name().into()),
            ("puk", sealed_puk.into()),
            ("chuid_guid", guid_hex.clone().into()),
            ("ccc_id", hex::encode_upper(ccc_id).into()),
        ],
    )
    .await?;
    j.card_changed = true;
    {
        let (old, new) = (current.key.clone(), new_key.clone());
        j.card(move |p| {
            p.authenticate(&old)?;
            p.set_management_key(&new)?;
            // Proves the card took the key, before anything depends on it.
            p.authenticate(&new)
        })
        .await?;
    }
    j.done(format!(
        "random {} key set and verified",
        new_key.algorithm.name()
    ));
    if crash(EncodingStep::ManagementKey) {
        return Ok(None);
    }

    // PIN and PUK, before any key or certificate is on the card: a card that stops here holds
    // nothing a stolen default PIN would open.
    j.enter(EncodingStep::SetPinPuk, vec![]).await?;
    {
        let (old_puk, old_pin, puk, pin) = (
            current.puk.clone(),
            current.pin.clone(),
            new_puk.clone(),
            new_pin.clone(),
        );
        j.card(move |p| {
            p.change_reference(Reference::Puk, &old_puk, &puk)?;
            match &old_pin {
                Some(old) => p.change_reference(Reference::Pin, old, &pin),
                None => p.unblock_pin(&puk, &pin),
            }
        })
        .await?;
    }
    j.done(format!(
        "{}-digit PIN and {}-digit PUK set",
        settings.pin_length, settings.puk_length
    ));
    if crash(EncodingStep::SetPinPuk) {
        return Ok(None);
    }

    // Key pairs on the card (escrowed keys come from the CA in the next step).
    j.enter(EncodingStep::GenerateKeys, vec![]).await?;
    let mut sources = Vec::new();
    for (slot, profile) in &settings.plans {
        if profile.recoverable {
            sources.push(None);
            continue;
        }
        let (slot, alg) = (
            *slot,
            match profile.key_algorithm {
                tessera_process::profile::KeyAlgorithm::EcdsaP256 => KeyAlgorithm::EccP256,
                tessera_process::profile::KeyAlgorithm::Rsa2048 => KeyAlgorithm::Rsa2048,
            },
        );
        let public = j.card(move |p| p.generate(slot, alg)).await?;
        j.renew().await?;
        let spki = public.spki_der().map_err(|e| j.fail(card_message(&e)))?;
        sources.push(Some(spki));
    }
    j.done(format!(
        "{} key pairs generated on the card",
        sources.iter().flatten().count()
    ));

    // The CA certifies the card's public keys; the certificates are stored `issued` now, so that
    // a failure from here on revokes them.
    j.enter(EncodingStep::IssueCertificates, vec![]).await?;
    let issued = issue_all(j, settings, sources).await?;
    j.done(format!(
        "{} certificates: {}",
        issued.len(),
        issued
            .iter()
            .map(|(_, i)| i.serial.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if crash(EncodingStep::IssueCertificates) {
        return Ok(None);
    }

    // Keys to import, certificates, CHUID and CCC.
    j.enter(EncodingStep::WriteCard, vec![]).await?;
    let expiry = issued
        .iter()
        .filter_map(|(_, i)| cert_not_after(&i.der))
        .max()
        .unwrap_or_else(|| j.engine.now() + chrono::Duration::days(365))
        .format("%Y%m%d")
        .to_string();
    let chuid = piv::chuid(&guid, &expiry);
    let ccc = piv::ccc(&ccc_id);
    let mut writes: Vec<(Slot, Vec<u8>, Option<ImportKey>)> = Vec::new();
    for (slot, i) in &issued {
        let import = match &i.generated_key_pkcs8 {
            Some(k) => Some(ImportKey::from_pkcs8(k).map_err(|e| j.fail(e))?),
            None => None,
        };
        writes.push((*slot, i.der.clone(), import));
    }
    // On a re-encoded card every slot Tessera does not fill gets a throwaway key: no key of the
    // card's former life stays usable with the new PIN.
    let stale: Vec<(Slot, bool)> = if id.blank() {
        Vec::new()
    } else {
        Slot::ALL
            .into_iter()
            .filter(|s| !issued.iter().any(|(x, _)| x == s))
            .map(|s| (s, id.certificates.contains(&s)))
            .collect()
    };
    let (chuid_w, ccc_w) = (chuid.clone(), ccc.clone());
    j.card(move |p| {
        for (slot, der, import) in &writes {
            if let Some(k) = import {
                p.import_key(*slot, k)?;
            }
            p.put_certificate(*slot, der)?;
        }
        for (slot, had_certificate) in stale {
            p.generate(slot, KeyAlgorithm::EccP256)?;
            if had_certificate {
                p.put_data(slot.object(), &[])?;
            }
        }
        p.put_data(piv::TAG_CHUID, &chuid_w)?;
        p.put_data(piv::TAG_CCC, &ccc_w)
    })
    .await?;
    j.done(format!(
        "{} certificates, CHUID (expires {expiry}) and CCC written",
        issued.len()
    ));
    if crash(EncodingStep::WriteCard) {
        return Ok(None);
    }

    // Read everything back.
    j.enter(EncodingStep::ReadBack, vec![]).await?;
    {
        let expected: Vec<(Slot, Vec<u8>)> =
            issued.iter().map(|(s, i)| (*s, i.der.clone())).collect();
        let (pin, key) = (new_pin.clone(), new_key.clone());
        let mismatch = j
            .card(move |p| {
                let mut wrong = Vec::new();
                for (slot, der) in &expected {
                    if p.get_certificate(*slot)?.as_deref() != Some(der.as_slice()) {
                        wrong.push(format!("the certificate in {}", slot.name()));
                    }
                }
                if p.get_data(piv::TAG_CHUID)?.as_deref() != Some(chuid.as_slice()) {
                    wrong.push("the CHUID".into());
                }
                if p.get_data(piv::TAG_CCC)?.as_deref() != Some(ccc.as_slice()) {
                    wrong.push("the CCC".into());
                }
                p.authenticate(&key)?;
                p.verify_pin(&pin)?;
                Ok(wrong)
            })
            .await?;
        if !mismatch.is_empty() {
            return Err(j.fail(format!(
                "the card does not hold what was written: {}",
                mismatch.join(", ")
            )));
        }
    }
    j.done("certificates, CHUID, CCC, management key and PIN confirmed");
    if crash(EncodingStep::ReadBack) {
        return Ok(None);
    }

    j.enter(EncodingStep::Commit, vec![]).await?;
    let serials: Vec<(Slot, String)> = issued.iter().map(|(s, i)| (*s, i.serial.clone())).collect();
    let stats = j.stats();
    commit_issued(
        j.engine,
        j.caller,
        j.id,
        j.target,
        &serials,
        stats,
        "Issue card",
    )
    .await
    .map_err(|e| j.fail(format!("recording the issued card failed: {e}")))?;
    j.done("card issued");
    Ok(Some(new_pin))
}

/// The certificate's notAfter, for the CHUID's expiry date.
fn cert_not_after(der: &[u8]) -> Option<chrono::DateTime<chrono::Utc>> {
    use x509_parser::prelude::*;
    let (_, c) = X509Certificate::from_der(der).ok()?;
    chrono::DateTime::from_timestamp(c.validity().not_after.timestamp(), 0)
}

/// Which key and secrets open the card: the factory defaults on a blank card; on an encoded
/// one (if re-encoding is on), those Tessera stored when it encoded it.
async fn current_secrets<T: Transport + Send + 'static>(
    j: &mut Job<'_, T>,
    id: &Identity,
    settings: &IssueSettings,
) -> std::result::Result<Current, Failure> {
    if id.blank() {
        // 3DES on most cards; AES-192 on YubiKey 5.7 and later.
        for alg in [MgmtAlgorithm::TripleDes, MgmtAlgorithm::Aes192] {
            let key = MgmtKey::default_for(alg);
            let k = key.clone();
            if j.card(move |p| opens(p, &k)).await? {
                return Ok(Current {
                    key,
                    puk: Zeroizing::new(piv::DEFAULT_PUK.into()),
                    pin: Some(Zeroizing::new(piv::DEFAULT_PIN.into())),
                });
            }
        }
        return Err(j.fail(
            "The card is blank but its management key is not the factory default: another system set it. Reset the card first.",
        ));
    }
    let what = match (id.has_chuid, id.certificates.len()) {
        (true, 0) => "a CHUID".to_string(),
        (false, n) => format!("{n} certificates"),
        (true, n) => format!("a CHUID and {n} certificates"),
    };
    if !settings.allow_reencode {
        return Err(j.fail(format!(
            "The card is not blank: it holds {what}. Insert a blank card (re-encoding is off: option \"Allow re-encoding a card\")."
        )));
    }
    // The chip may still be another card's: that card must be out of use first.
    if let Some((kind, owner)) = jobs::chip_owner(
        &j.engine.db,
        id.guid_hex().as_deref(),
        id.serial_text().as_deref(),
    )
    .await
    .map_err(|e| j.fail(e.to_string()))?
    {
        if (kind, owner) != j.target {
            let other = target::load(&j.engine.db, (kind, owner))
                .await
                .map_err(|e| j.fail(e.to_string()))?;
            if !other.state.is_chip_released() {
                let what = kind.label().to_lowercase();
                return Err(j.fail(format!(
                    "The card in the reader is {what} {owner}, which is {} and still carries its certificates. Lock {what} {owner} first; then it can be re-encoded.",
                    other.state.as_str()
                )));
            }
        }
    }
    let pki = j.engine.pki().map_err(|e| j.fail(e.to_string()))?;
    let candidates = jobs::secrets_for(
        &j.engine.db,
        id.guid_hex().as_deref(),
        id.serial_text().as_deref(),
    )
    .await
    .map_err(|e| j.fail(e.to_string()))?;
    for (sealed_key, alg, sealed_puk, source_job) in candidates {
        let Ok(key) = secrets::open_mgmt_key(&pki.kek, source_job, &alg, &sealed_key) else {
            continue;
        };
        let k = key.clone();
        if !j.card(move |p| opens(p, &k)).await? {
            continue;
        }
        let Some(Ok(puk)) = sealed_puk.map(|s| secrets::open_puk(&pki.kek, source_job, &s)) else {
            continue;
        };
        return Ok(Current {
            key,
            puk,
            pin: None,
        });
    }
    Err(j.fail(format!(
        "The card holds {what} but was not encoded by Tessera (no stored management key opens it). It cannot be re-encoded here."
    )))
}

/// Whether `key` opens the card; a removed card or another fault is an error, not a "no".
pub(in crate::bridge) fn opens<T: Transport>(
    p: &mut Piv<T>,
    key: &MgmtKey,
) -> std::result::Result<bool, PivError> {
    match p.authenticate(key) {
        Ok(()) => Ok(true),
        Err(PivError::WrongManagementKey | PivError::NotSupported(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Issues every planned certificate in one transaction, recorded on the job.
async fn issue_all<T: Transport + Send + 'static>(
    j: &mut Job<'_, T>,
    settings: &IssueSettings,
    sources: Vec<Option<Vec<u8>>>,
) -> std::result::Result<Vec<(Slot, issue::Issued)>, Failure> {
    let pki = j.engine.pki().map_err(|e| j.fail(e.to_string()))?;
    let (engine, caller, job, target) = (j.engine, j.caller, j.id, j.target);
    let result: Result<Vec<(Slot, issue::Issued)>> = engine
        .transact(async |txn| {
            let now = txn.now();
            let subject: SubjectData = target::load(txn, target).await?.subject;
            let mut out = Vec::new();
            for ((slot, profile), spki) in settings.plans.iter().zip(sources) {
                let key = match spki {
                    Some(der) => KeySource::Spki(der),
                    None => KeySource::Generate,
                };
                let i = issue::issue(txn, now, pki, Some(caller), target, &subject, profile, key)
                    .await?;
                out.push((*slot, i));
            }
            let ids: Vec<i64> = out.iter().map(|(_, i)| i.certificate_id).collect();
            jobs::advance(
                txn,
                now,
                job,
                EncodingStep::IssueCertificates,
                vec![(
                    "certificate_ids",
                    serde_json::to_string(&ids).unwrap_or_default().into(),
                )],
            )
            .await?;
            Ok(out)
        })
        .await;
    result.map_err(|e| j.fail(e.to_string()))
}
