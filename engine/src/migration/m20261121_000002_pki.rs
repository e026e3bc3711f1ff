//! The internal CA: its keys (sealed), certificate profiles, escrowed keys and published CRLs.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("certificate_authority")
                .if_not_exists()
                .col(big_pk_auto("id"))
                // "root" or "issuing"; unique so that two instances starting at once cannot both
                // create a CA.
                .col(string_uniq("role"))
                .col(text("subject"))
                .col(string("algorithm"))
                .col(blob("cert_der"))
                .col(blob("sealed_key"))
                .col(string("kek"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("certificate_profile")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string_uniq("name"))
                .col(json("document"))
                .col(big_integer("version"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("key_escrow")
                .if_not_exists()
                .col(big_integer("certificate_id").primary_key())
                .col(blob("sealed_key"))
                .col(string("kek"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("crl")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer_uniq("number"))
                .col(timestamp_with_time_zone("this_update"))
                .col(timestamp_with_time_zone("next_update"))
                .col(big_integer("entries"))
                .col(blob("der"))
                .to_owned(),
        )
        .await?;
        // When a certificate was revoked or put on hold: the CRL's revocation date.
        m.alter_table(
            Table::alter()
                .table("certificate")
                .add_column(timestamp_with_time_zone_null("revoked_at"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("certificate")
                .add_column(string("key_algorithm").default(""))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_certificate_serial")
                .table("certificate")
                .col("serial")
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_certificate_state")
                .table("certificate")
                .col("state")
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for i in ["uq_certificate_serial", "idx_certificate_state"] {
            m.drop_index(Index::drop().name(i).table("certificate").to_owned())
                .await?;
        }
        for c in ["revoked_at", "key_algorithm"] {
            m.alter_table(
                Table::alter()
                    .table("certificate")
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        for t in [
            "crl",
            "key_escrow",
            "certificate_profile",
            "certificate_authority",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
