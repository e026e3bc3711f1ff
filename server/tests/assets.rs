//! The browser bundle as the server hands it out: pages name the files of the build
//! scripts/build published (in a directory named by its hash), a file comes in the encoding the
//! browser takes, from the form the build made, kept by browsers for good; a file of another
//! build is 404 and not kept.

use tessera_engine::testing::ServerProcess;

/// A site as scripts/build leaves it, with contents a test can tell apart.
fn site() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let build = root.path().join("pkg/aaaa1111bbbb2222");
    std::fs::create_dir_all(&build).unwrap();
    for name in ["tessera.js", "tessera_bg.wasm", "tessera.css"] {
        let file = build.join(name);
        std::fs::write(&file, format!("plain {name}")).unwrap();
        std::fs::write(format!("{}.br", file.display()), format!("brotli {name}")).unwrap();
        std::fs::write(format!("{}.gz", file.display()), format!("gzip {name}")).unwrap();
    }
    std::fs::write(root.path().join("build.txt"), "aaaa1111bbbb2222\n").unwrap();
    root
}

async fn get(url: &str, accept: Option<&str>) -> (u16, reqwest::header::HeaderMap, String) {
    let mut r = reqwest::Client::new().get(url);
    if let Some(a) = accept {
        r = r.header("accept-encoding", a);
    }
    let res = r.send().await.unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.unwrap())
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundle_is_served_precompressed_from_its_build_directory_and_kept_for_good() {
    let site = site();
    let root = site.path().display().to_string();
    let server = ServerProcess::start_with(
        env!("CARGO_BIN_EXE_tessera"),
        &[("TESSERA_SITE_ROOT", root.as_str())],
    )
    .await
    .unwrap();
    let base = &server.base;

    // The sign-in page names the files of the current build.
    let (status, headers, page) = get(&format!("{base}/login"), None).await;
    assert_eq!(status, 200);
    assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    for name in [
        "/pkg/aaaa1111bbbb2222/tessera.js",
        "/pkg/aaaa1111bbbb2222/tessera_bg.wasm",
        "/pkg/aaaa1111bbbb2222/tessera.css",
    ] {
        assert!(page.contains(name), "the page does not name {name}");
    }

    // Brotli where the browser takes it, else gzip, else the file itself: what the build made.
    let wasm = format!("{base}/pkg/aaaa1111bbbb2222/tessera_bg.wasm");
    let (status, h, body) = get(&wasm, Some("gzip, deflate, br")).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-encoding"), Some("br"));
    assert_eq!(body, "brotli tessera_bg.wasm");
    assert_eq!(header(&h, "content-type"), Some("application/wasm"));
    assert_eq!(
        header(&h, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let (_, h, body) = get(&wasm, Some("gzip")).await;
    assert_eq!(header(&h, "content-encoding"), Some("gzip"));
    assert_eq!(body, "gzip tessera_bg.wasm");
    let (_, h, body) = get(&wasm, None).await;
    assert_eq!(header(&h, "content-encoding"), None);
    assert_eq!(body, "plain tessera_bg.wasm");
    let (_, h, _) = get(
        &format!("{base}/pkg/aaaa1111bbbb2222/tessera.css"),
        Some("br"),
    )
    .await;
    assert_eq!(header(&h, "content-type"), Some("text/css"));

    // A file of another build: 404, and not kept.
    let (status, h, _) = get(
        &format!("{base}/pkg/0000000000000000/tessera_bg.wasm"),
        Some("br"),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(header(&h, "cache-control"), Some("no-store"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_built_bundle_the_server_still_answers() {
    let empty = tempfile::tempdir().unwrap();
    let root = empty.path().display().to_string();
    let server = ServerProcess::start_with(
        env!("CARGO_BIN_EXE_tessera"),
        &[("TESSERA_SITE_ROOT", root.as_str())],
    )
    .await
    .unwrap();
    let (status, _, _) = get(&format!("{}/health", server.base), None).await;
    assert_eq!(status, 200);
    let (status, _, page) = get(&format!("{}/login", server.base), None).await;
    assert_eq!(status, 200);
    assert!(page.contains("Sign in"));
}
