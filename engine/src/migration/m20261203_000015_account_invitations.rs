//! The one-time links with which a self-service user chooses their own password: the admin who
//! creates or resets the account never knows it; and who entered a person's e-mail address and
//! UPN, so that the same account does not also send a credential there.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("account_invitation")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("account_id"))
                // SHA-256 of the link's token, hex: the token is random, so a slow hash adds
                // nothing.
                .col(string_uniq("token_hash"))
                // invite (a new account) or reset
                .col(string("purpose"))
                // The address the link went to: it works only while that is the person's.
                .col(string("delivered_to"))
                .col(big_integer("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .col(timestamp_with_time_zone_null("voided_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("account_invitation", "account_id")
                        .to("account", "id"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_account_invitation_account")
                .table("account_invitation")
                .col("account_id")
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("person")
                .add_column(big_integer_null("identity_entered_by"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("person")
                .drop_column("identity_entered_by")
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table("account_invitation").to_owned())
            .await
    }
}
