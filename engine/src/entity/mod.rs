//! SeaORM entities: one module per table. States are stored as their stable names
//! (`CardState::as_str`) so that the database reads the same as PROCESSES.md.

pub mod account;
pub mod account_invitation;
pub mod account_role;
pub mod audit_checkpoint;
pub mod audit_head;
pub mod audit_log;
pub mod batch_order;
pub mod bureau_order;
pub mod bureau_report;
pub mod card;
pub mod certificate;
pub mod certificate_authority;
pub mod certificate_profile;
pub mod crl;
pub mod encoding_job;
pub mod key_escrow;
pub mod login_throttle;
pub mod mail_outbox;
pub mod mobile_id;
pub mod mobile_id_activation;
pub mod notification;
pub mod options_version;
pub mod person;
pub mod person_change;
pub mod process_enablement;
pub mod server_secret;
pub mod session;
pub mod smart_card_chip;
pub mod submission;
pub mod temp_card;
pub mod temp_card_secret;
