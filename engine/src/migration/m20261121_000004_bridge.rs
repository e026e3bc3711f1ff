//! The card bridge: encoding jobs (recorded before the first APDU) and the secrets of encoded
//! chips (management key and PUK, sealed under the KEK).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("encoding_job")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("object_kind"))
                .col(big_integer("object_id"))
                .col(string("process"))
                .col(string("reader"))
                .col(string("state"))
                .col(string("step"))
                // A running job renews its lease at every step; one whose lease ran out was
                // abandoned by a process that stopped, and is in doubt.
                .col(timestamp_with_time_zone("lease_until"))
                .col(big_integer("started_by"))
                .col(string_null("chip_serial"))
                .col(string_null("chuid_guid"))
                .col(string_null("ccc_id"))
                .col(string_null("atr"))
                .col(blob_null("management_key"))
                .col(string_null("management_key_algorithm"))
                .col(blob_null("puk"))
                .col(text("certificate_ids").default("[]"))
                .col(text_null("error"))
                .col(big_integer("apdus").default(0))
                .col(big_integer("on_card_ms").default(0))
                .col(big_integer("total_ms").default(0))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .col(timestamp_with_time_zone_null("finished_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("encoding_job_object")
                .table("encoding_job")
                .col("object_kind")
                .col("object_id")
                .to_owned(),
        )
        .await?;
        // At most one open (running or in doubt) job per object, whatever the isolation level.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX encoding_job_open ON encoding_job (object_kind, object_id) \
                 WHERE state IN ('encoding', 'in_doubt')",
            )
            .await?;
        m.create_index(
            Index::create()
                .name("encoding_job_state")
                .table("encoding_job")
                .col("state")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("smart_card_chip")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("object_kind"))
                .col(big_integer("object_id"))
                .col(string_uniq("chuid_guid"))
                .col(string_null("chip_serial"))
                .col(string("atr"))
                .col(blob("management_key"))
                .col(string("management_key_algorithm"))
                .col(blob("puk"))
                .col(big_integer("job_id"))
                .col(timestamp_with_time_zone("encoded_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("smart_card_chip_object")
                .table("smart_card_chip")
                .col("object_kind")
                .col("object_id")
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("smart_card_chip").to_owned())
            .await?;
        m.drop_table(Table::drop().table("encoding_job").to_owned())
            .await
    }
}
