//! Leptos.toml, with environment variables taking precedence.

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
struct File {
    site: Site,
    storage: Storage,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
struct Site {
    address: String,
    root: String,
    secure_cookie: bool,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            address: "127.0.0.1:3000".into(),
            root: "target/site".into(),
            secure_cookie: false,
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
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
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
        Ok(Config {
            address,
            site_root: env("TESSERA_SITE_ROOT").unwrap_or(file.site.root),
            secure_cookie: match env("TESSERA_SECURE_COOKIE") {
                Some(v) => matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"),
                None => file.site.secure_cookie,
            },
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
