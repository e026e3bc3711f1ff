#![allow(dead_code)]

use rcgen::{CertificateParams, KeyPair};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use tessera_engine::entity::{account, card, person};
use tessera_engine::mail::{MailSettings, Mailer, SmtpSecurity};
use tessera_engine::testing::{pki_settings, PgCluster};
use tessera_engine::{auth, demo, options, Caller, Engine};
use tessera_process::OptionsPackage;

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
    // Each sign-in from an address of its own: a test signs in often, and the rate limit of one
    // source is not what it tests.
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let source = format!("127.1.{}.{}", n / 250 % 250, n % 250 + 1);
    let (token, _) = auth::login(e, username, password, &source).await.unwrap();
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

/// Saves option values as the demo admin.
pub async fn set_options(e: &Engine, package: OptionsPackage, changes: &[(&str, &str)]) {
    let admin = caller(e, "admin").await;
    let cur = options::current(&e.db, package).await.unwrap();
    let changes: Vec<(String, String)> = changes
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    options::save(e, &admin, package, cur.version, &changes)
        .await
        .unwrap();
}

/// id and code from an activation link's fragment.
pub fn credentials(link: &str) -> (String, String) {
    let fragment = link.split_once('#').expect("a fragment").1;
    let get = |k: &str| {
        fragment
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .unwrap_or_else(|| panic!("no {k} in {link}"))
            .to_string()
    };
    assert_eq!(get("v"), "1");
    (get("id"), get("c"))
}

pub fn p256_csr() -> Vec<u8> {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .serialize_request(&key)
        .unwrap()
        .der()
        .to_vec()
}

pub fn mailer(port: u16) -> Mailer {
    Mailer::new(MailSettings {
        host: "127.0.0.1".into(),
        port,
        security: SmtpSecurity::None,
        from: "Tessera <tessera@example.com>".into(),
        credentials: None,
        domain: "tessera.example.com".into(),
    })
    .unwrap()
}

/// The activation link in a received message (its text may be quoted-printable).
pub fn link_in(message: &str) -> String {
    let text = message
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let start = text.find("http").expect("a link");
    let end = text[start..]
        .find(|c: char| c.is_whitespace())
        .map(|n| start + n)
        .unwrap_or(text.len());
    text[start..end].to_string()
}

/// What a refusal tells the browser besides its words: its kind (the HTTP status) and the form
/// field it is about. Tests compare these rather than the wording, which may be improved freely.
pub fn refusal(err: &tessera_engine::EngineError) -> (tessera_process::ErrorKind, Option<String>) {
    (err.kind(), err.field())
}

/// A refusal of bad input in `field`.
pub fn bad(field: &str) -> (tessera_process::ErrorKind, Option<String>) {
    (
        tessera_process::ErrorKind::BadRequest,
        Some(field.to_string()),
    )
}

/// A refusal of `kind` about no field in particular.
pub fn refused(kind: tessera_process::ErrorKind) -> (tessera_process::ErrorKind, Option<String>) {
    (kind, None)
}
