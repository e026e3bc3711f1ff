//! What a fresh database gets before Tessera serves from it: the shipped option documents, the
//! default commands, the certificate profiles and the audit chain's head. Kept apart from the
//! connection so that the database layer knows no feature.

use crate::{enablement, options, Engine, Result};

/// Makes sure the shipped defaults exist; changes nothing that is already there.
pub async fn ensure_defaults(engine: &Engine) -> Result<()> {
    engine
        .transact(async |txn| {
            let now = txn.now();
            options::ensure_defaults(txn, now).await?;
            enablement::ensure_defaults(txn).await?;
            crate::pki::profiles::ensure_defaults(txn, now).await?;
            crate::audit::ensure_head(txn).await
        })
        .await
}
