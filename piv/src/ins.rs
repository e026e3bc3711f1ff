//! Instruction bytes (INS): PIV's (SP 800-73-4 part 2), ISO 7816-4's GET RESPONSE, and the YubiKey
//! PIV extensions, which a card without them answers with `6D 00`.

pub const SELECT: u8 = 0xA4;
pub const VERIFY: u8 = 0x20;
pub const CHANGE_REFERENCE_DATA: u8 = 0x24;
pub const RESET_RETRY_COUNTER: u8 = 0x2C;
pub const GENERATE_ASYMMETRIC_KEY_PAIR: u8 = 0x47;
pub const GENERAL_AUTHENTICATE: u8 = 0x87;
pub const GET_DATA: u8 = 0xCB;
pub const PUT_DATA: u8 = 0xDB;
pub const GET_RESPONSE: u8 = 0xC0;

pub const SET_MANAGEMENT_KEY: u8 = 0xFF;
pub const IMPORT_KEY: u8 = 0xFE;
pub const GET_VERSION: u8 = 0xFD;
pub const RESET: u8 = 0xFB;
pub const SET_PIN_RETRIES: u8 = 0xFA;
pub const GET_SERIAL: u8 = 0xF8;
pub const GET_METADATA: u8 = 0xF7;
