//! Leptos.toml, with environment variables taking precedence.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tessera_engine::pki::ca::CaSettings;
use tessera_engine::pki::kek::{KekSettings, Pkcs11Settings};
use tessera_engine::pki::PkiSettings;
use tessera_process::profile::KeyAlgorithm;
use zeroize::Zeroizing;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
struct File {
    site: Site,
    storage: Storage,
    pki: PkiFile,
    card_readers: CardReadersFile,
    mail: MailFile,
    external_production: ExternalFile,
    limits: LimitsFile,
    audit: AuditFile,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
struct AuditFile {
    /// Where signed checkpoints of the audit chain are appended (default
    /// `data_dir/audit-checkpoints.jsonl`); keep it, or ship it, apart from the database.
    checkpoint_file: String,
    /// How often a checkpoint is taken (default 5).
    checkpoint_minutes: u64,
}

/// Rate limits as "burst/per-minute" ("30/30": 30 at once, then one every two seconds).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
struct LimitsFile {
    sign_in_per_source: String,
    sign_in: String,
    est_per_source: String,
    est: String,
}

/// A "burst/per-minute" limit from the environment, else the file, else `default`.
fn limit(variable: &str, file: &str, default: (u32, u32)) -> Result<(u32, u32), String> {
    let text = env(variable).unwrap_or_else(|| file.to_string());
    if text.trim().is_empty() {
        return Ok(default);
    }
    let parsed = text
        .split_once('/')
        .and_then(|(b, m)| Some((b.trim().parse().ok()?, m.trim().parse().ok()?)))
        .filter(|&(b, m): &(u32, u32)| b > 0 && m > 0);
    parsed.ok_or_else(|| {
        format!("the rate limit {variable} = \"{text}\" is not \"burst/per-minute\" with two positive numbers, e.g. \"30/30\"")
    })
}

fn limits(f: &LimitsFile) -> Result<tessera_engine::throttle::Limits, String> {
    let d = tessera_engine::throttle::Limits::default();
    Ok(tessera_engine::throttle::Limits {
        sign_in_per_source: limit(
            "TESSERA_LIMIT_SIGN_IN_PER_SOURCE",
            &f.sign_in_per_source,
            d.sign_in_per_source,
        )?,
        sign_in_global: limit("TESSERA_LIMIT_SIGN_IN", &f.sign_in, d.sign_in_global)?,
        est_per_source: limit(
            "TESSERA_LIMIT_EST_PER_SOURCE",
            &f.est_per_source,
            d.est_per_source,
        )?,
        est_global: limit("TESSERA_LIMIT_EST", &f.est, d.est_global)?,
    })
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
struct ExternalFile {
    /// Where order files for the bureau are written (default `data_dir/bureau/outbox`).
    outbox_dir: String,
    /// Where the bureau's status reports are picked up (default `data_dir/bureau/inbox`).
    inbox_dir: String,
    /// How often the sync runs (default 15).
    sync_minutes: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
struct MailFile {
    /// Empty: no mail is sent (messages wait in the outbox).
    smtp_host: String,
    smtp_port: u16,
    /// "none" (a local relay), "starttls" or "tls".
    security: String,
    from: String,
    username: String,
}

impl Default for MailFile {
    fn default() -> Self {
        MailFile {
            smtp_host: String::new(),
            smtp_port: 25,
            security: "none".into(),
            from: "Tessera <tessera@localhost>".into(),
            username: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
struct CardReadersFile {
    /// Watch PC/SC readers (pcscd) and offer Issue card. Off on a server without readers.
    enabled: bool,
}

impl Default for CardReadersFile {
    fn default() -> Self {
        CardReadersFile { enabled: true }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
struct PkiFile {
    public_url: String,
    organisation: String,
    ca_algorithm: String,
    kek_file: String,
    pkcs11_module: String,
    pkcs11_token: String,
    pkcs11_pin: String,
    pkcs11_key_label: String,
    crl_validity_hours: i64,
    schedule_minutes: u64,
}

impl Default for PkiFile {
    fn default() -> Self {
        PkiFile {
            public_url: String::new(),
            organisation: "Tessera".into(),
            ca_algorithm: "ecdsa_p256".into(),
            kek_file: String::new(),
            pkcs11_module: String::new(),
            pkcs11_token: String::new(),
            pkcs11_pin: String::new(),
            pkcs11_key_label: "tessera-kek".into(),
            crl_validity_hours: 24,
            schedule_minutes: 60,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
struct Site {
    address: String,
    root: String,
    secure_cookie: bool,
    /// Minutes without a request after which a session ends (default 30).
    idle_minutes: i64,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            address: "127.0.0.1:3000".into(),
            root: "target/site".into(),
            secure_cookie: false,
            idle_minutes: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
struct Storage {
    data_dir: String,
    database_url: String,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            data_dir: "data".into(),
            database_url: String::new(),
        }
    }
}

/// The settings in force.
#[derive(Debug, Clone)]
pub struct Config {
    pub address: SocketAddr,
    pub site_root: String,
    pub secure_cookie: bool,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub pki: PkiSettings,
    /// How often the CRL is republished and stale certificates swept.
    pub schedule: std::time::Duration,
    /// Whether the card-reader monitor runs.
    pub card_readers: bool,
    /// Where mail goes; `None`: messages stay in the outbox.
    pub mail: Option<tessera_engine::mail::MailSettings>,
    pub external: tessera_engine::external::ExternalSettings,
    pub external_sync: std::time::Duration,
    /// The bearer token of the bureau's report endpoint; `None`: the endpoint is off.
    pub bureau_token: Option<String>,
    /// Rate limits on sign-in and EST authentication.
    pub limits: tessera_engine::throttle::Limits,
    /// How long sessions last.
    pub sessions: tessera_engine::auth::SessionPolicy,
    /// Where audit checkpoints are exported, and how often.
    pub checkpoint_file: PathBuf,
    pub checkpoint_every: std::time::Duration,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A path from the environment, else the settings file, else `default`.
fn path_setting(variable: &str, file: &str, default: PathBuf) -> PathBuf {
    match env(variable) {
        Some(p) => PathBuf::from(p),
        None if file.trim().is_empty() => default,
        None => PathBuf::from(file),
    }
}

/// An on/off setting from the environment ("1", "true", "yes", "on"), else the settings file.
fn flag(variable: &str, file: bool) -> bool {
    match env(variable) {
        Some(v) => matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"),
        None => file,
    }
}

impl Config {
    /// Reads `path` if it exists (defaults otherwise), then the environment.
    pub fn load(path: &Path) -> Result<Config, String> {
        let file: File = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => File::default(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let address = env("TESSERA_SITE_ADDR").unwrap_or(file.site.address);
        let address: SocketAddr = address.parse().map_err(|_| {
            format!("site address \"{address}\" is not host:port, e.g. 127.0.0.1:3000")
        })?;
        let data_dir = PathBuf::from(env("TESSERA_DATA_DIR").unwrap_or(file.storage.data_dir));
        let database_url = env("DATABASE_URL").unwrap_or(file.storage.database_url);
        let database_url = if database_url.trim().is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("tessera.db").display()
            )
        } else {
            database_url
        };
        let pki = pki_settings(&file.pki, address, &data_dir)?;
        Ok(Config {
            pki,
            schedule: std::time::Duration::from_secs(file.pki.schedule_minutes.max(1) * 60),
            address,
            site_root: env("TESSERA_SITE_ROOT").unwrap_or(file.site.root),
            secure_cookie: flag("TESSERA_SECURE_COOKIE", file.site.secure_cookie),
            mail: mail_settings(&file.mail, address)?,
            external: tessera_engine::external::ExternalSettings {
                outbox_dir: path_setting(
                    "TESSERA_BUREAU_OUTBOX",
                    &file.external_production.outbox_dir,
                    data_dir.join("bureau").join("outbox"),
                ),
                inbox_dir: path_setting(
                    "TESSERA_BUREAU_INBOX",
                    &file.external_production.inbox_dir,
                    data_dir.join("bureau").join("inbox"),
                ),
            },
            external_sync: std::time::Duration::from_secs(
                match file.external_production.sync_minutes {
                    0 => 15,
                    m => m,
                } * 60,
            ),
            bureau_token: env("TESSERA_BUREAU_TOKEN"),
            limits: limits(&file.limits)?,
            sessions: {
                let idle = match env("TESSERA_IDLE_MINUTES") {
                    Some(v) => v.trim().parse().map_err(|_| {
                        format!("TESSERA_IDLE_MINUTES \"{v}\" is not a number of minutes")
                    })?,
                    None => file.site.idle_minutes,
                };
                if !(1..=12 * 60).contains(&idle) {
                    return Err(format!(
                        "[site] idle_minutes ({idle}) must be between 1 and 720"
                    ));
                }
                tessera_engine::auth::SessionPolicy {
                    idle: chrono::Duration::minutes(idle),
                    ..Default::default()
                }
            },
            checkpoint_file: path_setting(
                "TESSERA_AUDIT_CHECKPOINT_FILE",
                &file.audit.checkpoint_file,
                data_dir.join("audit-checkpoints.jsonl"),
            ),
            checkpoint_every: std::time::Duration::from_secs(
                match file.audit.checkpoint_minutes {
                    0 => 5,
                    m => m,
                } * 60,
            ),
            card_readers: flag("TESSERA_CARD_READERS", file.card_readers.enabled),
            data_dir,
            database_url,
        })
    }

    /// The database URL with any password hidden, for the log.
    pub fn database_for_log(&self) -> String {
        match (self.database_url.find("://"), self.database_url.rfind('@')) {
            (Some(s), Some(at)) if at > s => format!(
                "{}://***{}",
                &self.database_url[..s],
                &self.database_url[at..]
            ),
            _ => self.database_url.clone(),
        }
    }
}

/// The CA's settings. The KEK comes from, in this order: a PKCS#11 token if a module is
/// configured, `TESSERA_KEK` (hex or base64), or a key file (created on first start).
fn pki_settings(f: &PkiFile, address: SocketAddr, data_dir: &Path) -> Result<PkiSettings, String> {
    let module = env("TESSERA_PKCS11_MODULE").unwrap_or(f.pkcs11_module.clone());
    let kek = if !module.trim().is_empty() {
        let pin = env("TESSERA_PKCS11_PIN").unwrap_or(f.pkcs11_pin.clone());
        if pin.is_empty() {
            return Err("a PKCS#11 module is configured but no PIN: set TESSERA_PKCS11_PIN".into());
        }
        KekSettings::Pkcs11(Pkcs11Settings {
            module: module.into(),
            token_label: env("TESSERA_PKCS11_TOKEN").unwrap_or(f.pkcs11_token.clone()),
            pin: Zeroizing::new(pin),
            key_label: f.pkcs11_key_label.clone(),
        })
    } else if let Some(key) = env("TESSERA_KEK") {
        KekSettings::Inline(Zeroizing::new(key))
    } else {
        let path = path_setting("TESSERA_KEK_FILE", &f.kek_file, data_dir.join("kek.key"));
        KekSettings::File { path, create: true }
    };
    let algorithm = KeyAlgorithm::parse(&f.ca_algorithm).ok_or_else(|| {
        format!(
            "[pki] ca_algorithm \"{}\" is not one of ecdsa_p256, rsa_2048",
            f.ca_algorithm
        )
    })?;
    if !(1..=24 * 30).contains(&f.crl_validity_hours) {
        return Err("[pki] crl_validity_hours must be between 1 and 720".into());
    }
    // Two chances to republish before a CRL lapses.
    if f.schedule_minutes.max(1) * 2 > f.crl_validity_hours as u64 * 60 {
        return Err(format!(
            "[pki] schedule_minutes ({}) must be at most half of crl_validity_hours ({} h), or the CRL can lapse",
            f.schedule_minutes, f.crl_validity_hours
        ));
    }
    let public_url = env("TESSERA_PUBLIC_URL").unwrap_or(f.public_url.clone());
    let public_url = if public_url.trim().is_empty() {
        if address.ip().is_unspecified() {
            return Err(format!(
                "the site listens on {address}, which is no address a relying party can reach: set [pki] public_url (TESSERA_PUBLIC_URL), it goes into every certificate's CRL distribution point"
            ));
        }
        format!("http://{address}")
    } else {
        public_url
    };
    if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
        return Err(format!(
            "[pki] public_url \"{public_url}\" must start with http:// or https://"
        ));
    }
    Ok(PkiSettings {
        kek,
        public_url,
        ca: CaSettings {
            organisation: f.organisation.clone(),
            algorithm,
        },
        crl_validity: chrono::Duration::hours(f.crl_validity_hours),
    })
}

/// The SMTP settings; the password only from `TESSERA_SMTP_PASSWORD`.
fn mail_settings(
    f: &MailFile,
    address: SocketAddr,
) -> Result<Option<tessera_engine::mail::MailSettings>, String> {
    use tessera_engine::mail::{MailSettings, SmtpSecurity};
    let host = env("TESSERA_SMTP_HOST").unwrap_or(f.smtp_host.clone());
    if host.trim().is_empty() {
        return Ok(None);
    }
    let port = match env("TESSERA_SMTP_PORT") {
        Some(p) => p
            .parse()
            .map_err(|_| format!("TESSERA_SMTP_PORT \"{p}\" is not a port number"))?,
        None => f.smtp_port,
    };
    let security = match f.security.as_str() {
        "none" => SmtpSecurity::None,
        "starttls" => SmtpSecurity::StartTls,
        "tls" => SmtpSecurity::Tls,
        other => {
            return Err(format!(
                "[mail] security = \"{other}\": use \"none\", \"starttls\" or \"tls\""
            ))
        }
    };
    let credentials = match (f.username.trim(), env("TESSERA_SMTP_PASSWORD")) {
        ("", _) => None,
        (user, Some(password)) => Some((user.to_string(), Zeroizing::new(password))),
        (_, None) => {
            return Err("[mail] username is set but TESSERA_SMTP_PASSWORD is not".into());
        }
    };
    let domain = f
        .from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_string())
        .unwrap_or_else(|| address.ip().to_string());
    Ok(Some(MailSettings {
        host,
        port,
        security,
        from: env("TESSERA_MAIL_FROM").unwrap_or(f.from.clone()),
        credentials,
        domain,
    }))
}
