//! The audit viewer's filters read pages newest first by record number: each filter has an
//! index that ends in the record number, so that a page of a log of millions of records is a
//! short walk down one index, not a scan.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &[&str]); 4] = [
    ("idx_audit_object_seq", &["object_kind", "object_id", "seq"]),
    ("idx_audit_actor_seq", &["actor", "seq"]),
    ("idx_audit_action_seq", &["action", "seq"]),
    ("idx_audit_at", &["at"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, cols) in INDEXES {
            let mut i = Index::create();
            i.name(name).table("audit_log").if_not_exists();
            for c in cols {
                i.col(*c);
            }
            m.create_index(i.to_owned()).await?;
        }
        // The object index without the record number is a prefix of the new one.
        m.drop_index(
            Index::drop()
                .name("idx_audit_object")
                .table("audit_log")
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("idx_audit_object")
                .table("audit_log")
                .col("object_kind")
                .col("object_id")
                .to_owned(),
        )
        .await?;
        for (name, _) in INDEXES {
            m.drop_index(Index::drop().name(name).table("audit_log").to_owned())
                .await?;
        }
        Ok(())
    }
}
