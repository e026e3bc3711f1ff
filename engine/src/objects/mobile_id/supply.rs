//! Supply mobile ID for user (operator) and Get mobile ID (self-service): checks, the page
//! before Next, and Next, which creates the mobile ID in `registered` and sends or shows its
//! QR code. Self-Service shows a QR code on request (`show_qr`), each time with a new code.

use super::activation::{self, NewCode};
use super::{EMAIL, OPTION_KEYS, SELF_SERVICE};
use crate::audit::{self, AuditRecord};
use crate::entity::{mobile_id, person};
use crate::objects::user::people;
use crate::runner::{authorize, hold, require_enabled, require_state};
use crate::Caller;
use crate::{options, Engine, EngineError, Result};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use tessera_process::dto::{MobileIdQr, SupplyMobileIdOutcome, SupplyMobileIdPreview};
use tessera_process::options::mobile_id as option;
use tessera_process::said;
use tessera_process::transition::find;
use tessera_process::{MobileIdState, ObjectKind, OptionsPackage, ProcessId, Role, State};

const PACKAGE: OptionsPackage = OptionsPackage::MobileIDScriptOptions;

fn creating(process: ProcessId) -> Result<()> {
    if matches!(
        process,
        ProcessId::MobileIDProcSupplyMobileIDForUser | ProcessId::MobileIDSelfServiceProcGet
    ) {
        Ok(())
    } else {
        Err(EngineError::Invalid(said!(
            "\"{en}\" does not create a mobile ID.",
            "”{sv}” skapar inget mobilt ID.",
            en = process.def().name.en,
            sv = process.def().name.sv
        )))
    }
}

/// What the options make of a run, and the refusals that need nothing stored to be told.
struct Plan {
    opts: options::Current,
    labels: Vec<String>,
    delivery: String,
}

async fn check(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    process: ProcessId,
    user_id: i64,
) -> Result<(person::Model, Plan)> {
    creating(process)?;
    let def = process.def();
    authorize(caller, def)?;
    // Get mobile ID is for oneself only.
    if process == ProcessId::MobileIDSelfServiceProcGet && caller.person_id != Some(user_id) {
        return Err(EngineError::Forbidden(said!(
            "get a mobile ID for someone else",
            "skaffa ett mobilt ID åt någon annan"
        )));
    }
    people::may_see_person(caller, user_id)?;
    let p = people::load(conn, user_id).await?;
    let state = State::User(p.state);
    require_state(def, state)?;
    require_enabled(conn, def, state).await?;
    let opts = options::current(conn, PACKAGE).await?;
    let labels: Vec<String> = tessera_process::profile::CertPurpose::ALL
        .iter()
        .map(|p| super::label(*p))
        .filter(|l| opts.get(option::CERTIFICATES).contains(l))
        .collect();
    if labels.is_empty() {
        let option = option::CERTIFICATES.def.label;
        return Err(EngineError::Invalid(said!(
            "The options select no certificates for mobile IDs. An administrator chooses them under MobileIDScriptOptions, \"{en}\".",
            "Alternativen väljer inga certifikat för mobila ID. En administratör väljer dem under MobileIDScriptOptions, ”{sv}”.",
            en = option.en,
            sv = option.sv
        )));
    }
    let delivery = opts.get(option::QR_DELIVERY);
    if delivery == EMAIL && crate::mail::usable(&p.email).is_none() {
        return Err(EngineError::Invalid(said!(
            "{name} has no e-mail address a message can go to (\"{email}\"), and the options send the QR code by e-mail. Correct the address first.",
            "{name} har ingen e-postadress som ett meddelande kan skickas till (”{email}”), och alternativen skickar QR-koden med e-post. Rätta adressen först.",
            name = &p.common_name,
            email = p.email.trim()
        )));
    }
    if delivery == EMAIL {
        people::check_not_entered_by(&p, caller)?;
    }
    Ok((
        p,
        Plan {
            opts,
            labels,
            delivery,
        },
    ))
}

/// The page before Next. Stores nothing, so Cancel leaves nothing behind.
pub async fn preview(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    user_id: i64,
) -> Result<SupplyMobileIdPreview> {
    let (p, plan) = check(&engine.db, caller, process, user_id).await?;
    Ok(SupplyMobileIdPreview {
        process,
        name: process.def().name.en.into(),
        email: (plan.delivery == EMAIL).then(|| p.email.trim().to_string()),
        user: people::detail(&p)?,
        options: plan.opts.in_force(PACKAGE, OPTION_KEYS),
        options_version: plan.opts.version,
        certificates: plan.labels,
        delivery: plan.delivery,
        end_state: MobileIdState::Registered,
    })
}

/// The properties the app receives, as the options choose them.
fn properties(opts: &options::Current, p: &person::Model, public_url: &str) -> serde_json::Value {
    let chosen = opts.get(option::USER_PROPERTIES);
    let server = public_url
        .split("://")
        .nth(1)
        .unwrap_or(public_url)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_string();
    let mut out = serde_json::Map::new();
    for (key, value) in [
        ("user_id", p.upn.clone()),
        ("server_name", server),
        ("profile_name", super::PROFILE_NAME.to_string()),
    ] {
        if chosen.iter().any(|c| c == key) {
            out.insert(key.into(), value.into());
        }
    }
    serde_json::Value::Object(out)
}

/// Next: the mobile ID in `registered`, its audit record, and (by e-mail, or Get mobile ID in
/// Self-Service) its first activation, in one transaction.
pub async fn supply(
    engine: &Engine,
    caller: &Caller,
    process: ProcessId,
    user_id: i64,
    user_version: i64,
) -> Result<SupplyMobileIdOutcome> {
    let pki = engine.pki()?;
    let def = process.def();
    engine
        .transact(async |txn| {
            let (p, plan) = check(txn, caller, process, user_id).await?;
            hold(txn, ObjectKind::User, p.id, user_version).await?;
            // One enrollment at a time: a second QR code for the same person would leave two
            // codes about, and the operator could not tell which phone used which.
            if let Some(waiting) = mobile_id::Entity::find()
                .filter(mobile_id::Column::PersonId.eq(p.id))
                .filter(mobile_id::Column::State.eq(MobileIdState::Registered))
                .one(txn)
                .await?
            {
                return Err(EngineError::NotNow(said!(
                    "{name} already has mobile ID {id} waiting to be enrolled. Let the user enroll it, or lock it first.",
                    "{name} har redan mobilt ID {id} som väntar på registrering. Låt användaren registrera det, eller spärra det först.",
                    name = &p.common_name,
                    id = waiting.id
                )));
            }
            let to = MobileIdState::Registered;
            let transition = find(def.id, None, State::MobileId(to)).ok_or(EngineError::NoTransition {
                process: def.id,
                from: "(new)".into(),
                to: to.as_str().into(),
            })?;
            let now = txn.now();
            let days = plan.opts.get(option::VALIDITY_DAYS);
            let valid_until = now + chrono::Duration::days(days);
            let recover = plan.opts.get(option::RECOVER_ENCRYPTION_CERTIFICATES);
            let id = mobile_id::Entity::insert(mobile_id::ActiveModel {
                person_id: Set(p.id),
                state: Set(to),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                process: Set(def.id.as_str().into()),
                delivery: Set(plan.delivery.clone()),
                certificates: Set(plan.labels.join(",")),
                recover_encryption: Set(recover),
                properties: Set(properties(&plan.opts, &p, &pki.public_url).to_string()),
                valid_until: Set(Some(valid_until)),
                options_version: Set(plan.opts.version),
                requested_by: Set(Some(caller.account_id)),
                activated_at: Set(None),
                ..Default::default()
            })
            .exec(txn)
            .await?
            .last_insert_id;
            let m = crate::stored::load::<mobile_id::Entity>(txn, ObjectKind::MobileId, id).await?;
            let options = plan.opts.typed(OPTION_KEYS);
            audit::append(
txn,
now,
Some(caller),
                AuditRecord::created(def.id, to.into(), id, serde_json::json!({
                        "user_id": p.id,
                        "options_version": plan.opts.version,
                        "options": options,
                        "certificate_effect": transition.effect,
                    }), format!(
                        "Mobile ID {id} for {} ({}): {}, QR code {}",
                        p.common_name,
                        p.upn,
                        plan.labels.join(", "),
                        if plan.delivery == EMAIL { "by e-mail" } else { "in Self-Service" }
                    )),
            )
            .await?;
            let (mut sent_to, mut qr) = (None, None);
            if plan.delivery == EMAIL {
                let validity = activation::EMAIL_VALIDITY;
                let code = activation::create(txn, now, id, validity, Some(p.email.trim())).await?;
                send_email(txn, now, engine, &m, &p, &code).await?;
                sent_to = Some(p.email.trim().to_string());
            } else if process == ProcessId::MobileIDSelfServiceProcGet {
                qr = Some(new_qr(txn, now, engine, &m).await?);
            }
            Ok(SupplyMobileIdOutcome {
                mobile_id: id,
                user_id: p.id,
                state: to,
                delivery: plan.delivery,
                sent_to,
                qr,
                options: plan.opts.in_force(PACKAGE, OPTION_KEYS),
                options_version: plan.opts.version,
            })
        })
        .await
}

/// The link of a fresh activation.
async fn link(
    conn: &impl ConnectionTrait,
    engine: &Engine,
    m: &mobile_id::Model,
    code: &NewCode,
) -> Result<zeroize::Zeroizing<String>> {
    let (enroll, keygen) = super::split_by_key_source(conn, &super::labels(m)).await?;
    activation::link(engine.pki()?, code, &enroll, &keygen)
}

async fn new_qr(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    engine: &Engine,
    m: &mobile_id::Model,
) -> Result<MobileIdQr> {
    let code = activation::create(conn, now, m.id, activation::SCREEN_VALIDITY, None).await?;
    let link = link(conn, engine, m, &code).await?;
    Ok(MobileIdQr {
        mobile_id: m.id,
        svg: super::qr::svg(&link)?,
        link: link.to_string(),
        expires_at: crate::time::text(code.expires_at),
    })
}

async fn send_email(
    conn: &impl ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    engine: &Engine,
    m: &mobile_id::Model,
    p: &person::Model,
    code: &NewCode,
) -> Result<()> {
    let link = link(conn, engine, m, code).await?;
    let body = format!(
        "Hello {},\n\na mobile ID has been prepared for you. Scan the attached QR code with the mobile ID app, or open this link on your phone:\n\n{}\n\nThe code works for one enrollment and expires on {} (UTC). If you did not expect this message, tell your IT service desk.\n",
        p.common_name,
        link.as_str(),
        code.expires_at.format("%Y-%m-%d %H:%M")
    );
    crate::mail::enqueue_sealed(
        conn,
        now,
        engine.pki()?,
        &p.email,
        "Your mobile ID: scan the QR code",
        &body,
        vec![crate::mail::Attachment {
            filename: "mobile-id-qr.png".into(),
            content_type: "image/png".into(),
            data: super::qr::png(&link)?,
        }],
    )
    .await
    .map(|_| ())
}

/// Self-Service: a QR code for the caller's own mobile ID that waits for enrollment, with a
/// new code (the previous one stops working). Only where the QR code is shown in Self-Service.
pub async fn show_qr(engine: &Engine, caller: &Caller, mobile_id: i64) -> Result<MobileIdQr> {
    caller.require_any(
        &[Role::SelfService],
        said!("show a mobile ID's QR code", "visa ett mobilt ID:s QR-kod"),
    )?;
    engine
        .transact(async |txn| {
            let now = txn.now();
            let m =
                crate::stored::load::<mobile_id::Entity>(txn, ObjectKind::MobileId, mobile_id).await?;
            if caller.person_id != Some(m.person_id) {
                // The same answer as a missing one: others' ids stay unknown.
                return Err(EngineError::NotFound {
                    kind: ObjectKind::MobileId,
                    id: mobile_id,
                });
            }
            if m.state != MobileIdState::Registered {
                return Err(EngineError::NotNow(said!(
                    "Mobile ID {id} is {en}: only a mobile ID waiting to be enrolled has a QR code.",
                    "Mobilt ID {id} har tillståndet ”{sv}”: bara ett mobilt ID som väntar på registrering har en QR-kod.",
                    id = m.id,
                    en = m.state,
                    sv = m.state.words().sv
                )));
            }
            if m.delivery != SELF_SERVICE {
                return Err(EngineError::NotNow(said!(
                    "The QR code of mobile ID {id} was sent by e-mail; it is not shown here.",
                    "QR-koden för mobilt ID {id} skickades med e-post; den visas inte här.",
                    id = m.id
                )));
            }
            people::active_holder(
                txn,
                m.person_id,
                said!(
                    ", so the mobile ID cannot be enrolled.",
                    ", så kan det mobila ID:t inte registreras."
                ),
            )
            .await?;
            crate::runner::hold(txn, ObjectKind::MobileId, m.id, m.version).await?;
            let qr = new_qr(txn, now, engine, &m).await?;
            audit::append(
txn,
now,
Some(caller),
                AuditRecord::event(
"MobileIdQrShown",
m.state,
m.id, serde_json::json!({ "expires_at": qr.expires_at }), format!(
                        "QR code of mobile ID {} shown in Self-Service (a new code, valid until {})",
                        m.id, qr.expires_at
                    )),
            )
            .await?;
            Ok(qr)
        })
        .await
}
