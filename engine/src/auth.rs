//! Accounts, passwords (argon2id) and sessions.

use crate::audit::{self, AuditRecord};
use crate::entity::{account, account_role, session};
use crate::runner::Caller;
use crate::{Engine, EngineError, Result};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine as _;
use chrono::Duration;
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use tessera_process::dto::SessionInfo;
use tessera_process::Role;

/// How long a session lasts without signing in again.
pub const SESSION_HOURS: i64 = 12;
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
        .map_err(|e| EngineError::Invalid(format!("The password cannot be hashed: {e}")))
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
    username: &str,
    display_name: &str,
    password: &str,
    roles: &[Role],
    person_id: Option<i64>,
) -> Result<i64> {
    let username = username.trim();
    if username.is_empty() || password.len() < 8 {
        return Err(EngineError::Invalid(
            "A user name is required and the password needs at least 8 characters.".into(),
        ));
    }
    let id = account::Entity::insert(account::ActiveModel {
        id: Default::default(),
        username: Set(username.to_string()),
        display_name: Set(display_name.to_string()),
        password_hash: Set(hash_password(password)?),
        person_id: Set(person_id),
        disabled: Set(false),
        created_at: Set(crate::time::now()),
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
    let hash = found
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_string());
    let password = password.to_string();
    let ok = {
        let _slot = engine.guards.hash_slot().await?;
        tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false)
    };
    let account = match found {
        Some(a) if ok && !a.disabled => a,
        other => {
            throttle
                .failed(engine, other.as_ref().map(|a| a.id))
                .await?;
            return Err(EngineError::BadCredentials);
        }
    };
    let txn = engine.write().await?;
    let result = async {
        let mut raw = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut raw);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
        let now = crate::time::now();
        throttle.succeeded(&txn).await?;
        // Sessions past their time are of no use to anyone: sweep them as new ones open.
        session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lt(now))
            .exec(&txn)
            .await?;
        session::Entity::insert(session::ActiveModel {
            token_hash: Set(token_hash(&token)),
            account_id: Set(account.id),
            created_at: Set(now),
            expires_at: Set(now + Duration::hours(SESSION_HOURS)),
        })
        .exec_without_returning(&txn)
        .await?;
        let roles = roles_of(&txn, account.id).await?;
        let info = SessionInfo {
            account_id: account.id,
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            roles: roles.clone(),
            person_id: account.person_id,
        };
        let caller = Caller {
            account_id: account.id,
            name: account.username,
            roles,
            person_id: account.person_id,
            source: source.to_string(),
        };
        audit::append(
            &txn,
            Some(&caller),
            AuditRecord {
                action: "login".into(),
                ..Default::default()
            },
        )
        .await?;
        Ok((token, info))
    }
    .await;
    crate::db::finish(txn, result).await
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
    if s.expires_at < crate::time::now() {
        return Ok(None);
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
    let roles = roles_of(&engine.db, a.id).await?;
    Ok(Some((
        SessionInfo {
            account_id: a.id,
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            roles: roles.clone(),
            person_id: a.person_id,
        },
        Caller {
            account_id: a.id,
            name: a.username,
            roles,
            person_id: a.person_id,
            source: source.to_string(),
        },
    )))
}

pub async fn logout(engine: &Engine, token: &str, caller: &Caller) -> Result<()> {
    let txn = engine.write().await?;
    let result = async {
        session::Entity::delete_by_id(token_hash(token))
            .exec(&txn)
            .await?;
        let record = AuditRecord {
            action: "logout".into(),
            ..Default::default()
        };
        audit::append(&txn, Some(caller), record).await
    }
    .await;
    crate::db::finish(txn, result).await
}
