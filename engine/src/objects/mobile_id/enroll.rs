//! Enrollment over EST (RFC 7030) for mobile IDs, per certificate label ("authentication",
//! "signature", "encryption"): `cacerts`, `csrattrs`, `simpleenroll` (the phone's key, in a
//! PKCS#10) and `serverkeygen` (a key Tessera escrows, or recovers from escrow). The phone
//! authenticates with the activation id and code. Each label is enrolled once; the last one
//! makes the mobile ID `active` and every certificate on it `valid`, in one transaction.

use super::activation::{self, MAX_FAILED_ATTEMPTS};
use super::notify::{self, Outcome};
use crate::audit::{self, AuditRecord};
use crate::entity::{certificate, mobile_id, mobile_id_activation as act, person};
use crate::pki::issue::{self, SubjectData};
use crate::pki::keys::{self, KeySource};
use crate::pki::{der, Pki};
use crate::runner;
use crate::{Engine, EngineError};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use std::collections::BTreeMap;
use tessera_process::profile::{CertPurpose, CertificateProfile, KeyAlgorithm};
use tessera_process::{CertificateState, ErrorKind, MobileIdState, ObjectKind, ProcessId};
use zeroize::Zeroizing;

/// Why an EST request is refused. Each is a kind of refusal (`ErrorKind`), which the server
/// answers with the HTTP status RFC 7030 clients expect.
#[derive(Debug, thiserror::Error)]
pub enum EstError {
    /// No, a wrong, an expired or a used activation code.
    #[error("{0}")]
    Unauthorized(String),
    /// The activation is blocked, or the mobile ID may not get this certificate.
    #[error("{0}")]
    Forbidden(String),
    /// No such EST label.
    #[error("{0}")]
    NotFound(String),
    /// This certificate was already enrolled.
    #[error("{0}")]
    Conflict(String),
    /// The request itself is unusable (CSR, key type, endpoint).
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Engine(EngineError),
}

impl EstError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            EstError::Unauthorized(_) => ErrorKind::Unauthenticated,
            EstError::Forbidden(_) => ErrorKind::Forbidden,
            EstError::NotFound(_) => ErrorKind::NotFound,
            EstError::Conflict(_) => ErrorKind::Conflict,
            EstError::BadRequest(_) => ErrorKind::BadRequest,
            EstError::Engine(e) => e.kind(),
        }
    }

    pub fn status(&self) -> u16 {
        self.kind().status()
    }
}

impl From<EngineError> for EstError {
    fn from(e: EngineError) -> Self {
        match e {
            // The phone's app reads EST answers: in English.
            EngineError::BadKey(m) => EstError::BadRequest(m.en),
            e @ EngineError::Conflict { .. } => EstError::Conflict(e.to_string()),
            e @ (EngineError::Forbidden(_) | EngineError::WrongState { .. }) => {
                EstError::Forbidden(e.to_string())
            }
            e @ EngineError::NotFound { .. } => EstError::NotFound(e.to_string()),
            other => EstError::Engine(other),
        }
    }
}

impl From<sea_orm::DbErr> for EstError {
    fn from(e: sea_orm::DbErr) -> Self {
        EstError::Engine(e.into())
    }
}

type Result<T> = std::result::Result<T, EstError>;

/// What the phone presents: the activation id and code (HTTP Basic).
pub struct Credentials<'a> {
    pub public_id: &'a str,
    pub code: &'a str,
}

/// What an enrollment returns: the certificate, the chain, and a key Tessera provided.
pub struct Enrolled {
    pub certificate_der: Vec<u8>,
    pub private_key_pkcs8: Option<Zeroizing<Vec<u8>>>,
    /// The certificate then the issuing CA, as a certs-only PKCS#7.
    pub pkcs7: Vec<u8>,
    pub activated: bool,
}

fn purpose(label: &str) -> Result<CertPurpose> {
    super::purpose(label).ok_or_else(|| {
        EstError::NotFound(format!(
            "There is no EST label \"{label}\". Tessera's labels are {}.",
            CertPurpose::ALL
                .iter()
                .map(|p| super::label(*p))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// `cacerts`: the issuing CA and the root.
pub fn cacerts(engine: &Engine, label: &str) -> Result<Vec<u8>> {
    purpose(label)?;
    let pki = engine.pki()?;
    Ok(der::certs_only(&[&pki.ca.issuing.der, &pki.ca.root.der]))
}

const ECDSA_WITH_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];
const EC_PUBLIC_KEY: &[u64] = &[1, 2, 840, 10045, 2, 1];
const PRIME256V1: &[u64] = &[1, 2, 840, 10045, 3, 1, 7];
const SHA256_WITH_RSA: &[u64] = &[1, 2, 840, 113549, 1, 1, 11];
const RSA_ENCRYPTION: &[u64] = &[1, 2, 840, 113549, 1, 1, 1];

/// `csrattrs`: the key type and signature algorithm the label's profile certifies (RFC 8295
/// style: the key's algorithm attribute with its curve or size).
pub async fn csrattrs(engine: &Engine, label: &str) -> Result<Vec<u8>> {
    purpose(label)?;
    let profile = super::profile(&engine.db, label)
        .await?
        .ok_or_else(|| EstError::NotFound(format!("There is no profile for \"{label}\".")))?;
    Ok(match profile.key_algorithm {
        KeyAlgorithm::EcdsaP256 => der::sequence(&[
            der::oid(ECDSA_WITH_SHA256),
            der::sequence(&[der::oid(EC_PUBLIC_KEY), der::set(&[der::oid(PRIME256V1)])]),
        ]),
        KeyAlgorithm::Rsa2048 => der::sequence(&[
            der::oid(SHA256_WITH_RSA),
            der::sequence(&[der::oid(RSA_ENCRYPTION), der::set(&[der::integer(2048)])]),
        ]),
    })
}

/// Checks the id and code. A wrong code counts against the activation, in a statement of its
/// own that stays even though the request fails; the last allowed one blocks it.
async fn authenticate(engine: &Engine, source: &str, cred: &Credentials<'_>) -> Result<act::Model> {
    engine.guards.admit_est(source)?;
    if cred.public_id.len() != 16 || cred.code.len() > 64 {
        return Err(wrong_code());
    }
    let a = act::Entity::find()
        .filter(act::Column::PublicId.eq(cred.public_id))
        .one(&engine.db)
        .await?
        .ok_or_else(wrong_code)?;
    if a.blocked_at.is_some() {
        return Err(blocked(a.mobile_id));
    }
    if !crate::auth::same_secret(
        activation::hash(cred.code).as_bytes(),
        a.code_hash.as_bytes(),
    ) {
        return Err(count_failure(engine, source, &a).await?);
    }
    if a.voided_at.is_some() {
        return Err(EstError::Unauthorized(format!(
            "This activation code was voided: the e-mail address or UPN of the holder of mobile ID {} changed after it was made. Ask for a new QR code.",
            a.mobile_id
        )));
    }
    if a.used_at.is_some() {
        return Err(EstError::Unauthorized(format!(
            "This activation code was already used: mobile ID {} is enrolled. A code works for one enrollment.",
            a.mobile_id
        )));
    }
    if a.expires_at <= engine.now() {
        return Err(EstError::Unauthorized(format!(
            "This activation code expired at {}. Ask for a new QR code.",
            crate::time::text(a.expires_at)
        )));
    }
    Ok(a)
}

fn wrong_code() -> EstError {
    EstError::Unauthorized(
        "The activation id or code is wrong. Scan the QR code again; a code from an older QR code no longer works.".into(),
    )
}

fn blocked(mobile_id: i64) -> EstError {
    EstError::Forbidden(format!(
        "The activation of mobile ID {mobile_id} is blocked after {MAX_FAILED_ATTEMPTS} wrong codes. Ask for a new QR code."
    ))
}

/// Counts a wrong code; returns the refusal to give.
async fn count_failure(engine: &Engine, source: &str, a: &act::Model) -> Result<EstError> {
    Ok(engine
        .transact(async |txn| {
        let now = txn.now();
        let mut q = Query::update();
        q.table("mobile_id_activation")
            .value("failed_attempts", Expr::col("failed_attempts").add(1))
            .and_where(Expr::col("id").eq(a.id))
            .and_where(Expr::col("blocked_at").is_null())
            // A used or expired code is no longer worth guessing: nothing to block or report.
            .and_where(Expr::col("used_at").is_null())
            .and_where(Expr::col("expires_at").gt(now))
            .returning(Query::returning().column("failed_attempts"));
        let Some(row) = txn.query_one(&q).await? else {
            return Ok(wrong_code());
        };
        let failed: i32 = row.try_get("", "failed_attempts")?;
        let m = runner::load::<mobile_id::Entity>(txn, ObjectKind::MobileId, a.mobile_id).await?;
        let now_blocked = failed >= MAX_FAILED_ATTEMPTS;
        let waiting = m.state == MobileIdState::Registered;
        if now_blocked {
            let mut q = Query::update();
            q.table("mobile_id_activation")
                .value("blocked_at", now)
                .value("failure_notified_at", now)
                .and_where(Expr::col("id").eq(a.id));
            txn.execute(&q).await?;
        }
        audit::append(
            txn,
            now,
            None,
            AuditRecord::event(
if now_blocked { "MobileIdActivationBlocked" } else { "MobileIdWrongCode" },
m.state,
m.id, serde_json::json!({ "failed_attempts": failed, "source": source }), if now_blocked {
                    format!("Activation of mobile ID {} blocked after {failed} wrong codes (last from {source})", m.id)
                } else {
                    format!("Wrong activation code for mobile ID {} from {source} ({failed} of {MAX_FAILED_ATTEMPTS})", m.id)
                }),
        )
        .await?;
        if now_blocked && waiting {
            let holder = crate::objects::user::people::load(txn, m.person_id).await?;
            notify::user(
                txn,
                now,
                &m,
                &holder,
                Outcome::Failed("the activation code was entered wrongly too many times, so it was blocked."),
            )
            .await?;
        }
        if now_blocked {
            return Ok(blocked(m.id));
        }
        Ok(EstError::Unauthorized(format!(
            "The activation code is wrong. {} attempts are left before it is blocked.",
            MAX_FAILED_ATTEMPTS - failed
        )))
    })
    .await?)
}

/// The user properties the app receives.
pub async fn properties(
    engine: &Engine,
    source: &str,
    cred: &Credentials<'_>,
) -> Result<BTreeMap<String, String>> {
    let a = authenticate(engine, source, cred).await?;
    let m =
        runner::load::<mobile_id::Entity>(&engine.db, ObjectKind::MobileId, a.mobile_id).await?;
    usable(&m)?;
    Ok(serde_json::from_str(&m.properties).unwrap_or_default())
}

fn usable(m: &mobile_id::Model) -> Result<()> {
    let state = m.state;
    if state != MobileIdState::Registered {
        return Err(EstError::Forbidden(format!(
            "Mobile ID {} is {}: it can no longer be enrolled.",
            m.id,
            state.label().to_lowercase()
        )));
    }
    Ok(())
}

/// How the key of an enrollment comes.
pub enum KeyRequest<'a> {
    /// `simpleenroll`: the phone's key, in its CSR.
    Phone { csr: &'a [u8] },
    /// `serverkeygen`: Tessera provides the key; the CSR only has to be well-formed.
    Server { csr: &'a [u8] },
}

/// `simpleenroll` or `serverkeygen` for `label`.
pub async fn enroll(
    engine: &Engine,
    source: &str,
    label: &str,
    cred: &Credentials<'_>,
    request: KeyRequest<'_>,
) -> Result<Enrolled> {
    let purpose = purpose(label)?;
    let pki = engine.pki()?;
    let a = authenticate(engine, source, cred).await?;
    engine
        .transact_with(async |txn| {
            enroll_in(txn, txn.now(), pki, source, purpose, &a, request).await
        })
        .await
}

async fn enroll_in(
    txn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    pki: &Pki,
    source: &str,
    purpose: CertPurpose,
    a: &act::Model,
    request: KeyRequest<'_>,
) -> Result<Enrolled> {
    let label = super::label(purpose);
    // Holds the activation for this transaction, and finds it unchanged: a QR code shown
    // again in the meantime, or a parallel enrollment that finished, leaves nothing to hold.
    let mut q = Query::update();
    q.table("mobile_id_activation")
        .value("failed_attempts", Expr::col("failed_attempts"))
        .and_where(Expr::col("id").eq(a.id))
        .and_where(Expr::col("code_hash").eq(a.code_hash.clone()))
        .and_where(Expr::col("used_at").is_null())
        .and_where(Expr::col("voided_at").is_null())
        .and_where(Expr::col("blocked_at").is_null());
    if txn.execute(&q).await?.rows_affected() == 0 {
        return Err(EstError::Unauthorized(
            "This activation code is no longer valid: it was replaced by a newer QR code or used up.".into(),
        ));
    }
    let m = runner::load::<mobile_id::Entity>(txn, ObjectKind::MobileId, a.mobile_id).await?;
    usable(&m)?;
    let labels = super::labels(&m);
    if !labels.contains(&label) {
        return Err(EstError::Forbidden(format!(
            "Mobile ID {} does not get an {label} certificate: it was supplied with {}.",
            m.id,
            labels.join(", ")
        )));
    }
    let holder = crate::objects::user::people::load(txn, m.person_id).await?;
    if holder.state != tessera_process::UserState::Active {
        return Err(EstError::Forbidden(format!(
            "The holder of mobile ID {} is {}, so it cannot be enrolled.",
            m.id, holder.state
        )));
    }
    // A code sent by e-mail enrolls only the person whose address the supply saw.
    if let Some(to) = &a.delivered_to {
        if !holder.email.trim().eq_ignore_ascii_case(to) {
            return Err(EstError::Forbidden(format!(
                "This activation code was sent to {to}, which is no longer the e-mail address of the holder of mobile ID {}. Ask for a new QR code.",
                m.id
            )));
        }
    }
    // Nothing may change the mobile ID or its holder until this enrollment commits: a Lock or a
    // user's deactivation waits, and then sees the certificate issued here.
    runner::hold(txn, ObjectKind::MobileId, m.id, m.version).await?;
    runner::hold(txn, ObjectKind::User, holder.id, holder.version).await?;
    let existing = certificate::Entity::find()
        .filter(certificate::Column::OwnerKind.eq(ObjectKind::MobileId.as_str()))
        .filter(certificate::Column::OwnerId.eq(m.id))
        .all(txn)
        .await?;
    if let Some(c) = existing
        .iter()
        .find(|c| c.profile == purpose.label() && c.state != CertificateState::Revoked)
    {
        return Err(EstError::Conflict(format!(
            "The {label} certificate of mobile ID {} was already enrolled (serial {}). Each certificate is enrolled once.",
            m.id, c.serial
        )));
    }
    let mut profile = super::profile(txn, &label)
        .await?
        .ok_or_else(|| EstError::NotFound(format!("There is no profile for \"{label}\".")))?;
    cap_validity(&mut profile, &m, now);
    let key = key_source(
        txn, now, pki, source, &m, &holder, &profile, &label, request,
    )
    .await?;
    let server_key = !matches!(key, KeySource::Csr(_));
    let issued = issue::issue(
        txn,
        now,
        pki,
        None,
        (ObjectKind::MobileId, m.id),
        &SubjectData::from(&holder),
        &profile,
        key,
    )
    .await?;
    audit::append(
        txn,
        now,
        None,
        AuditRecord::event(
            "MobileIdCertificateEnrolled",
            m.state,
            m.id,
            serde_json::json!({
                "label": label,
                "serial": issued.serial,
                "server_generated_key": server_key,
                "source": source,
            }),
            format!(
                "{} certificate {} enrolled for mobile ID {} over EST from {source}",
                purpose.label(),
                issued.serial,
                m.id
            ),
        ),
    )
    .await?;
    let live: Vec<certificate::Model> = existing
        .into_iter()
        .filter(|c| c.state != CertificateState::Revoked)
        .collect();
    let mut done: Vec<String> = super::labels_of(&live);
    done.push(label.clone());
    let activated = labels.iter().all(|l| done.contains(l));
    if activated {
        activate(txn, now, &m, &holder, a).await?;
    }
    Ok(Enrolled {
        pkcs7: der::certs_only(&[&issued.der, &pki.ca.issuing.der]),
        certificate_der: issued.der,
        private_key_pkcs8: issued.generated_key_pkcs8,
        activated,
    })
}

/// A mobile ID's certificates, issued at `now`, end no later than the mobile ID.
fn cap_validity(
    profile: &mut CertificateProfile,
    m: &mobile_id::Model,
    now: chrono::DateTime<chrono::Utc>,
) {
    if let Some(until) = m.valid_until {
        let days = std::cmp::max((until - now).num_days(), 1);
        profile.validity_days = std::cmp::min(
            profile.validity_days,
            u32::try_from(days).unwrap_or(u32::MAX),
        );
    }
}

#[allow(clippy::too_many_arguments)]
async fn key_source(
    txn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    pki: &Pki,
    source: &str,
    m: &mobile_id::Model,
    holder: &person::Model,
    profile: &CertificateProfile,
    label: &str,
    request: KeyRequest<'_>,
) -> Result<KeySource> {
    match (request, profile.recoverable) {
        (KeyRequest::Phone { .. }, true) => Err(EstError::BadRequest(format!(
            "The {label} key is escrowed, so Tessera provides it: enroll it with serverkeygen, not simpleenroll."
        ))),
        (KeyRequest::Server { .. }, false) => Err(EstError::BadRequest(format!(
            "The {label} key is made on the phone and never leaves it: enroll it with simpleenroll, not serverkeygen."
        ))),
        (KeyRequest::Phone { csr }, false) => {
            let checked = keys::check_csr(csr)?;
            // `keys::check_csr` names a key as the profile's algorithm labels itself.
            let wanted = profile.key_algorithm.label();
            if checked.algorithm != wanted {
                return Err(EstError::BadRequest(format!(
                    "Wrong key type: the {label} certificate is for an {wanted} key, and the request has an {} key. The csrattrs of this label name the key type.",
                    checked.algorithm
                )));
            }
            Ok(KeySource::Csr(csr.to_vec()))
        }
        (KeyRequest::Server { csr }, true) => {
            // Proves the request is well-formed and signed; its key is not used.
            keys::check_csr(csr)?;
            if !m.recover_encryption {
                return Ok(KeySource::Generate);
            }
            let Some((old, algorithm, pkcs8)) =
                crate::pki::escrow::newest_of_person(txn, pki, holder.id, &profile.name).await?
            else {
                // Nothing to recover yet: the user's first encryption key.
                return Ok(KeySource::Generate);
            };
            let Some((_, reason)) = super::recovery::consented(m) else {
                return Err(EstError::Forbidden(format!(
                    "The {label} key of mobile ID {} is recovered from escrow, which needs a key recovery agent's consent. Ask a key recovery agent to consent on the mobile ID's page, then enroll again.",
                    m.id
                )));
            };
            let (started_by, consented_by) = super::recovery::names(txn, m).await?;
            audit::append(
                txn,
                now,
                None,
                AuditRecord::event(
"KeyRecovered",
holder.state,
holder.id, serde_json::json!({
                        "serial": old.serial,
                        "certificate_id": old.id,
                        "owner": { "kind": old.owner_kind, "id": old.owner_id },
                        "reason": reason,
                        "started_by": started_by,
                        "consented_by": consented_by,
                        "delivered_to": { "kind": ObjectKind::MobileId, "id": m.id },
                        "source": source,
                    }), format!(
                        "Escrowed key of certificate {} recovered onto mobile ID {} (supplied by {}, consent of {}): {reason}",
                        old.serial,
                        m.id,
                        started_by.as_deref().unwrap_or("the user"),
                        consented_by.as_deref().unwrap_or("an agent"),
                    )),
            )
            .await?;
            Ok(KeySource::Recovered { pkcs8, algorithm })
        }
    }
}

/// The last certificate is in: the mobile ID becomes active and its certificates valid.
async fn activate(
    txn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    m: &mobile_id::Model,
    holder: &person::Model,
    a: &act::Model,
) -> Result<()> {
    let process =
        ProcessId::parse(&m.process).unwrap_or(ProcessId::MobileIDProcSupplyMobileIDForUser);
    let def = process.def();
    let (from, to) = (MobileIdState::Registered, MobileIdState::Active);
    let moved = runner::step(def, (m.id, m.version), from.into(), to.into())
        .setting(vec![("activated_at", now.into())])
        .take(txn, now, None)
        .await?;
    let mut q = Query::update();
    q.table("mobile_id_activation")
        .value("used_at", now)
        .and_where(Expr::col("id").eq(a.id));
    txn.execute(&q).await?;
    let valid = moved.certificates.changed.len();
    let detail = format!(
        "Mobile ID {} of {} ({}) enrolled: active, {valid} certificates valid",
        m.id, holder.common_name, holder.upn,
    );
    let data = serde_json::json!({ "certificates_valid": valid });
    moved.record(txn, now, None, data, detail).await?;
    notify::user(txn, now, m, holder, Outcome::Active).await?;
    Ok(())
}
