//! Recovering an escrowed key onto a mobile ID is a key recovery like any other: it takes a key
//! recovery agent's consent, with a reason, given by someone other than the person who supplied
//! the mobile ID and other than its holder. Without it, `serverkeygen` refuses to hand the key
//! out; with it, the recovery is audited in the holder's history naming who started it, who
//! consented and why.

use crate::audit::{self, AuditRecord};
use crate::entity::mobile_id;
use crate::objects::user::people;
use crate::runner::{self};
use crate::Caller;
use crate::{Engine, EngineError, Result};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::ConnectionTrait;
use tessera_process::dto::MobileIdRow;
use tessera_process::said;
use tessera_process::{MobileIdState, ObjectKind, Role};

/// Consent to key recovery: a key recovery agent allows the escrowed encryption key of the
/// holder to be delivered to this mobile ID.
pub async fn consent(
    engine: &Engine,
    caller: &Caller,
    id: i64,
    expected_version: i64,
    reason: &str,
) -> Result<MobileIdRow> {
    caller.require_any(
        &[Role::KeyRecovery],
        said!(
            "consent to key recovery",
            "samtycka till nyckelåterställning"
        ),
    )?;
    let reason = runner::given_reason(
        reason,
        Some(said!(
            "Say why the key is recovered onto this mobile ID; the reason is kept in the user's history.",
            "Ange varför nyckeln återställs till det här mobila ID:t; orsaken sparas i användarens historik."
        )),
    )?;
    engine
        .transact(async |txn| {
            let now = txn.now();
            let m = runner::load::<mobile_id::Entity>(txn, ObjectKind::MobileId, id).await?;
            if !m.recover_encryption {
                let option = tessera_process::options::mobile_id::RECOVER_ENCRYPTION_CERTIFICATES
                    .def
                    .label;
                return Err(EngineError::Invalid(said!(
                    "Mobile ID {id} was supplied without \"{en}\": there is nothing to consent to.",
                    "Mobilt ID {id} tillhandahölls utan ”{sv}”: det finns inget att samtycka till.",
                    en = option.en,
                    sv = option.sv
                )));
            }
            if m.state != MobileIdState::Registered {
                return Err(EngineError::NotNow(said!(
                    "Mobile ID {id} is {en}: consent is given only while it waits for enrollment.",
                    "Mobilt ID {id} har tillståndet ”{sv}”: samtycke ges bara medan det väntar på registrering.",
                    en = m.state,
                    sv = m.state.words().sv
                )));
            }
            if m.recovery_consented_by.is_some() {
                return Err(EngineError::NotNow(said!(
                    "Consent to key recovery onto mobile ID {id} was already given.",
                    "Samtycke till nyckelåterställning till mobilt ID {id} har redan getts."
                )));
            }
            if m.requested_by == Some(caller.account_id) || caller.person_id == Some(m.person_id) {
                return Err(EngineError::Forbidden(said!(
                    "consent to recovering a key onto a mobile ID you supplied or hold: another key recovery agent must",
                    "samtycka till att en nyckel återställs till ett mobilt ID som du har tillhandahållit eller innehar: en annan agent för nyckelåterställning måste göra det"
                )));
            }
            let holder = people::load(txn, m.person_id).await?;
            let mut q = Query::update();
            q.table("mobile_id")
                .value("recovery_consented_by", caller.account_id)
                .value("recovery_consented_at", now)
                .value("recovery_reason", reason)
                .value("version", Expr::col("version").add(1))
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("version").eq(expected_version));
            if txn.execute(&q).await?.rows_affected() == 0 {
                return Err(EngineError::Conflict {
                    kind: ObjectKind::MobileId,
                });
            }
            audit::append(
txn,
now,
Some(caller),
                AuditRecord::event(
"MobileIdKeyRecoveryConsented",
holder.state,
holder.id, serde_json::json!({
                        "mobile_id": id,
                        "reason": reason,
                        "started_by": m.requested_by,
                    }), format!(
                        "Consent to recover the escrowed encryption key of {} ({}) onto mobile ID {id}: {reason}",
                        holder.common_name, holder.upn
                    )),
            )
            .await?;
            let m = runner::load::<mobile_id::Entity>(txn, ObjectKind::MobileId, id).await?;
            super::view::row(txn, now, &m, &holder.common_name).await
        })
        .await
}

/// Who consented to recovering onto `m`, and why; `None` while nobody has.
pub(crate) fn consented(m: &mobile_id::Model) -> Option<(i64, &str)> {
    Some((m.recovery_consented_by?, m.recovery_reason.as_deref()?))
}

/// The names of who started and who consented, for the audit record of the recovery.
pub(crate) async fn names(
    conn: &impl ConnectionTrait,
    m: &mobile_id::Model,
) -> Result<(Option<String>, Option<String>)> {
    let ids = m.requested_by.into_iter().chain(m.recovery_consented_by);
    let names = people::account_names(conn, ids).await?;
    Ok((
        m.requested_by.and_then(|i| names.get(&i).cloned()),
        m.recovery_consented_by.and_then(|i| names.get(&i).cloned()),
    ))
}
