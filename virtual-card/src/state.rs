//! Keeping a card across restarts: a JSON file written atomically with owner-only permissions,
//! because it holds private keys, the PIN and the PUK.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::piv::PivCard;

pub fn load(path: &Path) -> io::Result<PivCard> {
    let text = fs::read_to_string(path)?;
    serde_json::from_str(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Loads the card if the file exists, `None` if it does not.
pub fn load_if_present(path: &Path) -> io::Result<Option<PivCard>> {
    match load(path) {
        Ok(card) => Ok(Some(card)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The serialised form, also used to notice whether an APDU changed anything.
pub fn to_json(card: &PivCard) -> io::Result<String> {
    serde_json::to_string_pretty(card).map_err(io::Error::other)
}

/// Writes `json` to `path` via a temporary file and rename, so that a crash leaves either the
/// old or the new card, never half of one.
pub fn save_json(path: &Path, json: &str) -> io::Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        // `mode` only applies on creation; a stale temp file could carry wider permissions.
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(json.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

pub fn save(path: &Path, card: &PivCard) -> io::Result<()> {
    save_json(path, &to_json(card)?)
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp{}", std::process::id()));
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_private_permissions() {
        let dir = std::env::temp_dir().join(format!("tvc-state-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("card.json");
        let mut card = PivCard::new(42);
        card.execute(&[
            0, 0x20, 0, 0x80, 8, b'0', b'0', b'0', b'0', b'0', b'0', 0xFF, 0xFF,
        ]);
        save(&path, &card).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let loaded = load_if_present(&path).unwrap().unwrap();
        assert_eq!(loaded.pin_tries(), (2, 3));
        assert_eq!(loaded.serial(), 42);
        assert!(load_if_present(&dir.join("absent.json")).unwrap().is_none());
        fs::remove_dir_all(&dir).unwrap();
    }
}
