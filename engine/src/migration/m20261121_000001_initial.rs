use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn stamped(mut t: TableCreateStatement) -> TableCreateStatement {
    t.col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"));
    t
}

fn index(
    name: &'static str,
    table: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table).if_not_exists();
    for c in cols {
        i.col(*c);
    }
    if unique {
        i.unique();
    }
    i
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("account")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string_uniq("username"))
                .col(string("display_name"))
                .col(string("password_hash"))
                .col(big_integer_null("person_id"))
                .col(boolean("disabled"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("account_role")
                .if_not_exists()
                .col(big_integer("account_id"))
                .col(string("role"))
                .primary_key(Index::create().col("account_id").col("role"))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("session")
                .if_not_exists()
                .col(string("token_hash").primary_key())
                .col(big_integer("account_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .to_owned(),
        )
        .await?;
        m.create_table(stamped(
            Table::create()
                .table("person")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string_uniq("employee_id"))
                .col(string("given_name"))
                .col(string("surname"))
                .col(string("common_name"))
                .col(string_uniq("upn"))
                .col(string("email"))
                .col(string("department"))
                .col(string("state"))
                .col(big_integer("version"))
                .to_owned(),
        ))
        .await?;
        m.create_index(index(
            "idx_person_common_name",
            "person",
            &["common_name"],
            false,
        ))
        .await?;
        m.create_table(stamped(
            Table::create()
                .table("card")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("person_id"))
                .col(string("state"))
                .col(big_integer("version"))
                .col(string("card_profile"))
                .col(big_integer("requested_by"))
                .col(big_integer_null("decided_by"))
                .col(text_null("decision_reason"))
                .col(big_integer_null("postponed_by"))
                .col(timestamp_with_time_zone_null("postponed_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("card", "person_id")
                        .to("person", "id"),
                )
                .to_owned(),
        ))
        .await?;
        m.create_index(index("idx_card_person", "card", &["person_id"], false))
            .await?;
        m.create_index(index("idx_card_state", "card", &["state"], false))
            .await?;
        m.create_table(stamped(
            Table::create()
                .table("batch_order")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("object_kind"))
                .col(string("state"))
                .col(big_integer("version"))
                .col(big_integer("created_by"))
                .to_owned(),
        ))
        .await?;
        m.create_table(stamped(
            Table::create()
                .table("temp_card")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string_null("serial"))
                .col(string("state"))
                .col(big_integer("version"))
                .col(big_integer_null("person_id"))
                .col(big_integer_null("batch_order_id"))
                .col(timestamp_with_time_zone_null("assigned_until"))
                .foreign_key(
                    ForeignKey::create()
                        .from("temp_card", "person_id")
                        .to("person", "id"),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("temp_card", "batch_order_id")
                        .to("batch_order", "id"),
                )
                .to_owned(),
        ))
        .await?;
        m.create_index(index("idx_temp_card_state", "temp_card", &["state"], false))
            .await?;
        m.create_table(stamped(
            Table::create()
                .table("mobile_id")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("person_id"))
                .col(string("state"))
                .col(big_integer("version"))
                .foreign_key(
                    ForeignKey::create()
                        .from("mobile_id", "person_id")
                        .to("person", "id"),
                )
                .to_owned(),
        ))
        .await?;
        m.create_table(stamped(
            Table::create()
                .table("certificate")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("owner_kind"))
                .col(big_integer("owner_id"))
                .col(string("profile"))
                .col(string("state"))
                .col(big_integer("version"))
                .col(string("serial"))
                .col(text("subject"))
                .col(timestamp_with_time_zone("not_before"))
                .col(timestamp_with_time_zone("not_after"))
                .col(string_null("revocation_reason"))
                .col(blob_null("der"))
                .to_owned(),
        ))
        .await?;
        m.create_index(index(
            "idx_certificate_owner",
            "certificate",
            &["owner_kind", "owner_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("process_enablement")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("object_kind"))
                .col(string("state"))
                .col(string("process"))
                .col(string_null("mapping"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "uq_process_enablement",
            "process_enablement",
            &["object_kind", "state", "process"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("options_version")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(string("package"))
                .col(big_integer("version"))
                .col(text("document"))
                .col(big_integer_null("changed_by"))
                .col(timestamp_with_time_zone("changed_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "uq_options_version",
            "options_version",
            &["package", "version"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("audit_log")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer_uniq("seq"))
                .col(timestamp_with_time_zone("at"))
                .col(big_integer_null("actor_id"))
                .col(string("actor"))
                .col(string("source"))
                .col(string("action"))
                .col(string_null("object_kind"))
                .col(big_integer_null("object_id"))
                .col(string_null("from_state"))
                .col(string_null("to_state"))
                .col(text("data"))
                .col(text("detail"))
                .col(string("prev_hash"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "idx_audit_object",
            "audit_log",
            &["object_kind", "object_id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("audit_head")
                .if_not_exists()
                .col(big_integer("id").primary_key())
                .col(big_integer("seq"))
                .col(string("hash"))
                .to_owned(),
        )
        .await?;
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
        m.create_index(index(
            "idx_login_failure_username",
            "login_failure",
            &["username", "at"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("notification")
                .if_not_exists()
                .col(big_pk_auto("id"))
                .col(big_integer("account_id"))
                .col(text("message"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("read_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "notification",
            "login_failure",
            "audit_head",
            "audit_log",
            "options_version",
            "process_enablement",
            "certificate",
            "mobile_id",
            "temp_card",
            "batch_order",
            "card",
            "person",
            "session",
            "account_role",
            "account",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
