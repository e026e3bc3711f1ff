//! Certificates issued per second, end to end: a public key from a pool of pre-generated ones,
//! build and sign the certificate with the issuing CA, store its row and its audit record — one
//! transaction per certificate (as a single card issuance would) and batches of 50 per
//! transaction (as a batch order would). Beside it, in the same run: the raw ECDSA signing rate
//! of the same issuing key, and build + sign without storage.

use rcgen::{PublicKeyData, SigningKey};
use std::sync::Arc;
use std::time::Instant;
use tessera_engine::pki::issue::{self, SubjectData};
use tessera_engine::pki::keys::{self, CheckedKey, KeySource};
use tessera_engine::pki::profiles;
use tessera_engine::testing::{pki_settings, PgCluster};
use tessera_engine::{demo, Engine};
use tessera_process::profile::{CertificateProfile, KeyAlgorithm};
use tessera_process::ObjectKind;

const POOL: usize = 500;
const CERTIFICATES: usize = 4000;
const BATCH: usize = 50;

fn key_pool() -> Result<Vec<Vec<u8>>, String> {
    (0..POOL)
        .map(|_| {
            keys::generate(KeyAlgorithm::EcdsaP256)
                .map(|k| k.subject_public_key_info())
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn subject() -> SubjectData {
    SubjectData {
        common_name: "Bench User".into(),
        upn: "bench.user@example.com".into(),
        email: "bench.user@example.com".into(),
    }
}

/// Runs `per_thread` on `threads` OS threads at once; returns the seconds the slowest took.
fn on_threads(
    threads: usize,
    per_thread: impl Fn(usize) -> Result<(), String> + Send + Sync + 'static,
) -> Result<f64, String> {
    let f = Arc::new(per_thread);
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let f = f.clone();
            std::thread::spawn(move || f(t))
        })
        .collect();
    for h in handles {
        h.join()
            .map_err(|_| "a bench thread panicked".to_string())??;
    }
    Ok(start.elapsed().as_secs_f64())
}

fn row(what: &str, backend: &str, threads: usize, n: usize, secs: f64) {
    println!(
        "| {what} | {backend} | {threads} | {n} | {secs:.2} | {:.0} |",
        n as f64 / secs
    );
}

/// CPU only: the issuing key's raw signature rate, and building + signing whole certificates.
fn cpu(e: &Engine, pool: &Arc<Vec<Vec<u8>>>, profile: &CertificateProfile) -> Result<(), String> {
    // A to-be-signed certificate is about 500 bytes.
    let message = vec![0x5a_u8; 500];
    for threads in [1, 2] {
        let e2 = e.clone();
        let m = message.clone();
        let secs = on_threads(threads, move |_| {
            let key = e2.pki().map_err(|e| e.to_string())?.ca.issuer.key();
            for _ in 0..CERTIFICATES / threads {
                key.sign(&m).map_err(|e| e.to_string())?;
            }
            Ok(())
        })?;
        row(
            "raw ECDSA P-256 signature (issuing key)",
            "-",
            threads,
            CERTIFICATES,
            secs,
        );
    }
    for threads in [1, 2] {
        let (e2, pool, profile) = (e.clone(), pool.clone(), profile.clone());
        let checked: Arc<Vec<CheckedKey>> = Arc::new(
            pool.iter()
                .map(|k| keys::check_spki(k).map_err(|e| e.to_string()))
                .collect::<Result<_, _>>()?,
        );
        let secs = on_threads(threads, move |t| {
            let pki = e2.pki().map_err(|e| e.to_string())?;
            let s = subject();
            for i in 0..CERTIFICATES / threads {
                let key = &checked[(i * threads + t) % checked.len()];
                issue::sign(pki, &profile, &s, key, e2.now()).map_err(|e| e.to_string())?;
            }
            Ok(())
        })?;
        row(
            "build + sign certificate, no storage",
            "-",
            threads,
            CERTIFICATES,
            secs,
        );
    }
    let _ = pool;
    Ok(())
}

/// Where the time of one issuance goes, beside it: an empty write transaction, and one that
/// only appends an audit record.
async fn overheads(backend: &str, e: &Engine) -> Result<(), String> {
    let n = CERTIFICATES;
    let start = Instant::now();
    for _ in 0..n {
        let txn = e.write().await.map_err(|e| e.to_string())?;
        txn.commit().await.map_err(|e| e.to_string())?;
    }
    row(
        "empty write transaction (begin, commit)",
        backend,
        1,
        n,
        start.elapsed().as_secs_f64(),
    );
    let start = Instant::now();
    for i in 0..n {
        let txn = e.write().await.map_err(|e| e.to_string())?;
        tessera_engine::audit::append(
            &txn,
            e.now(),
            None,
            tessera_engine::audit::AuditRecord {
                action: "BenchAuditOnly".into(),
                detail: format!("record {i}"),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        txn.commit().await.map_err(|e| e.to_string())?;
    }
    row(
        "audit record alone, one transaction each",
        backend,
        1,
        n,
        start.elapsed().as_secs_f64(),
    );
    Ok(())
}

/// End to end through the engine: check key, sign, insert row, audit record, commit.
async fn end_to_end(
    backend: &str,
    e: &Engine,
    pool: &Arc<Vec<Vec<u8>>>,
    profile: &CertificateProfile,
) -> Result<(), String> {
    for (per_txn, label) in [
        (1, "issue, one transaction each"),
        (BATCH, "issue, 50 per transaction"),
    ] {
        for workers in [1usize, 2] {
            let start = Instant::now();
            let mut tasks = Vec::new();
            for w in 0..workers {
                let (e, pool, profile) = (e.clone(), pool.clone(), profile.clone());
                tasks.push(tokio::spawn(async move {
                    let pki = e.pki().map_err(|e| e.to_string())?;
                    let s = subject();
                    let mine: Vec<usize> = (w..CERTIFICATES).step_by(workers).collect();
                    for chunk in mine.chunks(per_txn) {
                        let txn = e.write().await.map_err(|e| e.to_string())?;
                        for i in chunk {
                            let key = KeySource::Spki(pool[i % pool.len()].clone());
                            issue::issue(
                                &txn,
                                e.now(),
                                pki,
                                None,
                                (ObjectKind::Card, 1),
                                &s,
                                &profile,
                                key,
                            )
                            .await
                            .map_err(|e| e.to_string())?;
                        }
                        txn.commit().await.map_err(|e| e.to_string())?;
                    }
                    Ok::<_, String>(())
                }));
            }
            for t in tasks {
                t.await.map_err(|e| e.to_string())??;
            }
            row(
                label,
                backend,
                workers,
                CERTIFICATES,
                start.elapsed().as_secs_f64(),
            );
        }
    }
    Ok(())
}

/// A SQLite file in `dir` with the CA and the demo data, and the profile every case issues with.
/// A SQLite file in `dir` with the CA and the demo data.
pub(crate) async fn sqlite_demo(dir: &tempfile::TempDir) -> Result<Engine, String> {
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let e = Engine::open_with_pki(&url, &pki_settings())
        .await
        .map_err(|e| e.to_string())?;
    demo::load(&e).await.map_err(|e| e.to_string())?;
    Ok(e)
}

async fn sqlite_with_ca(dir: &tempfile::TempDir) -> Result<(Engine, CertificateProfile), String> {
    let e = sqlite_demo(dir).await?;
    let profile = profiles::by_name(&e.db, "Authentication")
        .await
        .map_err(|e| e.to_string())?;
    Ok((e, profile))
}

pub async fn run() -> Result<(), String> {
    println!();
    println!("Certificates issued (ECDSA P-256 keys from a pool of {POOL}; the Authentication profile: KU, EKU, UPN + e-mail SAN, CDP, AKI/SKI)");
    println!("| what | backend | threads | certificates | seconds | per second |");
    println!("|---|---|---:|---:|---:|---:|");
    let pool = Arc::new(
        tokio::task::spawn_blocking(key_pool)
            .await
            .map_err(|e| e.to_string())??,
    );
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (sqlite, profile) = sqlite_with_ca(&dir).await?;
    {
        let (e, pool, profile) = (sqlite.clone(), pool.clone(), profile.clone());
        tokio::task::spawn_blocking(move || cpu(&e, &pool, &profile))
            .await
            .map_err(|e| e.to_string())??;
    }
    end_to_end("SQLite (file, WAL)", &sqlite, &pool, &profile).await?;
    overheads("SQLite (file, WAL)", &sqlite).await?;
    if PgCluster::available() {
        let cluster = PgCluster::start().map_err(|e| e.to_string())?;
        let url = cluster.fresh_database().await;
        let pg = Engine::open_with_pki(&url, &pki_settings())
            .await
            .map_err(|e| e.to_string())?;
        demo::load(&pg).await.map_err(|e| e.to_string())?;
        end_to_end("PostgreSQL 15", &pg, &pool, &profile).await?;
        overheads("PostgreSQL 15", &pg).await?;
    } else {
        println!("| issue | PostgreSQL 15 not installed here | | | | |");
    }
    Ok(())
}

/// Only SQLite, one transaction per certificate, 1 thread: the case to run under `perf record`
/// to see where the time of a single issuance goes.
pub async fn profile_target() -> Result<(), String> {
    let pool = Arc::new(
        tokio::task::spawn_blocking(key_pool)
            .await
            .map_err(|e| e.to_string())??,
    );
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (e, profile) = sqlite_with_ca(&dir).await?;
    let pki = e.pki().map_err(|e| e.to_string())?;
    let s = subject();
    let n = CERTIFICATES * 3;
    let start = Instant::now();
    for i in 0..n {
        let txn = e.write().await.map_err(|e| e.to_string())?;
        let key = KeySource::Spki(pool[i % pool.len()].clone());
        issue::issue(
            &txn,
            e.now(),
            pki,
            None,
            (ObjectKind::Card, 1),
            &s,
            &profile,
            key,
        )
        .await
        .map_err(|e| e.to_string())?;
        txn.commit().await.map_err(|e| e.to_string())?;
    }
    row(
        "issue, one transaction each",
        "SQLite (file, WAL)",
        1,
        n,
        start.elapsed().as_secs_f64(),
    );
    Ok(())
}
