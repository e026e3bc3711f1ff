//! Changes to who a person is (e-mail address, UPN) that wait for a second person; the address
//! an e-mailed activation was sent to, and when a change voided it; a key recovery agent's
//! consent to recovering an escrowed key onto a mobile ID.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const MOBILE_ID_COLUMNS: [&str; 3] = [
    "recovery_consented_by",
    "recovery_consented_at",
    "recovery_reason",
];
const ACTIVATION_COLUMNS: [&str; 2] = ["delivered_to", "voided_at"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("person_change")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("person_id"))
                // The person's version the change was asked against: approving it later over
                // another edit would silently undo that edit.
                .col(big_integer("person_version"))
                // `PersonInput` as JSON, before and after.
                .col(text("before"))
                .col(text("after"))
                .col(big_integer("requested_by"))
                .col(timestamp_with_time_zone("requested_at"))
                // pending, approved, rejected, superseded
                .col(string("state"))
                .col(big_integer_null("decided_by"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text_null("reason"))
                .foreign_key(
                    ForeignKey::create()
                        .from("person_change", "person_id")
                        .to("person", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_person_change_person")
                .table("person_change")
                .col("person_id")
                .col("state")
                .to_owned(),
        )
        .await?;
        // One column per statement: SQLite adds only one column per ALTER TABLE.
        for mut col in [
            big_integer_null(MOBILE_ID_COLUMNS[0]).to_owned(),
            timestamp_with_time_zone_null(MOBILE_ID_COLUMNS[1]).to_owned(),
            text_null(MOBILE_ID_COLUMNS[2]).to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table("mobile_id")
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        for mut col in [
            string_null(ACTIVATION_COLUMNS[0]).to_owned(),
            timestamp_with_time_zone_null(ACTIVATION_COLUMNS[1]).to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table("mobile_id_activation")
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, columns) in [
            ("mobile_id_activation", &ACTIVATION_COLUMNS[..]),
            ("mobile_id", &MOBILE_ID_COLUMNS[..]),
        ] {
            for column in columns {
                m.alter_table(Table::alter().table(table).drop_column(*column).to_owned())
                    .await?;
            }
        }
        m.drop_table(Table::drop().table("person_change").to_owned())
            .await
    }
}
