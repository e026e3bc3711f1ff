//! Demo data: one account per role, about fifty people, and Request card enabled.

use crate::auth::create_account;
use crate::entity::{account, card, person};
use crate::{enablement, Engine, Result};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use tessera_process::{ProcessId, Role, State, TempCardState, UserState};

/// The demo accounts: user name, password, display name, roles.
pub const ACCOUNTS: &[(&str, &str, &str, &[Role])] = &[
    ("admin", "admin-demo", "Ada Admin", &[Role::Admin]),
    (
        "operator",
        "operator-demo",
        "Oscar Operator",
        &[Role::Operator],
    ),
    (
        "approver",
        "approver-demo",
        "Astrid Approver",
        &[Role::Approver],
    ),
    (
        "supervisor",
        "supervisor-demo",
        "Sam Supervisor",
        &[Role::Operator, Role::Approver],
    ),
    (
        "recovery",
        "recovery-demo",
        "Rita Recovery",
        &[Role::KeyRecovery],
    ),
];

/// The self-service demo account belongs to the first person.
pub const SELF_SERVICE: (&str, &str) = ("alice", "alice-demo");

const GIVEN: &[&str] = &[
    "Alice", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Ingrid", "Jonas",
    "Kaja", "Liam", "Maja", "Nils", "Olivia", "Pavel", "Quinn", "Rosa", "Sven", "Tara", "Umar",
    "Vera", "Wilma", "Xavier", "Yara", "Zoran", "Amir", "Beatrix", "Carl", "Dalia", "Emil",
    "Frida", "Gustav", "Hanna", "Ivan", "Julia", "Karim", "Lena", "Marco", "Nadia", "Oskar",
    "Petra", "Rami", "Sofia", "Tomas", "Ulla", "Viktor", "Wen", "Yusuf", "Zelda",
];
const SURNAMES: &[&str] = &[
    "Andersson",
    "Berg",
    "Costa",
    "Dahl",
    "Ek",
    "Falk",
    "Gran",
    "Holm",
    "Isaksson",
    "Jansen",
    "Karlsson",
    "Lind",
    "Moreau",
    "Nord",
    "Olsen",
    "Petrov",
    "Quist",
    "Rossi",
    "Strand",
    "Torres",
    "Ulvaeus",
    "Vidal",
    "Wallin",
    "Xu",
    "Yilmaz",
    "Zander",
    "Ahmadi",
    "Bauer",
    "Claesson",
    "Dias",
    "Engström",
    "Fischer",
    "Gomez",
    "Hedlund",
    "Ivanova",
    "Jung",
    "Khan",
    "Larsen",
    "Martin",
    "Nowak",
    "Ortiz",
    "Persson",
    "Quintero",
    "Sandberg",
    "Tan",
    "Urban",
    "Virtanen",
    "Wang",
    "Yamada",
    "Zeller",
];
const DEPARTMENTS: &[&str] = &["Finance", "Operations", "Research", "Sales", "IT", "HR"];

/// The state of the i-th demo person: most are active; a few are not, so that the UI shows
/// what an operator may not do with them.
pub fn demo_state(i: usize) -> UserState {
    match i {
        _ if i % 10 == 9 => UserState::Inactive,
        48 => UserState::Registered,
        _ => UserState::Active,
    }
}

/// Loads the demo data unless it is there already. Returns whether it loaded anything.
pub async fn load(engine: &Engine) -> Result<bool> {
    let loaded = engine
        .transact(async |txn| {
            if account::Entity::find()
                .filter(account::Column::Username.eq("admin"))
                .one(txn)
                .await?
                .is_some()
            {
                return Ok(None);
            }
            let now = txn.now();
            let mut first_person = None;
            for (i, (given, surname)) in GIVEN.iter().zip(SURNAMES).enumerate() {
                let login = format!(
                    "{}.{}",
                    given.to_lowercase(),
                    surname.to_lowercase().replace('ö', "o")
                );
                let id = person::Entity::insert(person::ActiveModel {
                    id: Default::default(),
                    employee_id: Set(format!("E{}", 1001 + i)),
                    given_name: Set(given.to_string()),
                    surname: Set(surname.to_string()),
                    common_name: Set(format!("{given} {surname}")),
                    upn: Set(format!("{login}@example.com")),
                    email: Set(format!("{login}@example.com")),
                    department: Set(DEPARTMENTS[i % DEPARTMENTS.len()].into()),
                    state: Set(demo_state(i)),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    identity_entered_by: Set(None),
                })
                .exec(txn)
                .await?
                .last_insert_id;
                first_person.get_or_insert(id);
            }
            for (user, password, name, roles) in ACCOUNTS {
                create_account(txn, now, user, name, password, roles, None).await?;
            }
            create_account(
                txn,
                now,
                SELF_SERVICE.0,
                "Alice Andersson",
                SELF_SERVICE.1,
                &[Role::SelfService],
                first_person,
            )
            .await?;
            // The seed documents ship these disabled; the demo shows them.
            enablement::enable(
                txn,
                ProcessId::CardsProcRequest,
                State::User(UserState::Active),
            )
            .await?;
            enablement::enable(
                txn,
                ProcessId::CardsAddonExtProdProcOrder,
                State::User(UserState::Active),
            )
            .await?;
            for process in [
                ProcessId::MobileIDProcSupplyMobileIDForUser,
                ProcessId::MobileIDSelfServiceProcGet,
            ] {
                enablement::enable(txn, process, State::User(UserState::Active)).await?;
            }
            enablement::enable(
                txn,
                ProcessId::TempCardsAddonExtProdInitialize,
                State::TempCard(TempCardState::Produced),
            )
            .await?;
            crate::audit::append(
                txn,
                now,
                None,
                crate::audit::AuditRecord {
                    action: "demo_data_loaded".into(),
                    detail: format!("{} people, {} accounts", GIVEN.len(), ACCOUNTS.len() + 1),
                    ..Default::default()
                },
            )
            .await?;
            Ok(Some(first_person))
        })
        .await?;
    if let (Some(Some(alice)), Ok(_)) = (loaded, engine.pki()) {
        credentials(engine, alice).await?;
    }
    Ok(loaded.is_some())
}

/// A demo card of `person_id` in `state` with certificates of the named profiles, validated;
/// for a locked card they are revoked for key compromise. Card keys are generated as a card
/// would (only the public half reaches the CA); recoverable profiles get a server key.
#[allow(clippy::too_many_arguments)]
async fn demo_card(
    txn: &impl sea_orm::ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    pki: &crate::pki::Pki,
    person_id: i64,
    operator: i64,
    state: tessera_process::CardState,
    profile_names: &[&str],
) -> Result<i64> {
    use crate::pki::{effects, issue, keys::KeySource, profiles};
    use tessera_process::{CardState, CertEffect, ObjectKind, RevocationReason};
    let holder = crate::objects::user::people::load(txn, person_id).await?;
    let subject = issue::SubjectData::from(&holder);
    let id = card::Entity::insert(card::ActiveModel {
        person_id: Set(person_id),
        state: Set(state),
        version: Set(1),
        card_profile: Set("Standard smart card".into()),
        requested_by: Set(operator),
        decided_by: Set(None),
        decision_reason: Set(None),
        postponed_by: Set(None),
        postponed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(txn)
    .await?
    .last_insert_id;
    for name in profile_names {
        let profile = profiles::by_name(txn, name).await?;
        let key = if profile.recoverable {
            KeySource::Generate
        } else {
            let pair =
                crate::pki::keys::generate(tessera_process::profile::KeyAlgorithm::EcdsaP256)?;
            KeySource::Spki(rcgen::PublicKeyData::subject_public_key_info(&pair))
        };
        issue::issue(
            txn,
            now,
            pki,
            None,
            (ObjectKind::Card, id),
            &subject,
            &profile,
            key,
        )
        .await?;
    }
    let owner = (ObjectKind::Card, id);
    effects::apply(txn, now, None, owner, CertEffect::Validate, None).await?;
    if state == CardState::Locked {
        let reason = Some(RevocationReason::KeyCompromise);
        effects::apply(txn, now, None, owner, CertEffect::Revoke, reason).await?;
    }
    Ok(id)
}

/// Credentials so that the certificate panels and the user cascades have something to show:
/// Alice has an active card with authentication, signature and (escrowed) encryption
/// certificates, and an earlier card that was locked after it was lost; Karim Khan has an
/// active card with authentication and signature certificates.
async fn credentials(engine: &Engine, alice: i64) -> Result<()> {
    use tessera_process::CardState;
    let pki = engine.pki()?;
    engine
        .transact(async |txn| {
            let now = txn.now();
            let operator = account::Entity::find()
                .filter(account::Column::Username.eq("operator"))
                .one(txn)
                .await?
                .map(|a| a.id)
                .unwrap_or_default();
            demo_card(
                txn,
                now,
                pki,
                alice,
                operator,
                CardState::Locked,
                &["Authentication"],
            )
            .await?;
            let all = ["Authentication", "Signature", "Encryption"];
            demo_card(txn, now, pki, alice, operator, CardState::Active, &all).await?;
            if let Some(karim) = person::Entity::find()
                .filter(person::Column::CommonName.eq("Karim Khan"))
                .one(txn)
                .await?
            {
                let two = ["Authentication", "Signature"];
                demo_card(txn, now, pki, karim.id, operator, CardState::Active, &two).await?;
            }
            Ok(())
        })
        .await?;
    crate::pki::crl::publish(engine).await.map(|_| ())
}
