#![allow(dead_code)]

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tessera_engine::entity::{account, card, person};
use tessera_engine::testing::{pki_settings, PgCluster};
use tessera_engine::{auth, demo, Caller, Engine};

/// Runs each listed test once on in-memory SQLite and once on a throwaway PostgreSQL database.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::common::sqlite().await).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::common::postgres().await).await;
                }
            )+
        }
    };
}

pub async fn sqlite() -> Engine {
    let e = Engine::open_with_pki("sqlite::memory:", &pki_settings())
        .await
        .expect("open in-memory SQLite");
    demo::load(&e).await.expect("demo data");
    e
}

pub async fn postgres() -> Engine {
    let url = PgCluster::shared().fresh_database().await;
    let e = Engine::open_with_pki(&url, &pki_settings())
        .await
        .expect("open PostgreSQL");
    demo::load(&e).await.expect("demo data");
    e
}

/// The caller for a demo account, as a session would establish it.
pub async fn caller(e: &Engine, username: &str) -> Caller {
    let a = account::Entity::find()
        .filter(account::Column::Username.eq(username))
        .one(&e.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no demo account {username}"));
    let password = demo::ACCOUNTS
        .iter()
        .find(|(u, ..)| *u == username)
        .map(|(_, p, ..)| *p)
        .unwrap_or(demo::SELF_SERVICE.1);
    let (token, _) = auth::login(e, username, password, "127.0.0.1")
        .await
        .unwrap();
    let (_, caller) = auth::session(e, &token, "127.0.0.1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(caller.account_id, a.id);
    caller
}

/// A demo person by common name.
pub async fn person(e: &Engine, common_name: &str) -> person::Model {
    person::Entity::find()
        .filter(person::Column::CommonName.eq(common_name))
        .one(&e.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no demo person {common_name}"))
}

/// A card as stored now.
pub async fn stored_card(e: &Engine, id: i64) -> card::Model {
    card::Entity::find_by_id(id)
        .one(&e.db)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no card {id}"))
}
