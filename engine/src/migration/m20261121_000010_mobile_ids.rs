//! Mobile IDs: what Supply mobile ID decided (the options it ran with), the one-time activation
//! a phone enrolls with, and sealed mail (an activation code never rests in the outbox in clear).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let mut columns = [
            string("process")
                .default("MobileIDProcSupplyMobileIDForUser")
                .to_owned(),
            string("delivery").default("self_service").to_owned(),
            // EST labels of the certificates it gets, comma-separated: "authentication,signature".
            string("certificates").default("").to_owned(),
            boolean("recover_encryption").default(false).to_owned(),
            // The user properties the app receives, as a JSON object.
            text("properties").default("{}").to_owned(),
            timestamp_with_time_zone_null("valid_until").to_owned(),
            big_integer("options_version").default(0).to_owned(),
            big_integer_null("requested_by").to_owned(),
            timestamp_with_time_zone_null("activated_at").to_owned(),
        ];
        for column in columns.iter_mut() {
            m.alter_table(
                Table::alter()
                    .table("mobile_id")
                    .add_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("idx_mobile_id_person")
                .table("mobile_id")
                .col("person_id")
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("mobile_id_activation")
                .if_not_exists()
                .col(big_pk_auto("id"))
                // One activation per mobile ID: showing a new QR code replaces the old one.
                .col(big_integer_uniq("mobile_id"))
                // What the phone presents as the HTTP Basic user name: random, not the row id.
                .col(string_uniq("public_id"))
                // SHA-256 of the code, hex: the code itself is never stored.
                .col(string("code_hash"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(integer("failed_attempts").default(0))
                .col(timestamp_with_time_zone_null("blocked_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                // A failed activation (blocked, expired) is reported to the user once.
                .col(timestamp_with_time_zone_null("failure_notified_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("mobile_id_activation", "mobile_id")
                        .to("mobile_id", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("mail_outbox")
                .add_column(blob_null("sealed_content"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("mail_outbox")
                .drop_column("sealed_content")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("mobile_id_activation").to_owned())
            .await?;
        m.drop_index(
            Index::drop()
                .name("idx_mobile_id_person")
                .table("mobile_id")
                .to_owned(),
        )
        .await?;
        for column in [
            "activated_at",
            "requested_by",
            "options_version",
            "valid_until",
            "properties",
            "recover_encryption",
            "certificates",
            "delivery",
            "process",
        ] {
            m.alter_table(
                Table::alter()
                    .table("mobile_id")
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
