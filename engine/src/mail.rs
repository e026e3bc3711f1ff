//! Mail: an outbox row is written in the same transaction as the change it reports, so a
//! message exists exactly when the change does; a worker delivers it over SMTP afterwards.
//!
//! Delivery is at least once, as close to exactly once as SMTP allows: a worker claims a
//! message (a lease, so two workers never send it at once), sends it, and marks it sent right
//! after the server accepted it. Only a crash between those two leaves a repeat, which carries
//! the same Message-ID. Failures are retried with exponential backoff; after the last attempt
//! the message is kept as `given_up` with its error, never dropped.

use crate::entity::mail_outbox as outbox;
use crate::{Engine, EngineError, Result};
use chrono::{DateTime, Duration, Utc};
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const GIVEN_UP: &str = "given_up";
/// Attempts before a message is given up (the last about a day after the first).
pub const MAX_ATTEMPTS: i32 = 12;
/// How long a worker may take over one message before another may try it.
const CLAIM: Duration = Duration::minutes(2);

/// Where and as whom mail is sent.
#[derive(Debug, Clone)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub from: String,
    pub credentials: Option<(String, zeroize::Zeroizing<String>)>,
    /// The domain in Message-IDs.
    pub domain: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP: a relay on the same host or a trusted network.
    None,
    StartTls,
    Tls,
}

/// The address trimmed, if a message can go to it.
pub fn usable(address: &str) -> Option<&str> {
    let a = address.trim();
    a.parse::<lettre::Address>().is_ok().then_some(a)
}

/// Queues a message in `conn`'s transaction, due at once (`now`).
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    recipient: &str,
    subject: &str,
    body: &str,
) -> Result<i64> {
    let Some(recipient) = usable(recipient) else {
        return Err(EngineError::Invalid(tessera_process::said!(
            "\"{to}\" is not an e-mail address a message can go to.",
            "”{to}” är ingen e-postadress som ett meddelande kan skickas till.",
            to = recipient.trim()
        )));
    };
    let mut token = [0u8; 12];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut token);
    Ok(outbox::Entity::insert(outbox::ActiveModel {
        recipient: Set(recipient.into()),
        subject: Set(subject.into()),
        body: Set(body.into()),
        state: Set(PENDING.into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        claimed_until: Set(None),
        last_error: Set(None),
        message_id: Set(hex::encode(token)),
        created_at: Set(now),
        sent_at: Set(None),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id)
}

/// A file sent with a message.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    #[serde(with = "b64")]
    pub data: Vec<u8>,
}

mod b64 {
    use base64::Engine as _;
    pub fn serialize<S: serde::Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text: String = serde::Deserialize::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(serde::de::Error::custom)
    }
}

/// What a sealed message holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct SealedContent {
    body: String,
    attachments: Vec<Attachment>,
}

/// What `body` says while the real content is sealed, and after it was erased.
pub const SEALED_BODY: &str =
    "(sealed: this message carries a secret and is kept encrypted until it is sent, then erased)";

fn sealed_context(message_id: &str) -> String {
    format!("mail:{message_id}")
}

/// Queues a message whose content must not rest in clear (an activation code): body and
/// attachments are sealed under the KEK, and erased once the message is sent.
pub async fn enqueue_sealed(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    pki: &crate::pki::Pki,
    recipient: &str,
    subject: &str,
    body: &str,
    attachments: Vec<Attachment>,
) -> Result<i64> {
    let id = enqueue(conn, now, recipient, subject, SEALED_BODY).await?;
    let m = outbox::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| EngineError::Corrupt("the queued message vanished".into()))?;
    let content = zeroize::Zeroizing::new(
        serde_json::to_vec(&SealedContent {
            body: body.to_string(),
            attachments,
        })
        .map_err(|e| EngineError::Crypto(format!("sealing a message: {e}")))?,
    );
    let sealed = crate::pki::seal::seal(&pki.kek, &sealed_context(&m.message_id), &content)?;
    let mut q = Query::update();
    q.table("mail_outbox")
        .value("sealed_content", sealed)
        .and_where(Expr::col("id").eq(id));
    conn.execute(&q).await?;
    Ok(id)
}

/// The wait before attempt `n + 1`: 30 s, doubling, at most 4 h.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(0, 9) as u32;
    (Duration::seconds(30) * 2i32.pow(exp)).min(Duration::hours(4))
}

/// The SMTP side, built once from the settings.
pub struct Mailer {
    settings: MailSettings,
    from: lettre::message::Mailbox,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl Mailer {
    pub fn new(settings: MailSettings) -> Result<Mailer> {
        let bad = |e: lettre::transport::smtp::Error| {
            EngineError::Config(format!("mail: {}: {e}", settings.host))
        };
        let mut builder = match settings.security {
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host).map_err(bad)?
            }
            SmtpSecurity::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host).map_err(bad)?
            }
        }
        .port(settings.port)
        .timeout(Some(std::time::Duration::from_secs(20)));
        if let Some((user, password)) = &settings.credentials {
            builder =
                builder.credentials(lettre::transport::smtp::authentication::Credentials::new(
                    user.clone(),
                    password.to_string(),
                ));
        }
        let from = settings
            .from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| {
                EngineError::Config(format!("mail: the sender \"{}\": {e}", settings.from))
            })?;
        Ok(Mailer {
            from,
            transport: builder.build(),
            settings,
        })
    }

    fn message(
        &self,
        m: &outbox::Model,
        pki: Option<&crate::pki::Pki>,
    ) -> std::result::Result<Message, String> {
        use lettre::message::{Attachment as Part, MultiPart, SinglePart};
        let builder = Message::builder()
            .from(self.from.clone())
            .to(m.recipient.parse().map_err(|e| format!("{e}"))?)
            .subject(m.subject.clone())
            .message_id(Some(format!("<{}@{}>", m.message_id, self.settings.domain)));
        let Some(sealed) = &m.sealed_content else {
            return builder
                .header(ContentType::TEXT_PLAIN)
                .body(m.body.clone())
                .map_err(|e| e.to_string());
        };
        let pki = pki.ok_or("the message is sealed and the CA (KEK) is not started")?;
        let plain = crate::pki::seal::open(&pki.kek, &sealed_context(&m.message_id), sealed)
            .map_err(|e| e.to_string())?;
        let content: SealedContent =
            serde_json::from_slice(&plain).map_err(|e| format!("the sealed message: {e}"))?;
        let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(content.body));
        for a in content.attachments {
            let kind = ContentType::parse(&a.content_type).map_err(|e| e.to_string())?;
            parts = parts.singlepart(Part::new(a.filename).body(a.data, kind));
        }
        builder.multipart(parts).map_err(|e| e.to_string())
    }

    /// Delivers the messages that are due, one claim at a time; returns how many were sent.
    pub async fn deliver_due(&self, engine: &Engine, now: DateTime<Utc>) -> Result<usize> {
        let due = outbox::Entity::find()
            .filter(outbox::Column::State.eq(PENDING))
            .filter(outbox::Column::NextAttemptAt.lte(now))
            .filter(
                Condition::any()
                    .add(outbox::Column::ClaimedUntil.is_null())
                    .add(outbox::Column::ClaimedUntil.lt(now)),
            )
            .order_by_asc(outbox::Column::Id)
            .limit(100)
            .all(&engine.db)
            .await?;
        let mut sent = 0;
        let started = std::time::Instant::now();
        // `now` moved on by the time this batch has taken: a lease starts when its message is
        // taken, and a message is sent when the server accepted it, not when the batch began.
        let later = || now + Duration::from_std(started.elapsed()).unwrap_or_default();
        for m in due {
            let at = later();
            let Some(lease) = claim(engine, &m, at).await? else {
                continue;
            };
            let result = match self.message(&m, engine.pki().ok()) {
                Ok(msg) => self.transport.send(msg).await.map_err(|e| e.to_string()),
                Err(e) => Err(e),
            };
            match result {
                Ok(_) => {
                    settle(engine, m.id, lease, Settled::Sent { at: later() }).await?;
                    sent += 1;
                }
                Err(e) => {
                    tracing::warn!(
                        "mail {} to {}: attempt {} failed: {e}",
                        m.id,
                        m.recipient,
                        m.attempts + 1
                    );
                    settle(
                        engine,
                        m.id,
                        lease,
                        Settled::Failed {
                            attempts: m.attempts + 1,
                            error: e,
                            now: at,
                        },
                    )
                    .await?;
                }
            }
        }
        Ok(sent)
    }
}

/// Takes the message for this worker until the returned lease ends; `None` if another worker
/// has it.
async fn claim(
    engine: &Engine,
    m: &outbox::Model,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    // To the second, so that the lease compares equal when it is read back on any backend.
    let lease = DateTime::from_timestamp(now.timestamp() + CLAIM.num_seconds(), 0).unwrap_or(now);
    let mut q = Query::update();
    q.table("mail_outbox")
        .value("claimed_until", lease)
        .and_where(Expr::col("id").eq(m.id))
        .and_where(Expr::col("state").eq(PENDING))
        .and_where(
            Expr::col("claimed_until")
                .is_null()
                .or(Expr::col("claimed_until").lt(now)),
        );
    Ok((engine.db.execute(&q).await?.rows_affected() == 1).then_some(lease))
}

enum Settled {
    Sent {
        at: DateTime<Utc>,
    },
    Failed {
        attempts: i32,
        error: String,
        now: DateTime<Utc>,
    },
}

/// Records how an attempt ended, only if this worker still holds the message: a worker whose
/// lease ran out and was taken over changes nothing.
async fn settle(engine: &Engine, id: i64, lease: DateTime<Utc>, how: Settled) -> Result<()> {
    let mut q = Query::update();
    q.table("mail_outbox")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("state").eq(PENDING))
        .and_where(Expr::col("claimed_until").eq(lease));
    match how {
        Settled::Sent { at } => {
            // A secret the message carried is not kept once it is out.
            q.value("state", SENT)
                .value("sent_at", at)
                .value("claimed_until", Option::<DateTime<Utc>>::None)
                .value("sealed_content", Option::<Vec<u8>>::None);
        }
        Settled::Failed {
            attempts,
            error,
            now,
        } => {
            let state = if attempts >= MAX_ATTEMPTS {
                GIVEN_UP
            } else {
                PENDING
            };
            if state == GIVEN_UP {
                // Never sent: a secret it carried is not kept either.
                q.value("sealed_content", Option::<Vec<u8>>::None);
            }
            q.value("state", state)
                .value("attempts", attempts)
                .value("last_error", error)
                .value("next_attempt_at", now + backoff(attempts - 1))
                .value("claimed_until", Option::<DateTime<Utc>>::None);
        }
    }
    engine.db.execute(&q).await?;
    Ok(())
}

/// The worker: delivers what is due every few seconds until the process ends.
pub fn spawn_worker(engine: Engine, mailer: Mailer, every: std::time::Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = mailer.deliver_due(&engine, engine.now()).await {
                tracing::error!("the mail worker failed: {e}");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_growing() {
        assert_eq!(backoff(0), Duration::seconds(30));
        assert_eq!(backoff(1), Duration::seconds(60));
        assert_eq!(backoff(5), Duration::seconds(960));
        assert_eq!(backoff(20), Duration::hours(4));
        let total: i64 = (0..MAX_ATTEMPTS - 1)
            .map(|a| backoff(a).num_seconds())
            .sum();
        assert!(total > 12 * 3600, "attempts span about a day: {total} s");
    }
}
