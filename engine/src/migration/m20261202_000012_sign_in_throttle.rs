//! Sign-in throttling per (account name, source) with growing delays, in place of the lock-out
//! per user name that let anyone lock anyone out. A typed name is kept only as a keyed hash
//! (people type passwords into that field), so the old table with names in clear goes. Server
//! secrets (the key of that hash) are kept sealed under the KEK.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("login_throttle")
                .if_not_exists()
                .col(big_pk_auto("id"))
                // HMAC-SHA256 of the lowercased user name under a sealed server secret, hex;
                // "*" for the row that counts a source across all names.
                .col(string("name_key"))
                .col(string("source"))
                .col(big_integer_null("account_id"))
                // Wrong passwords in a row; a success from this source clears them.
                .col(integer("failures").default(0))
                // Refused tries (wrong or throttled) since the last audit report.
                .col(integer("refused").default(0))
                .col(timestamp_with_time_zone("window_start"))
                .col(timestamp_with_time_zone("last_failure_at"))
                .col(timestamp_with_time_zone_null("blocked_until"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_login_throttle_key")
                .table("login_throttle")
                .col("name_key")
                .col("source")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_login_throttle_source")
                .table("login_throttle")
                .col("source")
                .col("last_failure_at")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("server_secret")
                .if_not_exists()
                .col(string("name").primary_key())
                .col(blob("sealed"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("login_failure").if_exists().to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("login_failure")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("username"))
                .col(string("source"))
                .col(timestamp_with_time_zone("at"))
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("server_secret").to_owned())
            .await?;
        m.drop_table(Table::drop().table("login_throttle").to_owned())
            .await
    }
}
