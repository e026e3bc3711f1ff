//! Encodes a PIV card in a reader: Issue card (`CardsProcIssue`) for an approved card, and the
//! production of a temporary card (see [`super::target`] for which process and end state).
//!
//! The job is recorded before the first APDU. Every secret the card is about to get (management
//! key, PUK) is stored sealed before the card gets it; certificates are issued (`issued`) before
//! they are written; the card's new state, its certificates and the audit record are committed
//! together after the card was read back. A failure leaves the card `failed` and its
//! certificates revoked; a refusal before anything was written leaves it `approved`. A job
//! whose process stops is declared in doubt and resolved by [`super::reconcile`], never by
//! running it again.

use super::apdu::Transport;
use super::jobs::{self, Stats};
use super::mgmt_key::{MgmtAlgorithm, MgmtKey};
use super::piv::{self, ImportKey, KeyAlgorithm, Piv, PivError, Reference, Slot};
use super::reader::{self, Identity};
use super::secrets;
use super::target::{self, Target};
use super::{Bridge, ReaderClaim};
use crate::audit::AuditRecord;
use crate::entity::{certificate, encoding_job};
use crate::pki::issue::{self, SubjectData};
use crate::pki::keys::KeySource;
use crate::pki::{effects, profiles};
use crate::runner::{self, authorize, record, require_state};
use crate::Caller;
use crate::{options, people, Engine, EngineError, Result};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::time::Instant;
use tessera_process::bridge::{EncodingStep, JobState, StepStatus};
use tessera_process::profile::{CertPurpose, CertificateProfile, RevocationReason};
use tessera_process::{ObjectKind, OptionsPackage, ProcessId, State};
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

/// For tests of crash recovery only: stop as if the process died right after `step`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    pub crash_after: Option<EncodingStep>,
}

/// Checks that encoding may start on `target` (at `version`) with the card in `reader`:
/// Issue card on an approved card, or producing a temporary card (the state says which
/// process). Records the job and takes the reader. Nothing is sent to the card yet.
pub async fn begin(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    target: Target,
    version: i64,
    reader: &str,
) -> Result<(i64, ReaderClaim, IssueSettings)> {
    begin_as(engine, bridge, caller, target, version, reader, None).await
}

/// [`begin`] as `process` (a batch order's Issue multiple or Repeat production) rather than the
/// process the object's state suggests.
pub async fn begin_as(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    target: Target,
    version: i64,
    reader: &str,
    process: Option<ProcessId>,
) -> Result<(i64, ReaderClaim, IssueSettings)> {
    // Refuse early, before the reader or the database is touched, a caller who may start none
    // of the processes that encode this kind of object.
    let first = process.unwrap_or(match target.0 {
        ObjectKind::TempCard => ProcessId::TempCardsBoProcIssueMultiple,
        _ => ProcessId::CardsProcIssue,
    });
    authorize(caller, first.def())?;
    engine.pki()?;
    let claim = bridge.claim(reader)?;
    let settings = IssueSettings::current(&engine.db, target.0).await?;
    if settings.plans.is_empty() {
        return Err(EngineError::Invalid(format!(
            "No certificates are configured for {} (option {}Certificates); an admin must choose at least one.",
            if target.0 == ObjectKind::TempCard { "temporary cards" } else { "cards" },
            if target.0 == ObjectKind::TempCard { "TempCards" } else { "Cards" },
        )));
    }
    let job = engine
        .transact(async |txn| {
            let t = target::load(txn, target).await?;
            if t.version != version {
                return Err(EngineError::Conflict { kind: target.0 });
            }
            let def = process
                .or(target::encoding_process(t.state))
                .unwrap_or(first)
                .def();
            authorize(caller, def)?;
            require_state(def, t.state)?;
            // A card a batch order holds is produced by that batch, never beside it.
            if let Some(batch) = t.batch_order_id {
                if !matches!(def.starts_on, tessera_process::Subject::BatchOrders(_)) {
                    return Err(EngineError::Invalid(format!(
                        "{} {} belongs to batch order {batch}: it is produced there (BATCH ORDERS).",
                        target.0.label(),
                        target.1
                    )));
                }
            }
            if let Some(holder) = t.holder {
                people::active_holder(txn, holder, " now, so no card can be issued for them.").await?;
            }
            // The row lock first: a second job on this object waits here and then sees this one.
            runner::hold(txn, target.0, target.1, version).await?;
            if let Some(open) = jobs::open_on(txn, target).await?.first() {
                return Err(EngineError::Invalid(format!(
                    "{} {} already has encoding job {} ({}). {}",
                    target.0.label(),
                    target.1,
                    open.id,
                    open.state.replace('_', " "),
                    if open.state == JobState::InDoubt.as_str() {
                        "Reconcile it first: insert that card and click Reconcile."
                    } else {
                        "Wait for it to finish."
                    }
                )));
            }
            let job = jobs::create(txn, target, def.id, reader, caller.account_id).await?;
            record(
                txn,
                caller,
                AuditRecord {
                    action: "CardEncodingStarted".into(),
                    object: Some(target),
                    from_state: Some(t.state.as_str().into()),
                    to_state: None,
                    data: serde_json::json!({
                        "job_id": job,
                        "process": def.id.as_str(),
                        "reader": reader,
                        "certificates": settings.describe(),
                        "options_version": settings.options_version,
                    }),
                    detail: format!("Encoding started in reader \"{reader}\" for {}", t.label),
                },
            )
            .await?;
            Ok(job)
        })
        .await?;
    bridge.live_start(job);
    Ok((job, claim, settings))
}

/// Starts the encoding panel's process (Issue card, Initialize temporary card) in the background
/// on the card in `reader`; returns the job, whose progress [`jobs::view`] shows.
pub async fn start(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    target: Target,
    version: i64,
    reader: &str,
) -> Result<i64> {
    let process = super::target::panel_process(target.0);
    authorize(caller, process.def())?;
    // A requested or failed temporary card is produced in its batch order, not one by one.
    let state = target::load(&engine.db, target).await?.state;
    if target::encoding_process(state) != Some(process) {
        return Err(EngineError::Invalid(format!(
            "{} {} is {}: {} starts on a {} one.",
            target.0.label(),
            target.1,
            state.as_str().replace('_', " "),
            process.def().name,
            process.def().required[0].as_str().replace('_', " "),
        )));
    }
    let (job, claim, settings) = begin_as(
        engine,
        bridge,
        caller,
        target,
        version,
        reader,
        Some(process),
    )
    .await?;
    let (engine, bridge, caller) = (engine.clone(), bridge.clone(), caller.clone());
    tokio::spawn(async move {
        let name = claim.reader.clone();
        run(
            &engine,
            &bridge,
            &caller,
            job,
            claim,
            settings,
            move || reader::open(&name, true),
            RunOptions::default(),
        )
        .await;
    });
    Ok(job)
}

/// How a job ended, for callers that wait for it (tests, the benchmark). No `Debug`: it holds
/// the PIN.
#[derive(Clone)]
pub struct Finished {
    pub job: i64,
    pub state: JobState,
    pub error: Option<String>,
    pub pin: Option<Zeroizing<String>>,
    pub stats: Stats,
}

/// A step's failure: what to tell the operator, and whether the card was already changed.
pub(super) struct Failure {
    step: EncodingStep,
    message: String,
    card_changed: bool,
}

/// The running job's context.
struct Job<'a, T: Transport + Send + 'static> {
    engine: &'a Engine,
    bridge: &'a Bridge,
    caller: &'a Caller,
    id: i64,
    target: Target,
    piv: Option<Piv<T>>,
    step: EncodingStep,
    card_changed: bool,
    started: Instant,
    stats_base: super::apdu::ChannelStats,
    /// Connecting and powering the card: card time, though no APDU.
    connect: std::time::Duration,
}

impl<T: Transport + Send + 'static> Job<'_, T> {
    fn fail(&self, message: impl Into<String>) -> Failure {
        Failure {
            step: self.step,
            message: message.into(),
            card_changed: self.card_changed,
        }
    }

    async fn enter(
        &mut self,
        step: EncodingStep,
        values: Vec<(&'static str, sea_orm::Value)>,
    ) -> std::result::Result<(), Failure> {
        self.step = step;
        jobs::advance(&self.engine.db, self.id, step, values)
            .await
            .map_err(|e| self.fail(e.to_string()))?;
        self.bridge.live_update(self.id, |l| {
            for s in &mut l.steps {
                if s.step == step {
                    s.status = StepStatus::Running;
                }
            }
        });
        Ok(())
    }

    /// Renews the lease within a long step (one per key generated).
    async fn renew(&self) -> std::result::Result<(), Failure> {
        jobs::advance(&self.engine.db, self.id, self.step, vec![])
            .await
            .map_err(|e| self.fail(e.to_string()))
    }

    fn done(&self, detail: impl Into<String>) {
        let step = self.step;
        let detail = detail.into();
        self.bridge.live_update(self.id, |l| {
            for s in &mut l.steps {
                if s.step == step {
                    s.status = StepStatus::Done;
                    s.detail = Some(detail.clone());
                }
            }
        });
    }

    /// Runs card work on a blocking thread (PC/SC calls block), keeping the connection.
    async fn card<R: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Piv<T>) -> std::result::Result<R, PivError> + Send + 'static,
    ) -> std::result::Result<R, Failure> {
        let mut p = self
            .piv
            .take()
            .ok_or_else(|| self.fail("the card connection was lost"))?;
        let (p, r) = tokio::task::spawn_blocking(move || {
            let r = f(&mut p);
            (p, r)
        })
        .await
        .map_err(|e| self.fail(format!("the card task stopped: {e}")))?;
        self.piv = Some(p);
        r.map_err(|e| self.fail(card_message(&e)))
    }

    fn stats(&self) -> Stats {
        let s = self
            .piv
            .as_ref()
            .map(|p| p.channel.stats())
            .unwrap_or(self.stats_base);
        Stats {
            apdus: s.apdus,
            on_card_ms: (s.on_card + self.connect).as_millis() as u64,
            total_ms: self.started.elapsed().as_millis() as u64,
        }
    }
}

/// An operator-facing sentence for a card error.
pub fn card_message(e: &PivError) -> String {
    match e {
        PivError::Transport(super::apdu::TransportError::Removed) => {
            "The card was removed from the reader.".into()
        }
        other => {
            let s = other.to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
                None => s,
            }
        }
    }
}

/// Runs a job to its end: success commits the issued card, failure records why.
#[allow(clippy::too_many_arguments)]
pub async fn run<T, O>(
    engine: &Engine,
    bridge: &Bridge,
    caller: &Caller,
    job: i64,
    claim: ReaderClaim,
    settings: IssueSettings,
    open: O,
    opts: RunOptions,
) -> Finished
where
    T: Transport + Send + 'static,
    O: FnOnce() -> std::result::Result<(Piv<T>, Vec<u8>), PivError> + Send + 'static,
{
    let target = match jobs::load(&engine.db, job)
        .await
        .and_then(|j| jobs::target_of(&j))
    {
        Ok(t) => t,
        Err(e) => {
            tracing::error!("encoding job {job} vanished: {e}");
            return Finished {
                job,
                state: JobState::Failed,
                error: Some(e.to_string()),
                pin: None,
                stats: Stats::default(),
            };
        }
    };
    let mut j = Job {
        engine,
        bridge,
        caller,
        id: job,
        target,
        piv: None,
        step: EncodingStep::Connect,
        card_changed: false,
        started: Instant::now(),
        stats_base: Default::default(),
        connect: Default::default(),
    };
    let outcome = steps(&mut j, &settings, open, opts).await;
    let stats = j.stats();
    let finished = match outcome {
        Ok(Some(pin)) => {
            bridge.live_update(job, |l| {
                l.state = JobState::Succeeded;
                l.pin = Some(pin.clone());
            });
            Finished {
                job,
                state: JobState::Succeeded,
                error: None,
                pin: Some(pin),
                stats,
            }
        }
        // A simulated crash: nothing more happens, as if the process had died.
        Ok(None) => Finished {
            job,
            state: JobState::Encoding,
            error: None,
            pin: None,
            stats,
        },
        Err(f) => {
            let message = format!("{} failed: {}", f.step.label(), f.message);
            if let Err(e) = record_failure(
                engine,
                caller,
                job,
                target,
                f.step,
                f.card_changed,
                &message,
                stats,
            )
            .await
            {
                tracing::error!("recording the failure of encoding job {job} failed: {e}");
            }
            let step = f.step;
            bridge.live_update(job, |l| {
                l.state = JobState::Failed;
                l.error = Some(message.clone());
                for s in &mut l.steps {
                    if s.step == step {
                        s.status = StepStatus::Failed;
                        s.detail = Some(f.message.clone());
                    }
                }
            });
            Finished {
                job,
                state: JobState::Failed,
                error: Some(message),
                pin: None,
                stats,
            }
        }
    };
    if let Some(p) = j.piv.take() {
        let _ = tokio::task::spawn_blocking(move || drop(p)).await;
    }
    drop(claim);
    bridge.forget_later(job);
    finished
}

/// The state a card's secrets are in before Tessera changes them.
struct Current {
    key: MgmtKey,
    puk: Zeroizing<String>,
    /// Known only on a blank card (the default).
    pin: Option<Zeroizing<String>>,
}

async fn steps<T, O>(
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
        .unwrap_or_else(|| crate::time::now() + chrono::Duration::days(365))
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
pub(super) fn opens<T: Transport>(
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
            let subject: SubjectData = target::load(txn, target).await?.subject;
            let mut out = Vec::new();
            for ((slot, profile), spki) in settings.plans.iter().zip(sources) {
                let key = match spki {
                    Some(der) => KeySource::Spki(der),
                    None => KeySource::Generate,
                };
                let i =
                    issue::issue(txn, pki, Some(caller), target, &subject, profile, key).await?;
                out.push((*slot, i));
            }
            let ids: Vec<i64> = out.iter().map(|(_, i)| i.certificate_id).collect();
            jobs::advance(
                txn,
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

/// The job's process moves `target` from `from` to `to`, with the certificate effect the table
/// gives that transition.
async fn move_target(
    txn: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    process: ProcessId,
    target: Target,
    loaded: &target::Loaded,
    to: State,
    reason: Option<RevocationReason>,
) -> Result<effects::EffectOutcome> {
    runner::transition_with_certificates(
        txn,
        Some(caller),
        process.def(),
        target.1,
        loaded.version,
        loaded.state,
        to,
        vec![],
        reason,
    )
    .await
}

/// The object reaches its encoded state with its certificates, the chip's secrets are kept,
/// the job succeeds, and the audit record says so: one transaction.
pub(super) async fn commit_issued(
    engine: &Engine,
    caller: &Caller,
    id: i64,
    target: Target,
    serials: &[(Slot, String)],
    stats: Stats,
    what: &str,
) -> Result<()> {
    engine.transact(async |txn| {
            let job = jobs::load(txn, id).await?;
            let process = jobs::process_of(&job)?;
            let t = target::load(txn, target).await?;
            let to = target::encoded_state(process, t.state)?;
            let outcome = move_target(txn, caller, process, target, &t, to, None).await?;
            jobs::save_chip(txn, target, &job).await?;
            jobs::finish(txn, id, &[JobState::Encoding, JobState::InDoubt], JobState::Succeeded, None, stats).await?;
            record(
                txn,
                caller,
                AuditRecord {
                    action: process.as_str().into(),
                    object: Some(target),
                    from_state: Some(t.state.as_str().into()),
                    to_state: Some(to.as_str().into()),
                    data: serde_json::json!({
                        "job_id": id,
                        "reader": job.reader,
                        "chip_serial": job.chip_serial,
                        "chuid_guid": job.chuid_guid,
                        "certificates": serials.iter().map(|(s, serial)| serde_json::json!({"slot": format!("{:02X}", s.id()), "serial": serial})).collect::<Vec<_>>(),
                        "apdus": stats.apdus,
                    }),
                    detail: format!("{what}: card encoded for {} in reader \"{}\"", t.label, job.reader),
                },
            )
            .await?;
            txn.publish_crl_if(&outcome);
            Ok(())
        })
    .await
}

/// Records a failed job: the object `failed` with its certificates revoked if the chip was
/// already changed (and the process has a failed state), else left as it was (with any issued
/// certificate revoked all the same).
#[allow(clippy::too_many_arguments)]
pub(super) async fn record_failure(
    engine: &Engine,
    caller: &Caller,
    job: i64,
    target: Target,
    step: EncodingStep,
    card_changed: bool,
    message: &str,
    stats: Stats,
) -> Result<()> {
    engine
        .transact(async |txn| {
            let process = jobs::process_of(&jobs::load(txn, job).await?)?;
            jobs::finish(txn, job, &[JobState::Encoding, JobState::InDoubt], JobState::Failed, Some(message), stats).await?;
            let t = target::load(txn, target).await?;
            let mut outcome = effects::EffectOutcome::default();
            let to = match target::failed_state(process, t.state) {
                Some(failed) if card_changed => {
                    outcome = move_target(
                        txn,
                        caller,
                        process,
                        target,
                        &t,
                        failed,
                        Some(RevocationReason::CessationOfOperation),
                    )
                    .await?;
                    Some(failed)
                }
                _ => None,
            };
            // Whatever the object's state, no certificate of this job stays live undelivered.
            let rest = effects::revoke_undelivered(txn, Some(caller), target, message).await?;
            outcome.changed.extend(rest.changed);
            record(
                txn,
                caller,
                AuditRecord {
                    action: process.as_str().into(),
                    object: Some(target),
                    from_state: Some(t.state.as_str().into()),
                    to_state: to.map(|s| s.as_str().to_string()),
                    data: serde_json::json!({ "job_id": job, "step": step.as_str(), "error": message, "card_changed": card_changed }),
                    detail: if to.is_some() {
                        format!("Encoding failed, {} failed and its certificates revoked: {message}", t.label)
                    } else {
                        format!("Encoding refused, nothing was written to the card: {message}")
                    },
                },
            )
            .await?;
            txn.publish_crl_if(&outcome);
            Ok(())
        })
        .await
}

/// Certificates a job issued, for reconciliation.
pub async fn job_certificates(
    engine: &Engine,
    j: &encoding_job::Model,
) -> Result<Vec<certificate::Model>> {
    let ids: Vec<i64> = serde_json::from_str(&j.certificate_ids).unwrap_or_default();
    Ok(certificate::Entity::find()
        .filter(certificate::Column::Id.is_in(ids))
        .all(&engine.db)
        .await?)
}
