//! A KEK held in a PKCS#11 token: an AES-256 key that is sensitive and not extractable, used
//! with CKM_AES_GCM inside the token. Tessera only ever hands it 32-byte data keys.

use crate::{EngineError, Result};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Function, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use std::path::PathBuf;
use std::sync::Mutex;
use zeroize::Zeroizing;

const AAD: &[u8] = b"tessera data key";

#[derive(Debug, Clone)]
pub struct Pkcs11Settings {
    /// The token's PKCS#11 module, e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    pub token_label: String,
    pub pin: Zeroizing<String>,
    pub key_label: String,
}

pub struct TokenKey {
    // A PKCS#11 session is not for concurrent use; wrapping is rare (key creation and startup),
    // so one session behind a lock is enough.
    session: Mutex<Session>,
    key: ObjectHandle,
    label: String,
    _context: Pkcs11,
}

fn fail(what: &str, settings: &Pkcs11Settings, e: Error) -> EngineError {
    EngineError::Config(format!(
        "PKCS#11 token \"{}\" ({}): {what}: {e}",
        settings.token_label,
        settings.module.display()
    ))
}

impl TokenKey {
    /// Opens the token, logs in, and finds the KEK by label — generating it inside the token the
    /// first time.
    pub fn open(settings: &Pkcs11Settings) -> Result<TokenKey> {
        let context = Pkcs11::new(&settings.module)
            .map_err(|e| fail("cannot load the module", settings, e))?;
        match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
            Ok(())
            | Err(Error::Pkcs11(RvError::CryptokiAlreadyInitialized, Function::Initialize)) => {}
            Err(e) => return Err(fail("cannot initialise", settings, e)),
        }
        let slots = context
            .get_slots_with_initialized_token()
            .map_err(|e| fail("cannot list slots", settings, e))?;
        let slot = slots
            .into_iter()
            .find(|s| {
                context
                    .get_token_info(*s)
                    .map(|t| t.label() == settings.token_label)
                    .unwrap_or(false)
            })
            .ok_or_else(|| {
                EngineError::Config(format!(
                    "no initialised PKCS#11 token is labelled \"{}\" in {}",
                    settings.token_label,
                    settings.module.display()
                ))
            })?;
        let session = context
            .open_rw_session(slot)
            .map_err(|e| fail("cannot open a session", settings, e))?;
        match session.login(
            UserType::User,
            Some(&AuthPin::new(settings.pin.as_str().into())),
        ) {
            Ok(()) | Err(Error::Pkcs11(RvError::UserAlreadyLoggedIn, Function::Login)) => {}
            Err(e) => return Err(fail("cannot log in with the configured PIN", settings, e)),
        }
        let key = find_or_generate(&session, &settings.key_label)
            .map_err(|e| fail("cannot find or generate the KEK", settings, e))?;
        Ok(TokenKey {
            session: Mutex::new(session),
            key,
            label: format!(
                "PKCS#11 key \"{}\" in token \"{}\"",
                settings.key_label, settings.token_label
            ),
            _context: context,
        })
    }

    pub fn label(&self) -> String {
        self.label.clone()
    }

    /// iv (12 bytes) || ciphertext || tag.
    pub fn encrypt(&self, data_key: &[u8]) -> Result<Vec<u8>> {
        let session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let mut iv = [0u8; 12];
        session
            .generate_random_slice(&mut iv)
            .map_err(|e| EngineError::Crypto(format!("PKCS#11 random: {e}")))?;
        let mut iv_param = iv;
        let params = GcmParams::new(&mut iv_param, AAD, 128.into())
            .map_err(|e| EngineError::Crypto(format!("PKCS#11 GCM parameters: {e}")))?;
        let ct = session
            .encrypt(&Mechanism::AesGcm(params), self.key, data_key)
            .map_err(|e| EngineError::Crypto(format!("PKCS#11 encrypt: {e}")))?;
        Ok([iv.as_slice(), &ct].concat())
    }

    pub fn decrypt(&self, wrapped: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>> {
        let (iv, ct) = wrapped
            .split_at_checked(12)
            .ok_or_else(|| EngineError::Crypto("wrapped data key too short".into()))?;
        let mut iv: [u8; 12] = iv
            .try_into()
            .map_err(|_| EngineError::Crypto("wrapped data key too short".into()))?;
        let session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let params = GcmParams::new(&mut iv, AAD, 128.into())
            .map_err(|e| EngineError::Crypto(format!("PKCS#11 GCM parameters: {e}")))?;
        session
            .decrypt(&Mechanism::AesGcm(params), self.key, ct)
            .map(zeroize::Zeroizing::new)
            .map_err(|e| EngineError::Crypto(format!("PKCS#11 decrypt: {e}")))
    }
}

fn find_or_generate(session: &Session, label: &str) -> std::result::Result<ObjectHandle, Error> {
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Label(label.as_bytes().to_vec()),
    ];
    if let Some(key) = session.find_objects(&template)?.into_iter().next() {
        return Ok(key);
    }
    let generate = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::ValueLen(32.into()),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Encrypt(true),
        Attribute::Decrypt(true),
    ];
    session.generate_key(&Mechanism::AesKeyGen, &generate)
}
