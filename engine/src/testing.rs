//! A throwaway PostgreSQL cluster for tests and benchmarks: `initdb` in a temp dir, a server on
//! a free loopback port, gone when the process ends.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct PgCluster {
    /// `postgres://…/postgres` on the cluster; create one database per test with [`PgCluster::fresh_database`].
    pub admin_url: String,
    port: u16,
    _dir: tempfile::TempDir,
}

fn bin(name: &str) -> PathBuf {
    std::env::var_os("TESSERA_PG_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(PG_BIN))
        .join(name)
}

/// A loopback port nobody listens on (for a server a test starts).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// initdb refuses to run as root: as root, run the server as the `postgres` user.
fn postgres_ids() -> Option<(u32, u32)> {
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").ok()?;
    // SAFETY: getpwnam returns a pointer into static storage or null; read at once.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    if pw.is_null() {
        return None;
    }
    // SAFETY: pw is non-null and points to a valid passwd record.
    unsafe { Some(((*pw).pw_uid, (*pw).pw_gid)) }
}

fn as_postgres(cmd: &mut Command, ids: Option<(u32, u32)>, die_with_parent: bool) {
    use std::os::unix::process::CommandExt;
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if let Some((uid, gid)) = ids {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
            // After setuid, which clears it: stop the server when the test process ends.
            if die_with_parent {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT);
            }
            Ok(())
        });
    }
}

fn chown_tree(path: &Path, ids: Option<(u32, u32)>) {
    if let Some((uid, gid)) = ids {
        let _ = std::os::unix::fs::chown(path, Some(uid), Some(gid));
    }
}

impl PgCluster {
    /// Whether the PostgreSQL server binaries are installed here.
    pub fn available() -> bool {
        bin("initdb").exists() && bin("postgres").exists()
    }

    /// Starts a cluster. The server runs in a thread of its own that lives as long as the
    /// process, because the kernel's parent-death signal follows the thread that spawned it.
    pub fn start() -> std::io::Result<PgCluster> {
        remove_stale_clusters();
        let dir = tempfile::Builder::new().prefix("tessera-pg").tempdir()?;
        let ids = postgres_ids();
        let data = dir.path().join("data");
        chown_tree(dir.path(), ids);
        let mut init = Command::new(bin("initdb"));
        init.args([
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--no-sync",
            "-D",
        ])
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        as_postgres(&mut init, ids, false);
        let out = init.output()?;
        if !out.status.success() {
            return Err(std::io::Error::other(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )));
        }
        let port = free_port();
        let sockets = dir.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
        let data2 = data.clone();
        std::thread::Builder::new()
            .name("postgres".into())
            .spawn(move || {
                let mut cmd = Command::new(bin("postgres"));
                cmd.arg("-D")
                    .arg(&data2)
                    .args(["-p", &port.to_string(), "-h", "127.0.0.1", "-k"])
                    .arg(&sockets)
                    .args([
                        "-c",
                        "fsync=off",
                        "-c",
                        "synchronous_commit=off",
                        "-c",
                        "full_page_writes=off",
                    ])
                    .args(["-c", "max_connections=200"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                as_postgres(&mut cmd, ids, true);
                match cmd.spawn() {
                    Ok(mut child) => {
                        let _ = tx.send(Ok(()));
                        let _ = Child::wait(&mut child);
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            })?;
        rx.recv().map_err(std::io::Error::other)??;
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(std::io::Error::other("postgres did not start within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Accepting TCP is not yet accepting logins: wait until a query answers.
        let ready = Command::new(bin("pg_isready"))
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-t", "30"])
            .stdout(Stdio::null())
            .status();
        if let Ok(s) = ready {
            if !s.success() {
                return Err(std::io::Error::other("postgres is not ready"));
            }
        }
        Ok(PgCluster {
            admin_url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            port,
            _dir: dir,
        })
    }

    /// One cluster per process, started on first use.
    pub fn shared() -> &'static PgCluster {
        static CLUSTER: OnceLock<PgCluster> = OnceLock::new();
        static START: Mutex<()> = Mutex::new(());
        let _guard = START.lock().unwrap_or_else(|e| e.into_inner());
        // Under load a start can fail by chance (its free port taken before postgres binds it,
        // or a start slower than the deadline): a new cluster on a new port is tried, twice.
        CLUSTER.get_or_init(|| {
            let mut last = None;
            for _ in 0..3 {
                match PgCluster::start() {
                    Ok(c) => return c,
                    Err(e) => last = Some(e),
                }
            }
            panic!("start a throwaway PostgreSQL cluster: {last:?}")
        })
    }

    /// Creates an empty database and returns its URL.
    pub async fn fresh_database(&self) -> String {
        use sea_orm::{ConnectionTrait, Database};
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let admin = Database::connect(&self.admin_url)
            .await
            .expect("connect to the cluster");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a test database");
        admin.close().await.ok();
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

/// A cluster's temp dir outlives its server (statics are never dropped): remove the dirs of
/// clusters whose server is gone.
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let is_cluster = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("tessera-pg"));
        if !is_cluster {
            continue;
        }
        let pid = std::fs::read_to_string(path.join("data/postmaster.pid"))
            .ok()
            .and_then(|s| s.lines().next().and_then(|l| l.trim().parse::<i32>().ok()));
        // SAFETY: kill with signal 0 only checks whether the process exists.
        let alive = pid.is_some_and(|pid| unsafe { libc::kill(pid, 0) } == 0);
        let started_long_ago = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > Duration::from_secs(60));
        if !alive && (pid.is_some() || started_long_ago) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// CA settings for tests and benchmarks: a fixed KEK, the demo's public URL.
pub fn pki_settings() -> crate::pki::PkiSettings {
    crate::pki::PkiSettings {
        kek: crate::pki::kek::KekSettings::Inline(zeroize::Zeroizing::new("11".repeat(32))),
        public_url: "http://127.0.0.1:3000".into(),
        ca: crate::pki::ca::CaSettings::default(),
        crl_validity: chrono::Duration::hours(24),
    }
}

/// Makes sure pcscd runs (it has vsmartcard's vpcd readers "Virtual PCD 00 00" on port 35963
/// and "Virtual PCD 00 01" on 35964). Started in the foreground mode without systemd, left
/// running for the next test; its log goes to the temp dir. Needs root for /run/pcscd.
pub fn pcscd() -> std::io::Result<()> {
    use std::sync::OnceLock;
    static STARTED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    STARTED
        .get_or_init(|| {
            let socket = std::path::Path::new("/run/pcscd/pcscd.comm");
            let running = std::process::Command::new("pgrep")
                .args(["-x", "pcscd"])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if !(running && socket.exists()) {
                let log = std::fs::File::create(std::env::temp_dir().join("tessera-pcscd.log"))
                    .map_err(|e| e.to_string())?;
                std::process::Command::new("pcscd")
                    .args(["-f", "-a"])
                    .stdout(log.try_clone().map_err(|e| e.to_string())?)
                    .stderr(log)
                    .spawn()
                    .map_err(|e| {
                        format!("starting pcscd: {e} (apt-get install pcscd vsmartcard-vpcd)")
                    })?;
            }
            for _ in 0..100 {
                if socket.exists() && pcsc::Context::establish(pcsc::Scope::User).is_ok() {
                    return Ok(());
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err("pcscd did not come up within 10 s".into())
        })
        .clone()
        .map_err(std::io::Error::other)
}

/// The virtual readers vpcd offers, by port.
pub const VIRTUAL_READER: (&str, u16) = ("Virtual PCD 00 00", 35963);
pub const VIRTUAL_READER_2: (&str, u16) = ("Virtual PCD 00 01", 35964);

/// Waits until pcscd sees a card in `reader` that answers SELECT PIV.
pub fn wait_for_card(reader: &str) -> std::io::Result<()> {
    let mut last = String::new();
    for _ in 0..100 {
        match crate::bridge::reader::open(reader, false) {
            Ok((p, _)) => {
                p.channel.into_transport().close();
                return Ok(());
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Err(std::io::Error::other(format!(
        "no card in {reader}: {last}"
    )))
}

/// Waits until pcscd reports `reader` empty: a card swapped faster than pcscd polls would
/// otherwise look like the same card still there.
pub fn wait_for_removal(reader: &str) {
    let Ok(ctx) = pcsc::Context::establish(pcsc::Scope::User) else {
        return;
    };
    let Ok(name) = std::ffi::CString::new(reader) else {
        return;
    };
    let mut states = [pcsc::ReaderState::new(name, pcsc::State::UNAWARE)];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if ctx
            .get_status_change(std::time::Duration::from_millis(200), &mut states)
            .is_ok()
            && states[0].event_state().contains(pcsc::State::EMPTY)
        {
            return;
        }
        states[0].sync_current_state();
    }
}

/// A real SMTP server on loopback (Debian's python3-aiosmtpd), keeping what it receives in a
/// maildir; stopped when dropped.
pub struct SmtpSink {
    child: std::process::Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    pub fn start() -> std::io::Result<SmtpSink> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        Self::start_on(port)
    }

    pub fn start_on(port: u16) -> std::io::Result<SmtpSink> {
        let dir = tempfile::tempdir()?;
        let child = std::process::Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("maildir"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| {
                std::io::Error::other(format!(
                    "starting aiosmtpd (apt-get install python3-aiosmtpd): {e}"
                ))
            })?;
        let sink = SmtpSink { child, port, dir };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(sink);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err(std::io::Error::other("aiosmtpd did not listen within 5 s"))
    }

    /// The messages received so far, as raw RFC 5322 text, oldest first.
    pub fn messages(&self) -> Vec<String> {
        let new = self.dir.path().join("maildir").join("new");
        let mut files: Vec<_> = std::fs::read_dir(new)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real `tessera` binary serving a fresh data directory (SQLite, demo data) on a free
/// loopback port, with an [`Engine`](crate::Engine) of the test's own on the same database and
/// KEK, to set up what the HTTP side then works on. Stopped when dropped.
pub struct ServerProcess {
    child: std::process::Child,
    pub data: tempfile::TempDir,
    pub base: String,
}

impl ServerProcess {
    pub async fn start(bin: &str) -> std::result::Result<ServerProcess, String> {
        Self::start_with(bin, &[]).await
    }

    /// [`ServerProcess::start`] with more environment variables (settings).
    pub async fn start_with(
        bin: &str,
        extra: &[(&str, &str)],
    ) -> std::result::Result<ServerProcess, String> {
        let data = tempfile::tempdir().map_err(|e| e.to_string())?;
        let port = free_port();
        let mut envs = vec![
            (
                "TESSERA_DATA_DIR".to_string(),
                data.path().display().to_string(),
            ),
            ("TESSERA_SITE_ADDR".to_string(), format!("127.0.0.1:{port}")),
            ("RUST_LOG".to_string(), "warn".into()),
        ];
        envs.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let status = std::process::Command::new(bin)
            .arg("demo-data")
            .envs(envs.clone())
            .env_remove("DATABASE_URL")
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("{bin}: {e}"))?;
        if !status.success() {
            return Err(format!("{bin} demo-data failed"));
        }
        let child = std::process::Command::new(bin)
            .arg("serve")
            .envs(envs)
            .env_remove("DATABASE_URL")
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("{bin}: {e}"))?;
        let server = ServerProcess {
            child,
            data,
            base: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..300 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(server);
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(format!("{bin} did not listen on port {port} within 30 s"))
    }

    /// The server's process id (to read its memory use from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// An engine on the server's database and KEK; links it makes point at the server.
    pub async fn engine(&self) -> crate::Result<crate::Engine> {
        let settings = crate::pki::PkiSettings {
            kek: crate::pki::kek::KekSettings::File {
                path: self.data.path().join("kek.key"),
                create: false,
            },
            public_url: self.base.clone(),
            ca: crate::pki::ca::CaSettings::default(),
            crl_validity: chrono::Duration::hours(24),
        };
        let url = format!(
            "sqlite://{}?mode=rwc",
            self.data.path().join("tessera.db").display()
        );
        crate::Engine::open_with_pki(&url, &settings).await
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
