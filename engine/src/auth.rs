//! Accounts, passwords (argon2id) and sessions.

use crate::audit::{self, AuditRecord};
use crate::entity::{account, account_role, session};
use crate::Caller;
use crate::{Engine, EngineError, Result};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use tessera_process::dto::{MyAccount, SessionInfo, SessionRow};
use tessera_process::{said, Language, Role};

/// How long a session lasts without signing in again.
pub const SESSION_HOURS: i64 = 12;
/// A session's last use is written at most this often (not on every request).
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// How long sessions last: at most `absolute` after sign-in, and they end after `idle` without
/// a request.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle: Duration::minutes(30),
            absolute: Duration::hours(SESSION_HOURS),
        }
    }
}
/// Longer user names are refused before they reach the database or the audit log.
pub const MAX_USERNAME: usize = 100;

/// Whether two secrets are equal, in time that does not depend on where they differ (bearer
/// tokens, activation code hashes).
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| EngineError::Crypto(format!("The password cannot be hashed: {e}")))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks a password in one of the few hashing slots ([`crate::throttle`]).
async fn verify_in_slot(engine: &Engine, password: &str, hash: String) -> Result<bool> {
    let password = password.to_string();
    let slot = engine.guards.hash_slot().await?;
    slot.run(move || verify_password(&password, &hash)).await
}

/// Hashes a new password in one of the hashing slots.
pub(crate) async fn hash_in_slot(engine: &Engine, password: &str) -> Result<String> {
    let password = password.to_string();
    let slot = engine.guards.hash_slot().await?;
    slot.run(move || hash_password(&password)).await?
}

/// A hash to verify against when the user name is unknown, so that the answer takes as long as
/// for a known one and does not tell which user names exist.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password").unwrap_or_default())
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates an account (admin task and demo data).
pub async fn create_account(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    username: &str,
    display_name: &str,
    password: &str,
    roles: &[Role],
    person_id: Option<i64>,
) -> Result<i64> {
    if password.len() < 8 {
        return Err(EngineError::bad_input(
            "password",
            said!(
                "The password needs at least 8 characters.",
                "Lösenordet måste ha minst 8 tecken."
            ),
        ));
    }
    let hash = hash_password(password)?;
    insert_account(conn, now, username, display_name, &hash, roles, person_id).await
}

/// Stores the password an account's owner chose: it need not be changed again, and every
/// session of the account ends but `keep` (the one it was chosen in). Returns how many ended.
pub(crate) async fn store_own_password(
    conn: &impl ConnectionTrait,
    account_id: i64,
    hash: String,
    keep: Option<&str>,
) -> Result<u64> {
    let mut q = Query::update();
    q.table("account")
        .value("password_hash", hash)
        .value("must_change_password", false)
        .and_where(Expr::col("id").eq(account_id));
    conn.execute(&q).await?;
    let mut ending =
        session::Entity::delete_many().filter(session::Column::AccountId.eq(account_id));
    if let Some(token) = keep {
        ending = ending.filter(session::Column::TokenHash.ne(token_hash(token)));
    }
    Ok(ending.exec(conn).await?.rows_affected)
}

/// A stored "hash" that no password matches: the account of a person who has not yet chosen
/// their password with the link mailed to them (`invitations`).
pub(crate) const NO_PASSWORD: &str = "!unset";

/// Inserts an account with its roles; `password_hash` is a PHC string or [`NO_PASSWORD`].
pub(crate) async fn insert_account(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    username: &str,
    display_name: &str,
    password_hash: &str,
    roles: &[Role],
    person_id: Option<i64>,
) -> Result<i64> {
    let username = username.trim();
    if username.is_empty() {
        return Err(EngineError::Invalid(said!(
            "A user name is required.",
            "Ett användarnamn krävs."
        )));
    }
    let id = account::Entity::insert(account::ActiveModel {
        id: Default::default(),
        username: Set(username.to_string()),
        display_name: Set(display_name.to_string()),
        password_hash: Set(password_hash.to_string()),
        person_id: Set(person_id),
        disabled: Set(false),
        created_at: Set(now),
        must_change_password: Set(false),
        language: Set(None),
    })
    .exec(conn)
    .await?
    .last_insert_id;
    for role in roles {
        account_role::Entity::insert(account_role::ActiveModel {
            account_id: Set(id),
            role: Set(role.as_str().to_string()),
        })
        .exec_without_returning(conn)
        .await?;
    }
    Ok(id)
}

/// The roles a session has: none while the password must be changed.
async fn roles_in_force(conn: &impl ConnectionTrait, a: &account::Model) -> Result<Vec<Role>> {
    if a.must_change_password {
        return Ok(Vec::new());
    }
    roles_of(conn, a.id).await
}

async fn roles_of(conn: &impl ConnectionTrait, account_id: i64) -> Result<Vec<Role>> {
    Ok(account_role::Entity::find()
        .filter(account_role::Column::AccountId.eq(account_id))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|r| Role::parse(&r.role))
        .collect())
}

/// Checks the password and opens a session. Returns the cookie token and who signed in.
///
/// Before any work, the rate limits of [`crate::throttle`]; then the throttle of this user name
/// from this source (growing delays after wrong passwords) and of this source across names
/// (password spraying), in [`crate::sign_in_throttle`]; then the password, in one of a few
/// hashing slots. A refusal from one source never stops the right password from another.
pub async fn login(
    engine: &Engine,
    username: &str,
    password: &str,
    source: &str,
) -> Result<(String, SessionInfo)> {
    let username = username.trim();
    if username.is_empty() || username.chars().count() > MAX_USERNAME {
        return Err(EngineError::BadCredentials);
    }
    engine.guards.admit_sign_in(source)?;
    let throttle = crate::sign_in_throttle::Attempt::new(engine, username, source)?;
    throttle.check(engine).await?;
    let found = account::Entity::find()
        .filter(
            Expr::expr(Func::lower(Expr::col(account::Column::Username)))
                .eq(username.to_lowercase()),
        )
        .one(&engine.db)
        .await?;
    // An unknown name, or an account whose person has not chosen a password yet, is checked
    // against the decoy: the answer takes as long and says as little.
    let hash = found
        .as_ref()
        .map(|a| a.password_hash.clone())
        .filter(|h| h != NO_PASSWORD)
        .unwrap_or_else(|| decoy_hash().to_string());
    let ok = verify_in_slot(engine, password, hash).await?;
    let account = match found {
        Some(a) if ok && !a.disabled && a.password_hash != NO_PASSWORD => a,
        other => {
            throttle
                .failed(engine, other.as_ref().map(|a| a.id))
                .await?;
            return Err(EngineError::BadCredentials);
        }
    };
    engine
        .transact(async |txn| {
            let mut raw = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut raw);
            let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
            let now = txn.now();
            throttle.succeeded(txn, now).await?;
            // Sessions past their time are of no use to anyone: sweep them as new ones open.
            session::Entity::delete_many()
                .filter(session::Column::ExpiresAt.lt(now))
                .exec(txn)
                .await?;
            session::Entity::insert(session::ActiveModel {
                token_hash: Set(token_hash(&token)),
                account_id: Set(account.id),
                created_at: Set(now),
                expires_at: Set(now + engine.sessions.absolute),
                last_seen_at: Set(Some(now)),
                source: Set(source.to_string()),
            })
            .exec_without_returning(txn)
            .await?;
            let roles = roles_in_force(txn, &account).await?;
            let info = SessionInfo {
                account_id: account.id,
                username: account.username.clone(),
                display_name: account.display_name.clone(),
                roles: roles.clone(),
                person_id: account.person_id,
                must_change_password: account.must_change_password,
                language: chosen_language(&account),
            };
            let caller = Caller {
                account_id: account.id,
                name: account.username,
                roles,
                person_id: account.person_id.filter(|_| !account.must_change_password),
                source: source.to_string(),
            };
            audit::append(
                txn,
                now,
                Some(&caller),
                AuditRecord {
                    action: "login".into(),
                    ..Default::default()
                },
            )
            .await?;
            Ok((token, info))
        })
        .await
}

/// Who holds this session token, if it is valid.
pub async fn session(
    engine: &Engine,
    token: &str,
    source: &str,
) -> Result<Option<(SessionInfo, Caller)>> {
    let Some(s) = session::Entity::find_by_id(token_hash(token))
        .one(&engine.db)
        .await?
    else {
        return Ok(None);
    };
    let now = engine.now();
    let last = s.last_seen_at.unwrap_or(s.created_at);
    if s.expires_at < now || last + engine.sessions.idle < now {
        session::Entity::delete_by_id(s.token_hash.clone())
            .exec(&engine.db)
            .await?;
        return Ok(None);
    }
    if now - last > TOUCH_EVERY {
        let mut q = Query::update();
        q.table("session")
            .value("last_seen_at", now)
            .and_where(Expr::col("token_hash").eq(s.token_hash.as_str()));
        engine.db.execute(&q).await?;
    }
    let Some(a) = account::Entity::find_by_id(s.account_id)
        .one(&engine.db)
        .await?
    else {
        return Ok(None);
    };
    if a.disabled {
        return Ok(None);
    }
    let roles = roles_in_force(&engine.db, &a).await?;
    Ok(Some((
        SessionInfo {
            account_id: a.id,
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            roles: roles.clone(),
            person_id: a.person_id,
            must_change_password: a.must_change_password,
            language: chosen_language(&a),
        },
        Caller {
            account_id: a.id,
            name: a.username,
            roles,
            // Nor the person's own pages, while the password must change.
            person_id: a.person_id.filter(|_| !a.must_change_password),
            source: source.to_string(),
        },
    )))
}

pub async fn logout(engine: &Engine, token: &str, caller: &Caller) -> Result<()> {
    engine
        .transact(async |txn| {
            session::Entity::delete_by_id(token_hash(token))
                .exec(txn)
                .await?;
            let record = AuditRecord {
                action: "logout".into(),
                ..Default::default()
            };
            audit::append(txn, txn.now(), Some(caller), record).await
        })
        .await
}

/// A short reference to a session for its owner's list: not the token, nor its full hash.
fn session_ref(token_hash: &str) -> String {
    token_hash.chars().take(10).collect()
}

/// One's own account: whether the password must change, and the open sessions.
pub async fn my_account(engine: &Engine, caller: &Caller, token: &str) -> Result<MyAccount> {
    let a = account::Entity::find_by_id(caller.account_id)
        .one(&engine.db)
        .await?
        .ok_or(EngineError::Unauthenticated)?;
    let current = token_hash(token);
    let now = engine.now();
    let mut sessions: Vec<SessionRow> = session::Entity::find()
        .filter(session::Column::AccountId.eq(a.id))
        .order_by_desc(session::Column::CreatedAt)
        .all(&engine.db)
        .await?
        .into_iter()
        .filter(|s| {
            s.expires_at >= now
                && s.last_seen_at.unwrap_or(s.created_at) + engine.sessions.idle >= now
        })
        .map(|s| SessionRow {
            id: session_ref(&s.token_hash),
            created_at: crate::time::text(s.created_at),
            last_seen_at: crate::time::text(s.last_seen_at.unwrap_or(s.created_at)),
            source: s.source,
            current: s.token_hash == current,
        })
        .collect();
    sessions.sort_by_key(|s| !s.current);
    Ok(MyAccount {
        language: chosen_language(&a),
        username: a.username,
        display_name: a.display_name,
        must_change_password: a.must_change_password,
        sessions,
        idle_minutes: engine.sessions.idle.num_minutes(),
    })
}

/// Sign out everywhere: every session of the caller's account ends, this one too.
pub async fn sign_out_everywhere(engine: &Engine, caller: &Caller) -> Result<u64> {
    engine
        .transact(async |txn| {
            let ended = session::Entity::delete_many()
                .filter(session::Column::AccountId.eq(caller.account_id))
                .exec(txn)
                .await?
                .rows_affected;
            audit::append(
                txn,
                txn.now(),
                Some(caller),
                AuditRecord {
                    action: "SignedOutEverywhere".into(),
                    data: serde_json::json!({ "sessions": ended }),
                    detail: format!("{} signed out everywhere ({ended} sessions)", caller.name),
                    ..Default::default()
                },
            )
            .await?;
            Ok(ended)
        })
        .await
}

/// Change password: the current one proves it is the owner (counted like a sign-in), the new
/// one must pass the policy. The account's other sessions end; this one stays.
pub async fn change_password(
    engine: &Engine,
    caller: &Caller,
    token: &str,
    current: &str,
    new: &str,
) -> Result<()> {
    let a = account::Entity::find_by_id(caller.account_id)
        .one(&engine.db)
        .await?
        .ok_or(EngineError::Unauthenticated)?;
    engine.guards.admit_sign_in(&caller.source)?;
    let throttle = crate::sign_in_throttle::Attempt::new(engine, &a.username, &caller.source)?;
    throttle.check(engine).await?;
    let ok = verify_in_slot(engine, current, a.password_hash.clone()).await?;
    if !ok {
        throttle.failed(engine, Some(a.id)).await?;
        return Err(EngineError::bad_input(
            "current",
            said!(
                "The current password is not right; nothing was changed.",
                "Det nuvarande lösenordet är fel; ingenting ändrades."
            ),
        ));
    }
    if new == current {
        return Err(EngineError::bad_input(
            "new",
            said!(
                "The new password is the one you have now; choose another.",
                "Det nya lösenordet är det du redan har; välj ett annat."
            ),
        ));
    }
    crate::passwords::check(new, &[&a.username, &a.display_name]).map_err(|e| e.at_field("new"))?;
    let new_hash = hash_in_slot(engine, new).await?;
    engine
        .transact(async |txn| {
            let now = txn.now();
            throttle.succeeded(txn, now).await?;
            let ended = store_own_password(txn, a.id, new_hash, Some(token)).await?;
            audit::append(
                txn,
                now,
                Some(caller),
                AuditRecord {
                    action: "PasswordChanged".into(),
                    data: serde_json::json!({ "other_sessions_ended": ended }),
                    detail: format!(
                        "{} changed their password ({ended} other sessions ended)",
                        a.username
                    ),
                    ..Default::default()
                },
            )
            .await
        })
        .await
}

fn chosen_language(a: &account::Model) -> Option<Language> {
    a.language.as_deref().and_then(Language::from_code)
}

/// The language the caller's own account shows Tessera's pages in; `None`: the browser's.
pub async fn set_language(
    engine: &Engine,
    caller: &Caller,
    language: Option<Language>,
) -> Result<()> {
    engine
        .transact(async |txn| {
            let a = account::Entity::find_by_id(caller.account_id)
                .one(txn)
                .await?
                .ok_or(EngineError::Unauthenticated)?;
            if chosen_language(&a) == language {
                return Ok(());
            }
            account::Entity::update(account::ActiveModel {
                id: Set(a.id),
                language: Set(language.map(|l| l.code().to_string())),
                ..Default::default()
            })
            .exec(txn)
            .await?;
            audit::append(
                txn,
                txn.now(),
                Some(caller),
                AuditRecord {
                    action: "LanguageChosen".into(),
                    data: serde_json::json!({ "language": language.map(Language::code) }),
                    detail: format!(
                        "{} chose {} for Tessera's pages",
                        a.username,
                        language.map_or("the browser's language", Language::endonym)
                    ),
                    ..Default::default()
                },
            )
            .await
        })
        .await
}
