//! What the real server answers to refused and hostile requests, over HTTP: each refusal with its
//! status (never 500), cross-origin writes and text/plain "JSON" refused, oversized bodies 413,
//! unknown EST paths in text, a flood of sign-ins from one address rate limited with
//! Retry-After, and the security headers on a page.

use tessera_engine::testing::ServerProcess;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn login(
    c: &reqwest::Client,
    base: &str,
    user: &str,
    password: &str,
    origin: Option<&str>,
) -> reqwest::Response {
    let mut r = c
        .post(format!("{base}/api/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("username={user}&password={password}"));
    if let Some(o) = origin {
        r = r.header("origin", o);
    }
    r.send().await.unwrap()
}

/// The status line of the answer to a POST that announces a 5 MiB body and sends none of it.
async fn too_large(base: &str, cookie: &str) -> String {
    let addr = base.trim_start_matches("http://").to_string();
    let cookie = cookie.to_string();
    tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let request = format!(
            "POST /api/check_import HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
            5 * 1024 * 1024
        );
        s.write_all(request.as_bytes()).unwrap();
        let mut answer = vec![0u8; 256];
        let n = s.read(&mut answer).expect("an answer before the body");
        String::from_utf8_lossy(&answer[..n]).into_owned()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_carry_their_status_and_hostile_requests_change_nothing() {
    let server = ServerProcess::start(env!("CARGO_BIN_EXE_tessera"))
        .await
        .unwrap();
    let base = server.base.clone();
    let c = client();

    // A wrong password is 401, with a message a person reads.
    let r = login(&c, &base, "operator", "wrong-wrong", Some(&base)).await;
    assert_eq!(r.status(), 401);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("Wrong user name or password"));
    // Signed in from Tessera's own origin.
    let r = login(&c, &base, "operator", "operator-demo", Some(&base)).await;
    assert_eq!(r.status(), 200);
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    assert_eq!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    // The operator may not read the audit log: 403. An unknown card: 404. Not signed in: 401.
    let post = |path: &str, body: &str| {
        c.post(format!("{base}{path}"))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string())
    };
    assert_eq!(
        post("/api/verify_audit", "").send().await.unwrap().status(),
        403
    );
    assert_eq!(
        post("/api/card_page", "card_id=999999")
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let anonymous = c
        .post(format!("{base}/api/card_requests"))
        .header("content-type", "application/json")
        .body(r#"{"offset":0}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let e: tessera_process::AppError =
        serde_json::from_str(&anonymous.text().await.unwrap()).unwrap();
    assert_eq!(e.kind, tessera_process::ErrorKind::Unauthenticated);
    // Bad input is 400.
    assert_eq!(
        post("/api/request_temp_cards", "count=0")
            .send()
            .await
            .unwrap()
            .status(),
        400
    );
    // A process that does not exist, or arguments that do not decode, are 400 too; a process
    // on an object that does not exist is 404.
    let json = |path: &str, body: &str| {
        c.post(format!("{base}{path}"))
            .header("cookie", &cookie)
            .header("content-type", "application/json")
            .body(body.to_string())
    };
    // The accounts list is the admin's: an operator gets 403, with or without a filter.
    for query in [
        r#"{"query":{}}"#,
        r#"{"query":{"text":"a","role":"admin"}}"#,
    ] {
        assert_eq!(
            json("/api/accounts", query).send().await.unwrap().status(),
            403
        );
    }
    // Bad input in a form is a 400 that names the field, so the page shows it there; nothing
    // is created.
    let nora = |upn: &str| {
        format!(
            r#"{{"input":{{"employee_id":"E7001","given_name":"Nora","surname":"Newman","email":"nora@example.com","upn":"{upn}","department":"IT"}}}}"#
        )
    };
    // Someone else's UPN (compared without case), and no address at all.
    for upn in ["ALICE.ANDERSSON@example.com", "not an address"] {
        let r = json("/api/create_user", &nora(upn)).send().await.unwrap();
        assert_eq!(r.status(), 400, "{upn}");
        let refusal: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(refusal["field"], "upn", "{refusal}");
        assert_eq!(refusal["kind"], "bad_request", "{refusal}");
    }
    // Quick search: a kind it does not look for, or a page past what a database counts, is
    // 400; an operator uploads no bureau report and saves no Additional Commands (403); a
    // submission key no page makes is 400 and does nothing.
    for (path, body, status) in [
        (
            "/api/quick_search",
            r#"{"kind":"batch_order","state":null,"text":"","offset":0}"#,
            400,
        ),
        (
            "/api/quick_search",
            r#"{"kind":"user","state":null,"text":"","offset":18446744073709551615}"#,
            400,
        ),
        (
            "/api/save_commands",
            r#"{"state":{"kind":"user","state":"active"},"processes":[]}"#,
            403,
        ),
        // The audit log is the admin's, page by page as well.
        (
            "/api/audit_log",
            r#"{"filter":{"object_kind":"","object_id":"","actor":"","action":"","since":"","until":"","before":500}}"#,
            403,
        ),
        (
            "/api/run_process",
            r#"{"process":"UsersProcLock","kind":"user","id":1,"version":1,"input":{"reason":"key_compromise"},"once":"x"}"#,
            400,
        ),
        // Orders a list cannot take (certificates and batch orders have no holder of their
        // own), and the approver's queue, which is not the operator's.
        (
            "/api/quick_search",
            r#"{"kind":"certificate","state":null,"text":"","offset":0,"sort":{"by":"holder","descending":false}}"#,
            400,
        ),
        (
            "/api/fetch_list",
            r#"{"list":"BatchOrders","offset":0,"sort":{"by":"holder","descending":true}}"#,
            400,
        ),
        ("/api/card_requests", r#"{"offset":0}"#, 403),
    ] {
        let r = json(path, body).send().await.unwrap();
        assert_eq!(r.status(), status, "{path} {body}");
    }
    let r = post(
        "/api/upload_bureau_report",
        "name=r.csv&text=card_id%2Cstatus%0A1%2Cproduced",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 403);
    // Repeat production of a batch that does not exist: 404, and no PIN.
    let r = post("/api/produce_batch", "batch=999999&version=1&repeat=true")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Nothing was created: the same employee id is still free.
    let r = json("/api/create_user", &nora("nora.newman@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    for bad in [
        r#"{"process":"CardsProcTakeOver","kind":"card","id":1,"version":1,"input":{}}"#,
        r#"{"process":"CardsProcLock","kind":"card","id":"one","version":1,"input":{}}"#,
        r#"{"process":"CardsProcLock","kind":"card","id":1,"version":1,"input":{"reason":"because"}}"#,
    ] {
        let r = json("/api/run_process", bad).send().await.unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    let r = json(
        "/api/fetch_process",
        r#"{"process":"UsersProcLock","kind":"card","id":1}"#,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("not a process that changes a card"));
    let r = json(
        "/api/run_process",
        r#"{"process":"CardsProcLock","kind":"card","id":999999,"version":1,"input":{"reason":"key_compromise"}}"#,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 404);
    // The answer is the typed error the browser reads: its kind, and words to act on.
    let e: tessera_process::AppError = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(e.kind, tessera_process::ErrorKind::NotFound);
    assert!(e.message.contains("There is no card"), "{}", e.message);
    // A list the operator may open is 200; a list that does not exist is 400.
    let r = json(
        "/api/fetch_list",
        r#"{"list":"ExpiredCertificates","offset":0}"#,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let page: tessera_process::lists::ListPage =
        serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(
        page.list,
        tessera_process::lists::ListId::ExpiredCertificates
    );
    for bad in [
        r#"{"list":"Everything","offset":0}"#,
        r#"{"list":"ExpiredCertificates","offset":18446744073709551615}"#,
        r#"{"list":"ExpiredCertificates","offset":-1}"#,
        // A state the list never holds.
        r#"{"list":"BatchOrders","offset":0,"state":{"kind":"temp_card","state":"assigned"}}"#,
    ] {
        let r = json("/api/fetch_list", bad).send().await.unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    // Past the end is an empty page, not an error.
    let r = json(
        "/api/fetch_list",
        r#"{"list":"ExpiredCertificates","offset":9223372036854775807}"#,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    // A self-service account runs no staff lifecycle process, on anybody's object, its own
    // included: 403 for the preview and for Next, and nothing changes. (Its one lifecycle
    // process, Lock my mobile ID, is tried on another person's mobile ID in
    // engine/tests/mobile_id.rs; on one that does not exist it is 404, below.)
    let r = login(&c, &base, "alice", "alice-demo", Some(&base)).await;
    assert_eq!(r.status(), 200);
    let alice = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    for (path, body) in [
        (
            "/api/fetch_process",
            r#"{"process":"UsersProcLock","kind":"user","id":1}"#,
        ),
        (
            "/api/run_process",
            r#"{"process":"UsersProcLock","kind":"user","id":2,"version":1,"input":{"reason":"key_compromise"}}"#,
        ),
        (
            "/api/run_process",
            r#"{"process":"CardsProcLock","kind":"card","id":1,"version":1,"input":{"reason":"key_compromise"}}"#,
        ),
        (
            "/api/run_process",
            r#"{"process":"MobileIDProcLockForOperator","kind":"mobile_id","id":1,"version":1,"input":{"reason":"key_compromise"}}"#,
        ),
        // Nor does it see the staff's lists, search or change Additional Commands.
        (
            "/api/fetch_list",
            r#"{"list":"ExpiredCertificates","offset":0}"#,
        ),
        (
            "/api/quick_search",
            r#"{"kind":"user","state":null,"text":"a","offset":0}"#,
        ),
        (
            "/api/save_commands",
            r#"{"state":{"kind":"user","state":"active"},"processes":[]}"#,
        ),
    ] {
        let r = c
            .post(format!("{base}{path}"))
            .header("cookie", &alice)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{path} {body}");
        let e: tessera_process::AppError = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(e.kind, tessera_process::ErrorKind::Forbidden);
    }

    // Lock my mobile ID on a mobile ID that does not exist: 404, not 500.
    let r = c
        .post(format!("{base}/api/run_process"))
        .header("cookie", &alice)
        .header("content-type", "application/json")
        .body(r#"{"process":"MobileIDSelfServiceProcLock","kind":"mobile_id","id":999999,"version":1,"input":{"reason":"key_compromise"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // The dashboard is the staff's: a self-service account is refused (403), nobody 401.
    for (cookie, status) in [(Some(alice.as_str()), 403), (None, 401)] {
        let mut r = c
            .post(format!("{base}/api/dashboard"))
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            r = r.header("cookie", cookie);
        }
        assert_eq!(r.send().await.unwrap().status(), status);
    }
    // An admin's audit page with a cursor or a period that is not one: 400, not 500.
    let r = login(&c, &base, "admin", "admin-demo", Some(&base)).await;
    let admin = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    for filter in [
        r#"{"object_kind":"","object_id":"","actor":"","action":"","since":"","until":"","before":"older"}"#,
        r#"{"object_kind":"","object_id":"","actor":"","action":"","since":"last week","until":""}"#,
    ] {
        let r = c
            .post(format!("{base}/api/audit_log"))
            .header("cookie", &admin)
            .header("content-type", "application/json")
            .body(format!(r#"{{"filter":{filter}}}"#))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{filter}");
    }

    // From another origin, nothing goes through: not even a sign-in (login CSRF).
    let r = login(
        &c,
        &base,
        "operator",
        "operator-demo",
        Some("http://127.0.0.1:1"),
    )
    .await;
    assert_eq!(r.status(), 403);
    let r = post("/api/request_temp_cards", "count=1")
        .header("origin", "http://127.0.0.1:1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // JSON posted as text/plain (what a cross-site form can send) is refused.
    let r = c
        .post(format!("{base}/api/create_account"))
        .header("cookie", &cookie)
        .header("content-type", "text/plain")
        .body(r#"{"account":{"username":"x","display_name":"x","password":"x","roles":["admin"],"employee_id":""}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // A body larger than anything Tessera takes: 413, from its length alone. Only the headers
    // are sent: the server answers before the body and closes, and a client still writing the
    // body would see a broken pipe instead of the answer.
    let head = too_large(&base, &cookie).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    // EST answers in text, also for a path it does not know.
    let r = c
        .get(format!("{base}/.well-known/est/nonsense/op"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r
        .text()
        .await
        .unwrap()
        .starts_with("There is no EST operation"));

    // A page carries a CSP with a nonce that its inline scripts have.
    let page = c.get(format!("{base}/login")).send().await.unwrap();
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap()
        .to_string();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "{html}");
    let again = c.get(format!("{base}/login")).send().await.unwrap();
    let other = again.headers().get("content-security-policy").unwrap();
    assert_ne!(other.to_str().unwrap(), csp, "a new nonce for each page");

    // A flood of sign-ins from one address: after its burst, 429 with Retry-After, at once.
    let mut limited = None;
    for i in 0..60 {
        let r = login(&c, &base, &format!("nobody{i}"), "guess", None).await;
        if r.status() == 429 {
            limited = Some(r);
            break;
        }
        assert!(matches!(r.status().as_u16(), 401 | 503), "{}", r.status());
    }
    let limited = limited.expect("the per-source limit answers 429");
    assert!(limited.headers().get("retry-after").is_some());
}

/// The language of a page: the browser's `Accept-Language` until the account chooses one, then
/// the account's (a cookie the server renders with), written in `<html lang>`. Choosing needs a
/// session (401) and a language Tessera speaks (400).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_speaks_the_accounts_language_else_the_browsers() {
    let server = ServerProcess::start(env!("CARGO_BIN_EXE_tessera"))
        .await
        .unwrap();
    let base = server.base.clone();
    let c = client();
    let page = |path: &str, accept: &str, cookie: &str| {
        c.get(format!("{base}{path}"))
            .header("accept-language", accept)
            .header("cookie", cookie)
            .send()
    };
    let html = page("/login", "sv-SE,sv;q=0.9,en;q=0.5", "")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="sv""#), "{html}");
    assert!(html.contains("Logga in"), "{html}");
    let html = page("/login", "de-DE, en;q=0.8", "")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="en""#), "{html}");

    let anonymous = c
        .post(format!("{base}/api/set_language"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("language=swedish")
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let r = login(&c, &base, "operator", "operator-demo", Some(&base)).await;
    assert_eq!(r.status(), 200);
    let session = set_cookie(&r, "tessera_session=").unwrap();
    let choose = |body: &str| {
        c.post(format!("{base}/api/set_language"))
            .header("cookie", &session)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.to_string())
            .send()
    };
    assert_eq!(choose("language=klingon").await.unwrap().status(), 400);
    let r = choose("language=swedish").await.unwrap();
    assert_eq!(r.status(), 200);
    let lang = set_cookie(&r, "tessera_lang=").unwrap();
    assert_eq!(lang, "tessera_lang=sv");
    // The account's language wins over the browser's.
    let html = page("/account", "en-US", &format!("{session}; {lang}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<html lang="sv""#), "{html}");
    // Signing in again sets it from the account.
    let r = login(&c, &base, "operator", "operator-demo", Some(&base)).await;
    assert_eq!(
        set_cookie(&r, "tessera_lang=").as_deref(),
        Some("tessera_lang=sv")
    );
}

/// The `name=value` of the cookie an answer sets whose text starts with `prefix`.
fn set_cookie(r: &reqwest::Response, prefix: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(prefix))
        .and_then(|v| v.split(';').next())
        .map(str::to_string)
}
