//! Schema migrations. Each migration is written out with the schema builder rather than derived
//! from the entities, so that later changes to an entity never rewrite history.

use sea_orm_migration::prelude::*;

mod m20261121_000001_initial;
mod m20261121_000002_pki;
mod m20261121_000003_people;
mod m20261121_000004_bridge;
mod m20261121_000005_mail;
mod m20261121_000006_external_production;
mod m20261121_000007_temp_cards;
mod m20261121_000008_temp_card_orders;
mod m20261121_000009_card_batch_orders;
mod m20261121_000010_mobile_ids;
mod m20261202_000011_identity_changes;
mod m20261202_000012_sign_in_throttle;
mod m20261202_000013_audit_checkpoints;
mod m20261202_000014_account_security;
mod m20261203_000015_account_invitations;
mod m20261207_000016_submissions;
mod m20261207_000017_audit_indexes;
mod m20261207_000018_account_language;
mod m20261208_000019_self_service_lock;
mod m20261208_000020_abort_card_request;
mod shipped_command;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_initial::Migration),
            Box::new(m20261121_000002_pki::Migration),
            Box::new(m20261121_000003_people::Migration),
            Box::new(m20261121_000004_bridge::Migration),
            Box::new(m20261121_000005_mail::Migration),
            Box::new(m20261121_000006_external_production::Migration),
            Box::new(m20261121_000007_temp_cards::Migration),
            Box::new(m20261121_000008_temp_card_orders::Migration),
            Box::new(m20261121_000009_card_batch_orders::Migration),
            Box::new(m20261121_000010_mobile_ids::Migration),
            Box::new(m20261202_000011_identity_changes::Migration),
            Box::new(m20261202_000012_sign_in_throttle::Migration),
            Box::new(m20261202_000013_audit_checkpoints::Migration),
            Box::new(m20261202_000014_account_security::Migration),
            Box::new(m20261203_000015_account_invitations::Migration),
            Box::new(m20261207_000016_submissions::Migration),
            Box::new(m20261207_000017_audit_indexes::Migration),
            Box::new(m20261207_000018_account_language::Migration),
            Box::new(m20261208_000019_self_service_lock::Migration),
            Box::new(m20261208_000020_abort_card_request::Migration),
        ]
    }
}
