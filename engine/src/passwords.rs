//! What a password must be, as OWASP ASVS 5.0 (level 2) asks: long enough, no composition
//! rules, and not easy to guess: checked with zxcvbn against common passwords, dictionary words,
//! patterns and the account's own names.

use crate::{EngineError, Result};

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 256;

/// Refuses a password that is too short, too long or too easy to guess (zxcvbn score below 3:
/// fewer than about 10^8 guesses), with zxcvbn's advice. `names` are the account's user name
/// and display name, which make a password easy to guess for anyone who knows them.
pub fn check(password: &str, names: &[&str]) -> Result<()> {
    let length = password.chars().count();
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(EngineError::bad_input(
            "password",
            tessera_process::said!(
                "The password needs {MIN_LENGTH} to {MAX_LENGTH} characters; a few unusual words make a good one.",
                "Lösenordet måste ha {MIN_LENGTH} till {MAX_LENGTH} tecken; några ovanliga ord ger ett bra lösenord."
            ),
        ));
    }
    // Each word of a name counts on its own: "Tara Andersson" makes "andersson" guessable.
    let words: Vec<String> = names
        .iter()
        .flat_map(|n| {
            std::iter::once(n.to_lowercase()).chain(
                n.split(|c: char| !c.is_alphanumeric())
                    .filter(|w| w.len() > 2)
                    .map(str::to_lowercase),
            )
        })
        .collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let estimate = zxcvbn::zxcvbn(password, &words);
    if estimate.score() < zxcvbn::Score::Three {
        let advice = estimate
            .feedback()
            .map(|f| {
                let mut parts: Vec<String> =
                    f.warning().map(|w| w.to_string()).into_iter().collect();
                parts.extend(f.suggestions().iter().map(|s| s.to_string()));
                parts.join(" ")
            })
            .unwrap_or_default();
        return Err(EngineError::bad_input(
            "password",
            // zxcvbn's advice is English: the Swedish gives its own.
            tessera_process::Said::new(
                format!("This password is too easy to guess. {advice}").trim(),
                "Lösenordet är för lätt att gissa. Använd några ovanliga ord, och undvik namn, datum och vanliga mönster.",
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_short_and_personal_passwords_are_refused() {
        for weak in ["password123", "Password1!", "qwertyuiop", "aaaaaaaaaaaa"] {
            assert!(check(weak, &[]).is_err(), "{weak}");
        }
        assert!(check("short", &[]).is_err());
        assert!(check("tara.andersson", &["tara", "Tara Andersson"]).is_err());
        assert!(check("correct horse battery staple", &["tara"]).is_ok());
    }
}
