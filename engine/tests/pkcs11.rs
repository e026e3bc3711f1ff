//! The production option: the KEK is an AES key inside a PKCS#11 token (SoftHSM here). Its own
//! test binary, because a PKCS#11 module is initialised once per process.

use std::path::{Path, PathBuf};
use std::process::Command;
use tessera_engine::pki::issue::SubjectData;
use tessera_engine::pki::kek::{KekSettings, Pkcs11Settings};
use tessera_engine::pki::keys::KeySource;
use tessera_engine::pki::{escrow, issue, profiles};
use tessera_engine::{demo, Engine};
use tessera_process::ObjectKind;

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

fn init_token(dir: &Path) -> PathBuf {
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args([
            "--init-token",
            "--free",
            "--label",
            "tessera",
            "--pin",
            "1234",
            "--so-pin",
            "5678",
        ])
        .output()
        .expect("softhsm2-util (Debian package softhsm2) must be installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    conf
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_keys_and_escrow_sealed_under_a_token_key() {
    assert!(
        Path::new(MODULE).exists(),
        "SoftHSM's module {MODULE} is missing: apt install softhsm2"
    );
    let dir = tempfile::tempdir().unwrap();
    let conf = init_token(dir.path());
    // Read by SoftHSM when the module initialises, which happens below, in this process only.
    unsafe { std::env::set_var("SOFTHSM2_CONF", &conf) };

    let mut settings = tessera_engine::testing::pki_settings();
    let token = |pin: &str| {
        KekSettings::Pkcs11(Pkcs11Settings {
            module: MODULE.into(),
            token_label: "tessera".into(),
            pin: zeroize::Zeroizing::new(pin.into()),
            key_label: "tessera-kek".into(),
        })
    };
    settings.kek = token("1234");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    let e = Engine::open_with_pki(&url, &settings).await.unwrap();
    demo::load(&e).await.unwrap();
    assert!(e.pki().unwrap().kek.label().contains("PKCS#11"));

    // The sealed CA key is not the plain PKCS#8 key.
    use sea_orm::EntityTrait;
    let rows = tessera_engine::entity::certificate_authority::Entity::find()
        .all(&e.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert!(r.kek.contains("PKCS#11 key \"tessera-kek\""), "{}", r.kek);
        assert!(r.sealed_key.starts_with(b"TSK1"));
    }

    // Escrow and recovery through the token.
    let alice = tessera_engine::objects::user::people::load(&e.db, 1)
        .await
        .unwrap();
    let enc = profiles::by_name(&e.db, "Encryption").await.unwrap();
    let txn = e.write().await.unwrap();
    let issued = issue::issue(
        &txn,
        e.now(),
        e.pki().unwrap(),
        None,
        (ObjectKind::Card, 1),
        &SubjectData::from(&alice),
        &enc,
        KeySource::Generate,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let (token_str, _) = tessera_engine::auth::login(&e, "recovery", "recovery-demo", "127.0.0.1")
        .await
        .unwrap();
    let (_, agent) = tessera_engine::auth::session(&e, &token_str, "127.0.0.1")
        .await
        .unwrap()
        .unwrap();
    let recovered = escrow::recover(
        &e,
        &agent,
        issued.certificate_id,
        "a long password 1",
        "test",
    )
    .await
    .unwrap();
    assert!(!recovered.pkcs12_base64.is_empty());

    // A restart finds the same key in the token and loads the same CA.
    let issuing = e.pki().unwrap().ca.issuing.der.clone();
    drop(e);
    let again = Engine::open_with_pki(&url, &settings).await.unwrap();
    assert_eq!(again.pki().unwrap().ca.issuing.der, issuing);
    // PKCS#11 logins are per process: close the token before trying another PIN.
    drop(again);

    // A wrong PIN is a configuration error that names the token.
    let mut wrong = settings.clone();
    wrong.kek = token("9999");
    let err = Engine::open_with_pki(&url, &wrong)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("tessera") && err.contains("PIN"), "{err}");
}
