//! The reference mobile client (`tessera-mobile`) against the real server: the QR code read
//! from its PNG and its SVG, then cacerts with the CA pin, the user properties and both
//! enrollments over HTTP; the mobile ID ends active with valid certificates.

use tessera_engine::objects::mobile_id;
use tessera_engine::testing::ServerProcess;
use tessera_engine::{auth, demo, Caller, Engine};
use tessera_mobile_client::{enroll, read_qr_png, read_qr_svg, Activation, Error};
use tessera_process::{MobileIdState, ProcessId};

async fn caller(e: &Engine, user: &str) -> Caller {
    let password = demo::ACCOUNTS
        .iter()
        .find(|(u, ..)| *u == user)
        .map(|(_, p, ..)| *p)
        .unwrap_or(demo::SELF_SERVICE.1);
    let (token, _) = auth::login(e, user, password, "127.0.0.1").await.unwrap();
    auth::session(e, &token, "127.0.0.1")
        .await
        .unwrap()
        .unwrap()
        .1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_client_reads_the_qr_code_and_enrolls() {
    let server = ServerProcess::start(env!("CARGO_BIN_EXE_tessera"))
        .await
        .unwrap();
    let e = server.engine().await.unwrap();
    let op = caller(&e, "operator").await;
    let alice = caller(&e, "alice").await;
    let person = alice.person_id.unwrap();
    let version = tessera_engine::objects::user::people::load(&e.db, person)
        .await
        .unwrap()
        .version;
    let supplied = mobile_id::supply(
        &e,
        &op,
        ProcessId::MobileIDProcSupplyMobileIDForUser,
        person,
        version,
    )
    .await
    .unwrap();
    let qr = mobile_id::show_qr(&e, &alice, supplied.mobile_id)
        .await
        .unwrap();
    assert!(qr.link.starts_with(&server.base), "{}", qr.link);

    // The client reads the code from either image.
    let png = mobile_id::qr::png(&qr.link).unwrap();
    assert_eq!(read_qr_png(&png).unwrap(), qr.link);
    assert_eq!(read_qr_svg(&qr.svg).unwrap(), qr.link);

    let client = reqwest::Client::new();
    // A wrong code is refused by the server, with its message.
    let mut wrong = Activation::parse(&qr.link).unwrap();
    wrong.code = "B".repeat(22);
    match enroll(&client, &wrong).await {
        Err(Error::Http { status, message }) => {
            assert_eq!(status, 401);
            assert!(message.contains("wrong"), "{message}");
        }
        other => panic!("expected 401, got {:?}", other.map(|o| o.enrolled.len())),
    }

    let activation = Activation::parse(&qr.link).unwrap();
    let outcome = enroll(&client, &activation).await.unwrap();
    assert_eq!(
        outcome.properties.get("user_id").map(String::as_str),
        Some("alice.andersson@example.com")
    );
    assert_eq!(outcome.ca_chain_der.len(), 2);
    let labels: Vec<&str> = outcome.enrolled.iter().map(|x| x.label.as_str()).collect();
    assert_eq!(labels, ["authentication", "signature"]);
    assert!(outcome.enrolled.iter().all(|x| !x.server_generated));

    let page = mobile_id::page(&e, &op, supplied.mobile_id).await.unwrap();
    assert_eq!(page.mobile_id.state, MobileIdState::Active);
    assert_eq!(page.certificates.len(), 2);
    assert!(page
        .certificates
        .iter()
        .all(|c| c.state == tessera_process::CertificateState::Valid));
    // The same link again: the code is used up.
    match enroll(&client, &activation).await {
        Err(Error::Http { status, .. }) => assert_eq!(status, 401),
        other => panic!("expected 401, got {:?}", other.map(|o| o.enrolled.len())),
    }
}
