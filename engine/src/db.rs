use crate::migration::Migrator;
use crate::pki::{Pki, PkiSettings};
use crate::{EngineError, Result};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::sync::Arc;
use std::time::Duration;

/// The engine: a database connection and the running CA, cheap to clone and share.
#[derive(Clone, Debug)]
pub struct Engine {
    pub db: DatabaseConnection,
    pki: Option<Arc<Pki>>,
    /// Rate limits and the password-hashing slots of this server process.
    pub guards: Arc<crate::throttle::Guards>,
    /// How long sessions last.
    pub sessions: crate::auth::SessionPolicy,
    /// Where order files for the card bureau go, when external production is configured.
    pub external: Option<Arc<crate::external::ExternalSettings>>,
    /// Every timestamp the engine writes or compares against comes from here.
    pub clock: crate::time::Clock,
}

impl Engine {
    /// Connects, migrates and makes sure the shipped defaults (options documents, default
    /// commands) exist. `url` is `sqlite://path?mode=rwc`, `sqlite::memory:` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Self> {
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.sqlx_logging(false);
        if url.starts_with("sqlite") {
            if url.contains(":memory:") {
                // Every connection to :memory: is a new, empty database.
                opts.max_connections(1).min_connections(1);
            } else {
                opts.max_connections(8);
            }
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        } else {
            opts.max_connections(32)
                .acquire_timeout(Duration::from_secs(10));
        }
        let db = Database::connect(opts).await?;
        Migrator::up(&db, None).await?;
        let engine = Engine {
            db,
            pki: None,
            guards: crate::throttle::Guards::shared(),
            sessions: crate::auth::SessionPolicy::default(),
            external: None,
            clock: crate::time::Clock::default(),
        };
        crate::bootstrap::ensure_defaults(&engine).await?;
        Ok(engine)
    }

    /// [`Engine::open`], then starts the CA (creating it on first start).
    pub async fn open_with_pki(url: &str, settings: &PkiSettings) -> Result<Self> {
        let mut engine = Self::open(url).await?;
        let pki = Pki::start(&engine, settings).await?;
        engine.pki = Some(Arc::new(pki));
        // After downtime the newest CRL may be stale or expired: publish before serving it.
        let fresh_until = engine.now() + settings.crl_validity / 2;
        match crate::pki::crl::latest(&engine.db).await? {
            Some(c) if c.next_update > fresh_until => {}
            _ => {
                crate::pki::crl::publish(&engine).await?;
            }
        }
        Ok(engine)
    }

    /// The time on the engine's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The running CA.
    pub fn pki(&self) -> Result<&Pki> {
        self.pki
            .as_deref()
            .ok_or_else(|| EngineError::Config("the CA is not started".into()))
    }

    /// The key of the keyed hash of typed user names: sealed in the database under the KEK
    /// once the CA runs; an engine without a CA (some tests) keys with a secret of this process.
    pub fn login_name_key(&self) -> zeroize::Zeroizing<[u8; 32]> {
        static EPHEMERAL: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
        match &self.pki {
            Some(p) => p.login_name_key.clone(),
            None => zeroize::Zeroizing::new(*EPHEMERAL.get_or_init(|| {
                let mut k = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut k);
                k
            })),
        }
    }

    /// A transaction that will write. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so
    /// that two writers queue on the busy timeout instead of failing on a lock upgrade. Changes
    /// go through [`Engine::transact`], which ends it and runs what follows the commit; this is
    /// for the benchmark that measures bare transactions.
    pub async fn write(&self) -> Result<DatabaseTransaction> {
        let opts = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(self.db.begin_with_options(opts).await?)
    }
}
