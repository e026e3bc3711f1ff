//! The internal CA on SQLite and PostgreSQL: profiles → extensions, issuance from SPKI and CSR,
//! refusals, certificate states driven by card transitions, compensation, the CRL checked by
//! `openssl verify`, and key escrow with recovery.

mod common;

use common::{caller, person};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PublicKeyData};
use sea_orm::{ActiveValue::Set, EntityTrait, PaginatorTrait};
use std::process::Command;
use tessera_engine::entity::{card, certificate};
use tessera_engine::pki::issue::{self, SubjectData};
use tessera_engine::pki::keys::KeySource;
use tessera_engine::pki::{crl, effects, escrow, profiles};
use tessera_engine::{runner, Engine, EngineError};
use tessera_process::profile::{CertificateProfile, KeyAlgorithm};
use tessera_process::{
    CardState, CertificateState, ObjectKind, ProcessId, RevocationReason, State, UserState,
};
use x509_parser::prelude::*;

async fn active_card(e: &Engine, person_id: i64) -> i64 {
    let now = chrono::Utc::now();
    card::Entity::insert(card::ActiveModel {
        person_id: Set(person_id),
        state: Set(CardState::Active),
        version: Set(1),
        card_profile: Set("Standard smart card".into()),
        requested_by: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&e.db)
    .await
    .unwrap()
    .last_insert_id
}

fn card_key() -> (KeyPair, Vec<u8>) {
    let k = KeyPair::generate().unwrap();
    let spki = k.subject_public_key_info();
    (k, spki)
}

async fn issue_for(
    e: &Engine,
    owner: i64,
    who: &str,
    profile: &str,
    key: KeySource,
) -> issue::Issued {
    let p = person(e, who).await;
    let prof = profiles::by_name(&e.db, profile).await.unwrap();
    let txn = e.write().await.unwrap();
    let issued = issue::issue(
        &txn,
        e.now(),
        e.pki().unwrap(),
        None,
        (ObjectKind::Card, owner),
        &SubjectData::from(&p),
        &prof,
        key,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    issued
}

/// The card's certificates become valid, as activating the card makes them.
async fn validate(e: &Engine, by: Option<&tessera_engine::Caller>, owner: i64) {
    let txn = e.write().await.unwrap();
    effects::apply(
        &txn,
        e.now(),
        by,
        (ObjectKind::Card, owner),
        tessera_process::CertEffect::Validate,
        None,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

async fn states(e: &Engine, ids: &[i64]) -> Vec<String> {
    let mut s = Vec::new();
    for id in ids {
        s.push(stored(e, *id).await.state.to_string());
    }
    s
}

async fn stored(e: &Engine, id: i64) -> certificate::Model {
    certificate::Entity::find_by_id(id)
        .one(&e.db)
        .await
        .unwrap()
        .unwrap()
}

fn upn_of(cert: &X509Certificate<'_>) -> Option<String> {
    let san = cert.subject_alternative_name().unwrap()?;
    san.value.general_names.iter().find_map(|g| match g {
        GeneralName::OtherName(oid, value) if oid.to_id_string() == "1.3.6.1.4.1.311.20.2.3" => {
            // [0] EXPLICIT UTF8String
            let (_, tagged) = x509_parser::der_parser::asn1_rs::TaggedExplicit::<
                x509_parser::der_parser::asn1_rs::Any,
                x509_parser::der_parser::asn1_rs::Error,
                0,
            >::from_der(value)
            .ok()?;
            let inner = tagged.into_inner();
            std::str::from_utf8(inner.data).ok().map(str::to_string)
        }
        _ => None,
    })
}

fn email_of(cert: &X509Certificate<'_>) -> Option<String> {
    let san = cert.subject_alternative_name().unwrap()?;
    san.value.general_names.iter().find_map(|g| match g {
        GeneralName::RFC822Name(s) => Some(s.to_string()),
        _ => None,
    })
}

fn eku_oids(cert: &X509Certificate<'_>) -> Vec<String> {
    let eku = cert.extended_key_usage().unwrap().unwrap().value;
    let mut oids: Vec<String> = eku.other.iter().map(|o| o.to_id_string()).collect();
    if eku.client_auth {
        oids.push("1.3.6.1.5.5.7.3.2".into());
    }
    if eku.email_protection {
        oids.push("1.3.6.1.5.5.7.3.4".into());
    }
    oids.sort();
    oids
}

fn cdp_of(cert: &X509Certificate<'_>) -> Vec<String> {
    let mut uris = Vec::new();
    for ext in cert.extensions() {
        if let ParsedExtension::CRLDistributionPoints(cdp) = ext.parsed_extension() {
            for p in &cdp.points {
                if let Some(DistributionPointName::FullName(names)) = &p.distribution_point {
                    for n in names {
                        if let GeneralName::URI(u) = n {
                            uris.push(u.to_string());
                        }
                    }
                }
            }
        }
    }
    uris
}

async fn profiles_become_extensions(e: Engine) {
    let bruno = person(&e, "Bruno Berg").await;
    let owner = active_card(&e, bruno.id).await;
    let (_, spki) = card_key();
    let auth = issue_for(
        &e,
        owner,
        "Bruno Berg",
        "Authentication",
        KeySource::Spki(spki.clone()),
    )
    .await;
    let (_, c) = X509Certificate::from_der(&auth.der).unwrap();
    assert_eq!(
        c.subject()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        "Bruno Berg"
    );
    assert_eq!(c.public_key().raw, spki.as_slice(), "the card's own key");
    let ku = c.key_usage().unwrap().unwrap().value;
    assert!(ku.digital_signature() && !ku.non_repudiation() && !ku.key_encipherment());
    assert_eq!(
        eku_oids(&c),
        vec![
            "1.3.6.1.4.1.311.20.2.2".to_string(),
            "1.3.6.1.5.5.7.3.2".to_string()
        ]
    );
    assert_eq!(upn_of(&c).as_deref(), Some("bruno.berg@example.com"));
    assert_eq!(email_of(&c).as_deref(), Some("bruno.berg@example.com"));
    assert_eq!(
        cdp_of(&c),
        vec!["http://127.0.0.1:3000/pki/crl/issuing.crl".to_string()]
    );
    let bc = c.basic_constraints().unwrap().unwrap().value;
    assert!(!bc.ca);
    let days = (c.validity().not_after.timestamp() - c.validity().not_before.timestamp()) / 86_400;
    assert_eq!(days, 730);
    // Signed by the issuing CA, and the serial in the database is the certificate's.
    let pki = e.pki().unwrap();
    let (_, issuing) = X509Certificate::from_der(&pki.ca.issuing.der).unwrap();
    c.verify_signature(Some(issuing.public_key())).unwrap();
    assert_eq!(c.issuer(), issuing.subject());
    let row = stored(&e, auth.certificate_id).await;
    assert_eq!(
        row.serial,
        c.raw_serial_as_string().replace(':', "").to_uppercase()
    );
    assert_eq!(row.state.as_str(), "issued");
    assert_eq!(row.profile, "Authentication");
    assert_eq!(row.key_algorithm, "ECDSA P-256");

    let (_, spki) = card_key();
    let sign = issue_for(&e, owner, "Bruno Berg", "Signature", KeySource::Spki(spki)).await;
    let (_, c) = X509Certificate::from_der(&sign.der).unwrap();
    let ku = c.key_usage().unwrap().unwrap().value;
    assert!(ku.digital_signature() && ku.non_repudiation());
    assert_eq!(upn_of(&c), None, "the signature profile leaves the UPN out");
    assert_eq!(
        eku_oids(&c),
        vec![
            "1.3.6.1.5.5.7.3.36".to_string(),
            "1.3.6.1.5.5.7.3.4".to_string()
        ]
    );

    // An EC encryption key gets key agreement, not key encipherment (an RSA operation).
    let enc = issue_for(&e, owner, "Bruno Berg", "Encryption", KeySource::Generate).await;
    let (_, c) = X509Certificate::from_der(&enc.der).unwrap();
    let ku = c.key_usage().unwrap().unwrap().value;
    assert!(ku.key_agreement() && !ku.key_encipherment() && !ku.digital_signature());

    // An admin's change to a profile shows in the next certificate.
    let admin = caller(&e, "admin").await;
    let rows = profiles::list(&e, &admin).await.unwrap();
    let mut row = rows
        .into_iter()
        .find(|r| r.profile.name == "Authentication")
        .unwrap();
    row.profile.validity_days = 30;
    row.profile.include_email = false;
    profiles::save(&e, &admin, row.id, row.version, row.profile)
        .await
        .unwrap();
    let (_, spki) = card_key();
    let short = issue_for(
        &e,
        owner,
        "Bruno Berg",
        "Authentication",
        KeySource::Spki(spki),
    )
    .await;
    let (_, c) = X509Certificate::from_der(&short.der).unwrap();
    let days = (c.validity().not_after.timestamp() - c.validity().not_before.timestamp()) / 86_400;
    assert_eq!(days, 30);
    assert_eq!(email_of(&c), None);
}

async fn profile_changes_are_validated_and_admin_only(e: Engine) {
    let admin = caller(&e, "admin").await;
    let op = caller(&e, "operator").await;
    let rows = profiles::list(&e, &admin).await.unwrap();
    assert_eq!(rows.len(), 3);
    assert!(matches!(
        profiles::list(&e, &op).await,
        Err(EngineError::Forbidden(_))
    ));
    let row = rows
        .into_iter()
        .find(|r| r.profile.name == "Signature")
        .unwrap();
    let mut bad: CertificateProfile = row.profile.clone();
    bad.validity_days = 0;
    bad.recoverable = true;
    let err = profiles::save(&e, &admin, row.id, row.version, bad)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("between 1 and 3650"), "{err}");
    assert!(
        err.contains("Only encryption keys may be escrowed"),
        "{err}"
    );
    let err = profiles::save(&e, &op, row.id, row.version, row.profile.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Forbidden(_)));
    let mut renamed = row.profile.clone();
    renamed.name = "Authentication".into();
    let err = profiles::save(&e, &admin, row.id, row.version, renamed)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("keeps its name"), "{err}");
    // A recoverable key may not sign or log in, whatever its purpose says.
    let enc = again_profile(&e, &admin, "Encryption").await;
    let mut signing = enc.profile.clone();
    signing
        .key_usage
        .push(tessera_process::profile::KeyUsageBit::DigitalSignature);
    signing
        .extended_key_usage
        .push(tessera_process::profile::ExtendedKeyUsage::SmartcardLogon);
    signing.include_upn = true;
    signing.purpose = tessera_process::CertPurpose::Authentication;
    let err = profiles::save(&e, &admin, enc.id, enc.version, signing)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("must not sign or log in"), "{err}");
    assert_eq!(again_profile(&e, &admin, "Encryption").await, enc);
    // Nothing of the refused changes is stored.
    let again = profiles::list(&e, &admin).await.unwrap();
    let same = again.iter().find(|r| r.id == row.id).unwrap();
    assert_eq!(same.profile, row.profile);
    assert_eq!(same.version, row.version);
    let mut good = row.profile.clone();
    good.validity_days = 365;
    let saved = profiles::save(&e, &admin, row.id, row.version, good)
        .await
        .unwrap();
    assert_eq!(saved.version, row.version + 1);
    let stale = profiles::save(&e, &admin, row.id, row.version, row.profile.clone())
        .await
        .unwrap_err();
    assert!(stale.to_string().contains("Reload"), "{stale}");
}

async fn again_profile(
    e: &Engine,
    admin: &tessera_engine::Caller,
    name: &str,
) -> tessera_process::dto::ProfileRow {
    profiles::list(e, admin)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.profile.name == name)
        .unwrap()
}

fn csr(key: &KeyPair, cn: &str) -> Vec<u8> {
    let mut p = CertificateParams::new(vec!["evil.example.org".to_string()]).unwrap();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, "Evil Corp");
    p.distinguished_name = dn;
    p.serialize_request(key).unwrap().der().to_vec()
}

async fn issuance_from_a_csr_takes_only_its_key(e: Engine) {
    let chloe = person(&e, "Chloe Costa").await;
    let owner = active_card(&e, chloe.id).await;
    let key = KeyPair::generate().unwrap();
    let request = csr(&key, "Mallory");
    let issued = issue_for(
        &e,
        owner,
        "Chloe Costa",
        "Authentication",
        KeySource::Csr(request),
    )
    .await;
    let (_, c) = X509Certificate::from_der(&issued.der).unwrap();
    assert_eq!(c.public_key().raw, key.subject_public_key_info().as_slice());
    assert_eq!(
        c.subject().to_string(),
        "CN=Chloe Costa",
        "subject from the user, not the CSR"
    );
    let names: Vec<String> = c
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names
        .iter()
        .map(|g| format!("{g:?}"))
        .collect();
    assert!(!names.iter().any(|n| n.contains("evil")), "{names:?}");
}

async fn bad_keys_and_csrs_are_refused_and_nothing_is_stored(e: Engine) {
    let p = person(&e, "Dmitri Dahl").await;
    let owner = active_card(&e, p.id).await;
    let before = certificate::Entity::find().count(&e.db).await.unwrap();
    let prof = profiles::by_name(&e.db, "Authentication").await.unwrap();
    let attempt = |key: KeySource| {
        let e = e.clone();
        let p = p.clone();
        let prof = prof.clone();
        async move {
            let txn = e.write().await.unwrap();
            let r = issue::issue(
                &txn,
                e.now(),
                e.pki().unwrap(),
                None,
                (ObjectKind::Card, owner),
                &SubjectData::from(&p),
                &prof,
                key,
            )
            .await;
            txn.rollback().await.unwrap();
            r.map(|_| ()).unwrap_err().to_string()
        }
    };
    // A signature that does not match: one bit of the signature flipped.
    let key = KeyPair::generate().unwrap();
    let mut tampered = csr(&key, "Dmitri");
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    let err = attempt(KeySource::Csr(tampered)).await;
    assert!(err.contains("signature does not verify"), "{err}");
    // A key type the CA does not certify.
    let ed = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let err = attempt(KeySource::Csr(csr(&ed, "Dmitri"))).await;
    assert!(err.contains("Unsupported key type: Ed25519"), "{err}");
    let err = attempt(KeySource::Spki(ed.subject_public_key_info())).await;
    assert!(err.contains("Unsupported key type: Ed25519"), "{err}");
    // Oversized: the whole request, and one subject field.
    let err = attempt(KeySource::Csr(vec![0x30; 20_000])).await;
    assert!(err.contains("at most 8192"), "{err}");
    let err = attempt(KeySource::Csr(csr(&key, &"A".repeat(300)))).await;
    assert!(err.contains("subject has a field of 300 bytes"), "{err}");
    let err = attempt(KeySource::Csr(b"hello".to_vec())).await;
    assert!(err.contains("not a DER PKCS#10"), "{err}");
    let err = attempt(KeySource::Spki(b"hello".to_vec())).await;
    assert!(err.contains("not a DER SubjectPublicKeyInfo"), "{err}");
    // A recoverable profile never certifies an outside key, a card profile never generates one.
    let enc = profiles::by_name(&e.db, "Encryption").await.unwrap();
    let txn = e.write().await.unwrap();
    let err = issue::issue(
        &txn,
        e.now(),
        e.pki().unwrap(),
        None,
        (ObjectKind::Card, owner),
        &SubjectData::from(&p),
        &enc,
        KeySource::Spki(key.subject_public_key_info()),
    )
    .await
    .unwrap_err()
    .to_string();
    txn.rollback().await.unwrap();
    assert!(err.contains("generates the key pair itself"), "{err}");
    let err = attempt(KeySource::Generate).await;
    assert!(
        err.contains("must be generated on the card or phone"),
        "{err}"
    );
    assert_eq!(
        certificate::Entity::find().count(&e.db).await.unwrap(),
        before
    );
}

async fn card_transitions_move_their_certificates(e: Engine) {
    let op = caller(&e, "operator").await;
    let p = person(&e, "Elena Ek").await;
    let owner = active_card(&e, p.id).await;
    let ids: Vec<i64> = {
        let mut v = Vec::new();
        for profile in ["Authentication", "Signature"] {
            let (_, spki) = card_key();
            v.push(
                issue_for(&e, owner, "Elena Ek", profile, KeySource::Spki(spki))
                    .await
                    .certificate_id,
            );
        }
        v
    };
    validate(&e, Some(&op), owner).await;
    assert_eq!(states(&e, &ids).await, ["valid", "valid"]);

    // Deactivate card: active → inactive, certificates on hold, in one transaction.
    let run = |process: ProcessId, from: CardState, to: CardState, version: i64, reason| {
        let e = e.clone();
        let op = op.clone();
        async move {
            e.transact(async |txn| {
                let now = e.now();
                let outcome = runner::step(process.def(), (owner, version), from.into(), to.into())
                    .because(reason)
                    .take(txn, now, Some(&op))
                    .await?
                    .record(txn, now, Some(&op), serde_json::json!({}), "test".into())
                    .await?;
                txn.publish_crl_if(&outcome);
                Ok(outcome)
            })
            .await
        }
    };
    let crl_before = crl::latest(&e.db).await.unwrap().unwrap().number;
    let out = run(
        ProcessId::CardsProcDeactivate,
        CardState::Active,
        CardState::Inactive,
        1,
        None,
    )
    .await
    .unwrap();
    assert!(out.crl_changed());
    assert_eq!(states(&e, &ids).await, ["on_hold", "on_hold"]);
    let held = stored(&e, ids[0]).await;
    assert_eq!(held.revocation_reason.as_deref(), Some("certificate_hold"));
    assert!(held.revoked_at.is_some());
    assert!(
        crl::latest(&e.db).await.unwrap().unwrap().number > crl_before,
        "a hold publishes a CRL"
    );

    // A stale version is refused and neither the card nor its certificates change.
    let err = run(
        ProcessId::CardsProcReactivate,
        CardState::Inactive,
        CardState::Active,
        1,
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, EngineError::Conflict { .. }), "{err}");
    assert_eq!(states(&e, &ids).await, ["on_hold", "on_hold"]);

    run(
        ProcessId::CardsProcReactivate,
        CardState::Inactive,
        CardState::Active,
        2,
        None,
    )
    .await
    .unwrap();
    assert_eq!(states(&e, &ids).await, ["valid", "valid"]);
    assert_eq!(stored(&e, ids[0]).await.revoked_at, None);

    run(
        ProcessId::CardsProcLock,
        CardState::Active,
        CardState::Locked,
        3,
        Some(RevocationReason::KeyCompromise),
    )
    .await
    .unwrap();
    assert_eq!(states(&e, &ids).await, ["revoked", "revoked"]);
    assert_eq!(
        stored(&e, ids[1]).await.revocation_reason.as_deref(),
        Some("key_compromise")
    );
    let history = tessera_engine::audit::history(&e.db, ObjectKind::Certificate, ids[0])
        .await
        .unwrap();
    let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
    for a in [
        "CertificateIssued",
        "CertificateValidate",
        "CertificateHold",
        "CertificateRelease",
        "CertificateRevoke",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }

    // Compensation: certificates issued for a delivery that failed are revoked, valid ones of
    // other credentials are untouched.
    let second = active_card(&e, p.id).await;
    let (_, spki) = card_key();
    let undelivered = issue_for(
        &e,
        second,
        "Elena Ek",
        "Authentication",
        KeySource::Spki(spki),
    )
    .await;
    let txn = e.write().await.unwrap();
    let out = effects::revoke_undelivered(
        &txn,
        e.now(),
        Some(&op),
        (ObjectKind::Card, second),
        "card write failed",
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(out.changed.len(), 1);
    let c = stored(&e, undelivered.certificate_id).await;
    assert_eq!(c.state.as_str(), CertificateState::Revoked.as_str());
    assert_eq!(
        c.revocation_reason.as_deref(),
        Some("cessation_of_operation")
    );

    // The schedule's sweep leaves `issued` alone while the card waits to be activated, and
    // revokes what a failed card left behind.
    let (_, spki) = card_key();
    let forgotten = issue_for(&e, second, "Elena Ek", "Signature", KeySource::Spki(spki)).await;
    let undelivered_after = chrono::Duration::hours(1);
    let sweep = |e: Engine| async move {
        let txn = e.write().await.unwrap();
        effects::sweep(&txn, e.now(), undelivered_after)
            .await
            .unwrap();
        txn.commit().await.unwrap();
    };
    // Long enough for any delivery that is still under way to have ended.
    e.clock
        .advance(undelivered_after + chrono::Duration::seconds(1));
    sweep(e.clone()).await;
    assert_eq!(
        stored(&e, forgotten.certificate_id).await.state.as_str(),
        "issued"
    );
    set_card_state(&e, second, CardState::Failed).await;
    sweep(e.clone()).await;
    let c = stored(&e, forgotten.certificate_id).await;
    assert_eq!(c.state.as_str(), "revoked");
    assert_eq!(
        c.revocation_reason.as_deref(),
        Some("cessation_of_operation")
    );
}

async fn set_card_state(e: &Engine, id: i64, state: CardState) {
    let mut c: card::ActiveModel = card::Entity::find_by_id(id)
        .one(&e.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    c.state = Set(state);
    card::Entity::update(c).exec(&e.db).await.unwrap();
}

async fn user_effects_reach_every_credential(e: Engine) {
    let op = caller(&e, "operator").await;
    let p = person(&e, "Ingrid Isaksson").await;
    let in_use = active_card(&e, p.id).await;
    let parked = active_card(&e, p.id).await;
    let mut ids = Vec::new();
    for owner in [in_use, parked] {
        let (_, spki) = card_key();
        ids.push(
            issue_for(
                &e,
                owner,
                "Ingrid Isaksson",
                "Authentication",
                KeySource::Spki(spki),
            )
            .await
            .certificate_id,
        );
        validate(&e, None, owner).await;
    }
    // One card was deactivated on its own before.
    let txn = e.write().await.unwrap();
    effects::apply(
        &txn,
        e.now(),
        None,
        (ObjectKind::Card, parked),
        tessera_process::CertEffect::Hold,
        None,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    set_card_state(&e, parked, CardState::Inactive).await;

    let user = |process: ProcessId, from: UserState, to: UserState, version: i64, reason| {
        let (e, op) = (e.clone(), op.clone());
        async move {
            let txn = e.write().await.unwrap();
            let now = e.now();
            let out = runner::step(process.def(), (p.id, version), from.into(), to.into())
                .because(reason)
                .take(&txn, now, Some(&op))
                .await
                .unwrap()
                .record(&txn, now, Some(&op), serde_json::json!({}), "test".into())
                .await
                .unwrap();
            txn.commit().await.unwrap();
            out
        }
    };
    user(
        ProcessId::UsersProcDeactivate,
        UserState::Active,
        UserState::Inactive,
        p.version,
        None,
    )
    .await;
    assert_eq!(states(&e, &ids).await, ["on_hold", "on_hold"]);
    user(
        ProcessId::UsersProcReactivate,
        UserState::Inactive,
        UserState::Active,
        p.version + 1,
        None,
    )
    .await;
    assert_eq!(
        states(&e, &ids).await,
        ["valid", "on_hold"],
        "the card deactivated on its own stays on hold"
    );
    user(
        ProcessId::UsersProcLock,
        UserState::Active,
        UserState::Locked,
        p.version + 2,
        Some(RevocationReason::AffiliationChanged),
    )
    .await;
    assert_eq!(states(&e, &ids).await, ["revoked", "revoked"]);
    assert_eq!(
        stored(&e, ids[1]).await.revocation_reason.as_deref(),
        Some("affiliation_changed")
    );

    // A credential that expires before its certificates revokes them instead of calling them
    // expired (which would drop them off the CRL while still good).
    let other = active_card(&e, p.id).await;
    let (_, spki) = card_key();
    let early = issue_for(
        &e,
        other,
        "Ingrid Isaksson",
        "Signature",
        KeySource::Spki(spki),
    )
    .await;
    let txn = e.write().await.unwrap();
    effects::apply(
        &txn,
        e.now(),
        None,
        (ObjectKind::Card, other),
        tessera_process::CertEffect::Validate,
        None,
    )
    .await
    .unwrap();
    effects::apply(
        &txn,
        e.now(),
        None,
        (ObjectKind::Card, other),
        tessera_process::CertEffect::Expire,
        None,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let c = stored(&e, early.certificate_id).await;
    assert_eq!(
        (c.state.as_str(), c.revocation_reason.as_deref()),
        ("revoked", Some("cessation_of_operation"))
    );
}

/// The CA chain and the newest CRL in files, for `openssl` to check certificates against.
struct OpensslCheck {
    dir: tempfile::TempDir,
}

impl OpensslCheck {
    async fn new(e: &Engine) -> OpensslCheck {
        let check = OpensslCheck {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(check.path("chain.pem"), e.pki().unwrap().ca.chain_pem()).unwrap();
        let latest = crl::latest(&e.db).await.unwrap().unwrap();
        let crl = tessera_engine::pki::ca::pem("X509 CRL", &latest.der);
        std::fs::write(check.path("crl.pem"), crl).unwrap();
        check
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_string_lossy().into_owned()
    }

    /// `openssl verify -crl_check` of one certificate.
    fn verify(&self, der: &[u8]) -> (bool, String) {
        let cert = self.path("cert.pem");
        std::fs::write(&cert, tessera_engine::pki::ca::pem("CERTIFICATE", der)).unwrap();
        let (chain, crl) = (self.path("chain.pem"), self.path("crl.pem"));
        openssl(&[
            "verify",
            "-crl_check",
            "-CAfile",
            &chain,
            "-CRLfile",
            &crl,
            &cert,
        ])
    }

    /// The CRL as text, its signature checked against the chain.
    fn crl_text(&self) -> (bool, String) {
        let (chain, crl) = (self.path("chain.pem"), self.path("crl.pem"));
        openssl(&["crl", "-in", &crl, "-CAfile", &chain, "-noout", "-text"])
    }
}

fn openssl(args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("run openssl");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn openssl_verify_honours_the_crl(e: Engine) {
    let p = person(&e, "Farid Falk").await;
    let good_card = active_card(&e, p.id).await;
    let revoked_card = active_card(&e, p.id).await;
    let held_card = active_card(&e, p.id).await;
    let mut ders = Vec::new();
    for owner in [good_card, revoked_card, held_card] {
        let (_, spki) = card_key();
        let issued = issue_for(
            &e,
            owner,
            "Farid Falk",
            "Authentication",
            KeySource::Spki(spki),
        )
        .await;
        validate(&e, None, owner).await;
        ders.push(issued.der);
    }
    let txn = e.write().await.unwrap();
    effects::apply(
        &txn,
        e.now(),
        None,
        (ObjectKind::Card, revoked_card),
        tessera_process::CertEffect::Revoke,
        Some(RevocationReason::KeyCompromise),
    )
    .await
    .unwrap();
    effects::apply(
        &txn,
        e.now(),
        None,
        (ObjectKind::Card, held_card),
        tessera_process::CertEffect::Hold,
        None,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let info = crl::publish(&e).await.unwrap();
    assert!(info.entries >= 2);

    let check = OpensslCheck::new(&e).await;
    let verify = |i: usize| check.verify(&ders[i]);
    let (ok, out) = verify(0);
    assert!(ok, "a valid certificate must verify: {out}");
    let (ok, out) = verify(1);
    assert!(!ok && out.contains("certificate revoked"), "revoked: {out}");
    let (ok, out) = verify(2);
    assert!(!ok && out.contains("certificate revoked"), "on hold: {out}");
    // The CRL itself is signed by the issuing CA.
    let (ok, out) = check.crl_text();
    assert!(
        ok && out.contains("verify OK")
            && out.contains("Certificate Hold")
            && out.contains("Key Compromise"),
        "{out}"
    );
}

async fn escrowed_keys_are_recovered_only_by_a_recovery_agent(e: Engine) {
    let p = person(&e, "Greta Gran").await;
    let owner = active_card(&e, p.id).await;
    let issued = issue_for(&e, owner, "Greta Gran", "Encryption", KeySource::Generate).await;
    let original = issued
        .generated_key_pkcs8
        .clone()
        .expect("the server generated the key");
    let op = caller(&e, "operator").await;
    let admin = caller(&e, "admin").await;
    let agent = caller(&e, "recovery").await;
    for who in [&op, &admin] {
        let err = escrow::recover(
            &e,
            who,
            issued.certificate_id,
            "a long password 1",
            "lost laptop",
        )
        .await
        .unwrap_err();
        assert!(matches!(err, EngineError::Forbidden(_)), "{err}");
    }
    let err = escrow::recover(&e, &agent, issued.certificate_id, "short", "lost laptop")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("10 to 256 characters"), "{err}");
    let err = escrow::recover(&e, &agent, issued.certificate_id, "a long password 1", " ")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Say why"), "{err}");
    // A card certificate has no escrowed key.
    let (_, spki) = card_key();
    let auth = issue_for(
        &e,
        owner,
        "Greta Gran",
        "Authentication",
        KeySource::Spki(spki),
    )
    .await;
    let err = escrow::recover(
        &e,
        &agent,
        auth.certificate_id,
        "a long password 1",
        "lost laptop",
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("has no escrowed key"), "{err}");

    let recovered = escrow::recover(
        &e,
        &agent,
        issued.certificate_id,
        "a long password 1",
        "lost laptop",
    )
    .await
    .unwrap();
    use base64::Engine as _;
    let pfx = base64::engine::general_purpose::STANDARD
        .decode(&recovered.pkcs12_base64)
        .unwrap();
    let store = p12_keystore::KeyStore::from_pkcs12(
        &pfx,
        "a long password 1",
        p12_keystore::Pkcs12ImportPolicy::Strict,
    )
    .unwrap();
    let (_, chain) = store.private_key_chain().unwrap();
    assert_eq!(chain.key().as_der(), original.as_slice());
    assert_eq!(chain.certs().len(), 3, "leaf, issuing CA, root");
    assert!(p12_keystore::KeyStore::from_pkcs12(
        &pfx,
        "wrong password!",
        p12_keystore::Pkcs12ImportPolicy::Strict
    )
    .is_err());
    // OpenSSL reads it too.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("k.p12");
    std::fs::write(&file, &pfx).unwrap();
    let (ok, out) = openssl(&[
        "pkcs12",
        "-in",
        file.to_str().unwrap(),
        "-passin",
        "pass:a long password 1",
        "-nodes",
        "-noout",
    ]);
    assert!(ok, "{out}");
    // The recovery is in the audit log with its reason.
    let history =
        tessera_engine::audit::history(&e.db, ObjectKind::Certificate, issued.certificate_id)
            .await
            .unwrap();
    let rec = history
        .iter()
        .find(|h| h.action == "KeyRecovered")
        .expect("audited");
    assert!(rec.detail.contains("lost laptop"), "{}", rec.detail);
}

async fn rsa_keys_are_escrowed_too(e: Engine) {
    let admin = caller(&e, "admin").await;
    let rows = profiles::list(&e, &admin).await.unwrap();
    let mut enc = rows
        .into_iter()
        .find(|r| r.profile.name == "Encryption")
        .unwrap();
    enc.profile.key_algorithm = KeyAlgorithm::Rsa2048;
    profiles::save(&e, &admin, enc.id, enc.version, enc.profile)
        .await
        .unwrap();
    let p = person(&e, "Hiro Holm").await;
    let owner = active_card(&e, p.id).await;
    let issued = issue_for(&e, owner, "Hiro Holm", "Encryption", KeySource::Generate).await;
    let (_, c) = X509Certificate::from_der(&issued.der).unwrap();
    let ku = c.key_usage().unwrap().unwrap().value;
    assert!(
        ku.key_encipherment() && !ku.key_agreement(),
        "RSA keys encipher"
    );
    assert_eq!(
        stored(&e, issued.certificate_id).await.key_algorithm,
        "RSA 2048"
    );
    let agent = caller(&e, "recovery").await;
    let recovered = escrow::recover(
        &e,
        &agent,
        issued.certificate_id,
        "another password",
        "mailbox migration",
    )
    .await
    .unwrap();
    assert!(recovered.file_name.ends_with(".p12"));
}

async fn demo_data_carries_certificates(e: Engine) {
    let alice = person(&e, "Alice Andersson").await;
    let certs = tessera_engine::pki::of_person(&e.db, alice.id)
        .await
        .unwrap();
    let states: Vec<(String, CertificateState)> =
        certs.iter().map(|c| (c.profile.clone(), c.state)).collect();
    assert_eq!(certs.len(), 4, "{states:?}");
    assert!(states.contains(&("Encryption".into(), CertificateState::Valid)));
    assert!(states.contains(&("Authentication".into(), CertificateState::Revoked)));
    assert!(certs
        .iter()
        .any(|c| c.escrowed && c.profile == "Encryption"));
    // Self-service: Alice may download her own certificate but not someone else's.
    let alice_caller = caller(&e, "alice").await;
    let (name, pem) = tessera_engine::pki::pem(&e, &alice_caller, certs[0].id)
        .await
        .unwrap();
    assert!(name.ends_with(".pem") && pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let bruno = person(&e, "Bruno Berg").await;
    let owner = active_card(&e, bruno.id).await;
    let (_, spki) = card_key();
    let other = issue_for(
        &e,
        owner,
        "Bruno Berg",
        "Authentication",
        KeySource::Spki(spki),
    )
    .await;
    let err = tessera_engine::pki::pem(&e, &alice_caller, other.certificate_id)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::NotFound { .. }), "{err}");
}

/// The menu's Expired certificates list: once its end has passed and the sweep has marked it, a
/// certificate is listed with its credential and holder, and a valid one is not; a role the
/// list does not name is refused.
async fn expired_certificates_are_listed(e: Engine) {
    use tessera_engine::lists;
    use tessera_process::lists::ListId;
    let op = caller(&e, "operator").await;
    let p = person(&e, "Elena Ek").await;
    let owner = active_card(&e, p.id).await;
    let (_, spki) = card_key();
    let cert = issue_for(
        &e,
        owner,
        "Elena Ek",
        "Authentication",
        KeySource::Spki(spki),
    )
    .await;
    validate(&e, Some(&op), owner).await;
    let listed = |e: Engine, op: tessera_engine::Caller| async move {
        let page = lists::page(
            &e,
            &op,
            (ListId::ExpiredCertificates, None),
            0,
            Default::default(),
        )
        .await
        .unwrap();
        assert_eq!(page.total as usize, page.rows.len());
        page.rows
    };
    let before = listed(e.clone(), op.clone()).await;
    assert!(
        !before.iter().any(|r| r.id == cert.certificate_id),
        "a valid certificate is not expired"
    );

    // Its end passes, and the schedule's sweep marks it expired.
    let not_after = stored(&e, cert.certificate_id).await.not_after;
    e.clock
        .advance(not_after - e.now() + chrono::Duration::days(1));
    let txn = e.write().await.unwrap();
    effects::sweep(&txn, e.now(), chrono::Duration::days(3650))
        .await
        .unwrap();
    txn.commit().await.unwrap();
    let after = listed(e.clone(), op.clone()).await;
    let row = after
        .iter()
        .find(|r| r.id == cert.certificate_id)
        .expect("the expired certificate is listed");
    assert_eq!(row.kind, ObjectKind::Certificate);
    assert_eq!(row.opens, (ObjectKind::Card, owner));
    assert_eq!(row.state, State::Certificate(CertificateState::Expired));
    assert!(
        row.holder.as_deref().unwrap_or("").contains("Elena Ek"),
        "{row:?}"
    );
    assert!(row.detail.contains("Authentication"), "{}", row.detail);
    assert!(after
        .iter()
        .all(|r| r.state == State::Certificate(CertificateState::Expired)));

    for who in ["approver", "alice"] {
        let err = lists::page(
            &e,
            &caller(&e, who).await,
            (ListId::ExpiredCertificates, None),
            0,
            Default::default(),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, EngineError::Forbidden(_)), "{who}: {err}");
    }
}

on_both_backends!(
    profiles_become_extensions,
    profile_changes_are_validated_and_admin_only,
    issuance_from_a_csr_takes_only_its_key,
    bad_keys_and_csrs_are_refused_and_nothing_is_stored,
    card_transitions_move_their_certificates,
    user_effects_reach_every_credential,
    openssl_verify_honours_the_crl,
    escrowed_keys_are_recovered_only_by_a_recovery_agent,
    rsa_keys_are_escrowed_too,
    demo_data_carries_certificates,
    expired_certificates_are_listed,
);

#[tokio::test]
async fn a_ca_sealed_under_another_kek_does_not_start() {
    let e = common::sqlite().await;
    let mut settings = tessera_engine::testing::pki_settings();
    settings.kek =
        tessera_engine::pki::kek::KekSettings::Inline(zeroize::Zeroizing::new("22".repeat(32)));
    let err = tessera_engine::pki::Pki::start(&e, &settings)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("sealed under"), "{err}");
    // With the right KEK it loads the same CA it created before.
    let again = tessera_engine::pki::Pki::start(&e, &tessera_engine::testing::pki_settings())
        .await
        .unwrap();
    assert_eq!(again.ca.issuing.der, e.pki().unwrap().ca.issuing.der);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_rsa_ca_signs_certificates_and_crls_openssl_accepts() {
    let mut settings = tessera_engine::testing::pki_settings();
    settings.ca.algorithm = KeyAlgorithm::Rsa2048;
    let e = Engine::open_with_pki("sqlite::memory:", &settings)
        .await
        .unwrap();
    tessera_engine::demo::load(&e).await.unwrap();
    let pki = e.pki().unwrap();
    let (_, issuing) = X509Certificate::from_der(&pki.ca.issuing.der).unwrap();
    assert_eq!(
        issuing.public_key().algorithm.algorithm.to_id_string(),
        "1.2.840.113549.1.1.1",
        "an RSA issuing CA"
    );
    let p = person(&e, "Jonas Jansen").await;
    let owner = active_card(&e, p.id).await;
    let (_, spki) = card_key();
    let issued = issue_for(
        &e,
        owner,
        "Jonas Jansen",
        "Authentication",
        KeySource::Spki(spki),
    )
    .await;
    let (_, c) = X509Certificate::from_der(&issued.der).unwrap();
    assert_eq!(
        c.signature_algorithm.algorithm.to_id_string(),
        "1.2.840.113549.1.1.11",
        "sha256WithRSAEncryption"
    );
    crl::publish(&e).await.unwrap();
    let (ok, out) = OpensslCheck::new(&e).await.verify(&issued.der);
    assert!(ok, "{out}");
}
