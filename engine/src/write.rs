//! The one write path: a change runs in [`Engine::transact`], which begins the transaction,
//! commits what succeeded or rolls back what failed, and then runs the work a commit calls for
//! (a new CRL, an order file for the bureau, the mail worker woken up). That work is queued in
//! the transaction by what caused it, so no caller can forget it, and it never runs for a
//! change that was rolled back.

use crate::{Caller, Engine, EngineError, Result};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};
use std::sync::Mutex;
use tessera_process::{CardState, ObjectKind, State, TempCardState};

/// Work that follows a commit. It cannot undo the change: a failure is logged and the
/// schedule catches up.
#[derive(Debug, Clone)]
pub enum AfterCommit {
    /// Certificates were revoked, put on hold or released: publish a new CRL.
    PublishCrl,
    /// Cards of this kind became `ordered` without the queue: the bureau's order file is
    /// written now, as the sync would (by the account that ordered them).
    OrderFile { kind: ObjectKind, by: Caller },
}

impl AfterCommit {
    /// Boxed with its type written out: publishing a CRL is itself a write, and the future of a
    /// write would otherwise contain its own type.
    fn run(
        self,
        engine: &Engine,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            match self {
                AfterCommit::PublishCrl => {
                    if let Err(e) = crate::pki::crl::publish(engine).await {
                        tracing::error!("publishing the CRL failed, the schedule will retry: {e}");
                    }
                }
                AfterCommit::OrderFile { kind, by } => {
                    crate::external::order_file_now(engine, &by, kind).await;
                }
            }
        })
    }
}

/// A write transaction of [`Engine::transact`], with the work its commit calls for.
pub struct Tx {
    txn: DatabaseTransaction,
    after: Mutex<Vec<AfterCommit>>,
    clock: crate::time::Clock,
}

impl Tx {
    /// The time on the engine's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Runs `work` once the transaction has committed (once, however often it is asked for).
    pub fn after_commit(&self, work: AfterCommit) {
        let mut after = self
            .after
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let same = |queued: &AfterCommit| match (queued, &work) {
            (AfterCommit::PublishCrl, AfterCommit::PublishCrl) => true,
            (AfterCommit::OrderFile { kind: a, .. }, AfterCommit::OrderFile { kind: b, .. }) => {
                a == b
            }
            _ => false,
        };
        if !after.iter().any(same) {
            after.push(work);
        }
    }

    /// Writes the order file after the commit if cards became `ordered` (no queue).
    pub fn order_file_if(&self, state: State, by: &Caller) {
        if matches!(
            state,
            State::Card(CardState::Ordered) | State::TempCard(TempCardState::Ordered)
        ) {
            self.after_commit(AfterCommit::OrderFile {
                kind: state.kind(),
                by: by.clone(),
            });
        }
    }

    /// Publishes a new CRL after the commit if `outcome` changed what it must say.
    pub fn publish_crl_if(&self, outcome: &crate::pki::effects::EffectOutcome) {
        if outcome.crl_changed() {
            self.after_commit(AfterCommit::PublishCrl);
        }
    }

    /// The transaction itself, for the code that takes `&impl ConnectionTrait`.
    pub fn conn(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

// By hand because no crate derives a delegating ConnectionTrait: the transaction's queries are
// the transaction's, the queue is what Tx adds.
#[async_trait::async_trait]
impl ConnectionTrait for Tx {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> std::result::Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> std::result::Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(
        &self,
        stmt: Statement,
    ) -> std::result::Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> std::result::Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}

impl Engine {
    /// Runs `work` in one write transaction: committed if it returns `Ok`, rolled back
    /// otherwise; then the work queued with [`Tx::after_commit`].
    pub async fn transact<T>(&self, work: impl AsyncFnOnce(&Tx) -> Result<T>) -> Result<T> {
        self.transact_with(work).await
    }

    /// [`Engine::transact`] for work that answers with an error of its own (EST's, which
    /// carry what the phone must hear).
    pub async fn transact_with<T, E: From<EngineError>>(
        &self,
        work: impl AsyncFnOnce(&Tx) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let tx = Tx {
            txn: self.write().await?,
            after: Mutex::new(Vec::new()),
            clock: self.clock.clone(),
        };
        let result = work(&tx).await;
        let Tx { txn, after, .. } = tx;
        let value = match result {
            Ok(value) => {
                txn.commit().await.map_err(EngineError::from)?;
                value
            }
            Err(e) => {
                // The refusal is what the caller must hear, even if the rollback fails too.
                if let Err(rollback) = txn.rollback().await {
                    tracing::warn!("rollback failed: {rollback}");
                }
                return Err(e);
            }
        };
        let after = after
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for work in after {
            work.run(self).await;
        }
        Ok(value)
    }
}
