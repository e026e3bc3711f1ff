//! A self-service account belongs to a person, and through it that person gets credentials
//! (Get mobile ID). If the admin who creates or resets such an account chose its password, the
//! admin alone could sign in as the person and take a credential in their name. So the admin
//! never knows it: Tessera mails a one-time link to the person's own address (which only a
//! second person can change while the person has credentials, `person_changes`), and the person
//! chooses the password there. The link's token is random and only its SHA-256 is kept; it
//! works once, for [`VALIDITY`], and only while the address it went to is still the person's.

use crate::audit::{self, AuditRecord};
use crate::entity::{account, account_invitation as row, person};
use crate::Caller;
use crate::{Engine, EngineError, Result};
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// How long a link works: long enough for a weekend.
pub const VALIDITY: Duration = Duration::hours(72);
/// The page the link opens; the token is in the fragment, so it reaches neither the server's
/// logs nor a Referer header.
pub const LINK_PATH: &str = "/welcome";

/// Why a link was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A new self-service account.
    Invite,
    /// An admin reset the account's password.
    Reset,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The refusal for every link that does not work, whatever the reason: it tells a stranger
/// nothing about which tokens exist.
fn not_valid() -> EngineError {
    EngineError::Invalid(tessera_process::said!(
        "This link does not work: it was used already, replaced by a newer one, or it expired. Ask your administrator to send a new one.",
        "Den här länken fungerar inte: den har redan använts, ersatts av en nyare eller gått ut. Be din administratör att skicka en ny."
    ))
}

/// Sends `account` (of `person`) a new link, in `conn`'s transaction; earlier links end.
/// Returns the address it goes to.
pub(crate) async fn send(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    engine: &Engine,
    caller: &Caller,
    account: &account::Model,
    person: &person::Model,
    purpose: Purpose,
) -> Result<String> {
    crate::objects::user::people::check_not_entered_by(person, caller)?;
    let Some(address) = crate::mail::usable(&person.email).map(str::to_string) else {
        return Err(EngineError::Invalid(tessera_process::said!(
            "{name} has no e-mail address a link can go to; record one on the user first.",
            "{name} har ingen e-postadress som en länk kan skickas till; lägg först in en på användaren.",
            name = &person.common_name
        )));
    };
    void(conn, now, account.id).await?;
    let mut raw = Zeroizing::new([0u8; 32]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, raw.as_mut());
    let token =
        Zeroizing::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw.as_ref()));
    let expires_at = now + VALIDITY;
    row::Entity::insert(row::ActiveModel {
        id: Default::default(),
        account_id: Set(account.id),
        token_hash: Set(hash(&token)),
        purpose: Set(purpose.as_str().into()),
        delivered_to: Set(address.clone()),
        created_by: Set(caller.account_id),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        voided_at: Set(None),
    })
    .exec(conn)
    .await?;
    let pki = engine.pki()?;
    let link = Zeroizing::new(format!(
        "{}{LINK_PATH}#t={}",
        pki.public_url,
        token.as_str()
    ));
    let (subject, why) = match purpose {
        Purpose::Invite => (
            "Your Tessera account",
            format!(
                "{} created a Tessera self-service account for you, with the user name {}.",
                caller.name, account.username
            ),
        ),
        Purpose::Reset => (
            "Choose a new password for Tessera",
            format!(
                "{} reset the password of your Tessera account {}.",
                caller.name, account.username
            ),
        ),
    };
    let body = Zeroizing::new(format!(
        "Hello {},\n\n{why}\nChoose your password with this link; it works once, until {}:\n\n{}\n\nIf you did not expect this message, do not open the link and tell your IT service desk.\n",
        person.common_name,
        crate::time::text(expires_at),
        link.as_str()
    ));
    crate::mail::enqueue_sealed(conn, now, pki, &address, subject, &body, Vec::new()).await?;
    Ok(address)
}

/// Ends the links of `account_id` that still wait.
pub(crate) async fn void(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    account_id: i64,
) -> Result<u64> {
    let mut q = Query::update();
    q.table("account_invitation")
        .value("voided_at", now)
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("used_at").is_null())
        .and_where(Expr::col("voided_at").is_null());
    Ok(conn.execute(&q).await?.rows_affected())
}

/// Ends the waiting link of the person's account: the person's e-mail address is changing.
pub(crate) async fn void_for_person(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    person_id: i64,
) -> Result<u64> {
    let mut voided = 0;
    for a in account::Entity::find()
        .filter(account::Column::PersonId.eq(person_id))
        .all(conn)
        .await?
    {
        voided += void(conn, now, a.id).await?;
    }
    Ok(voided)
}

/// The account a link is for, if it still works: for the welcome page's greeting.
pub async fn greet(engine: &Engine, source: &str, token: &str) -> Result<String> {
    engine.guards.admit_sign_in(source)?;
    let (_, a, _) = usable(&engine.db, engine.now(), token).await?;
    Ok(a.username)
}

/// The link of `token`, its account and person, if it still works at `now`.
async fn usable(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    token: &str,
) -> Result<(row::Model, account::Model, person::Model)> {
    if token.is_empty() || token.len() > 100 {
        return Err(not_valid());
    }
    let link = row::Entity::find()
        .filter(row::Column::TokenHash.eq(hash(token)))
        .one(conn)
        .await?
        .filter(|l| l.used_at.is_none() && l.voided_at.is_none() && l.expires_at > now)
        .ok_or_else(not_valid)?;
    let a = account::Entity::find_by_id(link.account_id)
        .one(conn)
        .await?
        .filter(|a| !a.disabled)
        .ok_or_else(not_valid)?;
    let p = match a.person_id {
        Some(id) => person::Entity::find_by_id(id).one(conn).await?,
        None => None,
    }
    .ok_or_else(not_valid)?;
    // Bound to the address the link went to: after a change the old mailbox's link is void.
    if !p
        .email
        .trim()
        .eq_ignore_ascii_case(link.delivered_to.trim())
    {
        return Err(not_valid());
    }
    Ok((link, a, p))
}

/// The person sets their password with the link's token. The link is used up, every session of
/// the account ends, and the account signs in with the new password alone. Returns the user
/// name to sign in with.
pub async fn redeem(engine: &Engine, source: &str, token: &str, password: &str) -> Result<String> {
    // A wrong token costs a lookup and a right one a hash: both count as sign-ins.
    engine.guards.admit_sign_in(source)?;
    let (_, a, _) = usable(&engine.db, engine.now(), token).await?;
    crate::passwords::check(password, &[&a.username, &a.display_name])?;
    let new_hash = crate::auth::hash_in_slot(engine, password).await?;
    engine
        .transact(async |txn| {
            // Looked up again in the transaction: two tabs with the same link set one password.
            let now = txn.now();
            let (link, a, p) = usable(txn, now, token).await?;
            let mut q = Query::update();
            q.table("account_invitation")
                .value("used_at", now)
                .and_where(Expr::col("id").eq(link.id))
                .and_where(Expr::col("used_at").is_null());
            if txn.execute(&q).await?.rows_affected() != 1 {
                return Err(not_valid());
            }
            let ended = crate::auth::store_own_password(txn, a.id, new_hash, None).await?;
            let person_self = Caller {
                account_id: a.id,
                name: a.username.clone(),
                roles: Vec::new(),
                person_id: Some(p.id),
                source: source.to_string(),
            };
            audit::append(
                txn,
                now,
                Some(&person_self),
                AuditRecord::event(
                    "PasswordSetFromLink",
                    p.state,
                    p.id,
                    serde_json::json!({
                        "account_id": a.id,
                        "purpose": link.purpose,
                        "delivered_to": link.delivered_to,
                        "link_created_by": link.created_by,
                        "sessions_ended": ended,
                    }),
                    format!(
                        "{} chose the password of \"{}\" with the link mailed to {}",
                        p.common_name, a.username, link.delivered_to
                    ),
                ),
            )
            .await?;
            Ok(a.username)
        })
        .await
}
