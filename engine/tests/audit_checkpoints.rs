//! Signed checkpoints make a rewritten or cut audit chain visible to someone who can write the
//! database but not read the KEK: recomputing every hash after an edit, or deleting the newest
//! records and resetting the head, still passes the plain chain check, and no longer passes the
//! checkpoints (kept in the database and exported to a file).

mod common;

use common::caller;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use tessera_engine::audit_checkpoint::{self, Checkpoint};
use tessera_engine::entity::audit_log;
use tessera_engine::{audit, Engine};

/// What an attacker with the database would do: edit record `seq` and recompute the chain from
/// there, head included.
async fn rewrite_from(e: &Engine, seq: i64) {
    let records = audit_log::Entity::find()
        .filter(audit_log::Column::Seq.gte(seq - 1))
        .order_by_asc(audit_log::Column::Seq)
        .all(&e.db)
        .await
        .unwrap();
    let mut prev = records[0].hash.clone();
    for mut r in records.into_iter().skip(1) {
        if r.seq == seq {
            r.actor = "mallory".into();
        }
        r.prev_hash = prev;
        r.hash = audit::digest(&r);
        prev = r.hash.clone();
        let mut q = Query::update();
        q.table("audit_log")
            .value("actor", r.actor.as_str())
            .value("prev_hash", r.prev_hash.as_str())
            .value("hash", r.hash.as_str())
            .and_where(Expr::col("seq").eq(r.seq));
        e.db.execute(&q).await.unwrap();
    }
    let mut q = Query::update();
    q.table("audit_head")
        .value("hash", prev.as_str())
        .and_where(Expr::col("id").eq(1));
    e.db.execute(&q).await.unwrap();
}

fn checkpoint_file(dir: &tempfile::TempDir, c: &Checkpoint) -> Vec<Checkpoint> {
    let path = dir.path().join("audit-checkpoints.jsonl");
    audit_checkpoint::export(&path, c).unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the checkpoint file is the server's own"
    );
    audit_checkpoint::read_file(&path).unwrap()
}

async fn a_rewritten_chain_fails_its_checkpoint(e: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let taken = audit_checkpoint::take(&e).await.unwrap();
    let exported = checkpoint_file(&dir, &taken);
    assert_eq!(exported, std::slice::from_ref(&taken));
    // Records after the checkpoint are fine.
    caller(&e, "operator").await;
    let n = audit_checkpoint::verify(&e, &exported).await.unwrap();
    assert!(n > taken.seq);
    rewrite_from(&e, 5).await;
    assert!(
        audit::verify(&e.db).await.is_ok(),
        "the plain chain is fooled"
    );
    for checkpoints in [exported, audit_checkpoint::stored(&e).await.unwrap()] {
        let err = audit_checkpoint::verify(&e, &checkpoints)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(&format!("record {}", taken.seq)), "{err}");
        assert!(err.contains("rewritten"), "{err}");
    }
}

async fn a_cut_chain_fails_its_checkpoint(e: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let taken = audit_checkpoint::take(&e).await.unwrap();
    let exported = checkpoint_file(&dir, &taken);
    // The three newest records go, and the head is set back to the one before them.
    let keep = taken.seq - 3;
    let kept = audit_log::Entity::find()
        .filter(audit_log::Column::Seq.eq(keep))
        .one(&e.db)
        .await
        .unwrap()
        .unwrap();
    audit_log::Entity::delete_many()
        .filter(audit_log::Column::Seq.gt(keep))
        .exec(&e.db)
        .await
        .unwrap();
    let mut q = Query::update();
    q.table("audit_head")
        .value("seq", keep)
        .value("hash", kept.hash.as_str())
        .and_where(Expr::col("id").eq(1));
    e.db.execute(&q).await.unwrap();
    assert!(
        audit::verify(&e.db).await.is_ok(),
        "the plain chain is fooled"
    );
    let err = audit_checkpoint::verify(&e, &exported)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("records were removed"), "{err}");
    assert!(err.contains(&format!("ends at record {keep}")), "{err}");
}

async fn a_forged_checkpoint_is_not_tesseras(e: Engine) {
    let mut forged = audit_checkpoint::take(&e).await.unwrap();
    forged.seq -= 1;
    let err = audit_checkpoint::verify(&e, &[forged])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("not signed by this Tessera"), "{err}");
}

on_both_backends!(
    a_rewritten_chain_fails_its_checkpoint,
    a_cut_chain_fails_its_checkpoint,
    a_forged_checkpoint_is_not_tesseras,
);
