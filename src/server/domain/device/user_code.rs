//! The user code of the device flow (RFC 8628 section 6.1): 8 characters from 20 consonants
//! (`BCDFGHJKLMNPQRSTVWXZ`: no vowels, so no words; no digits to mistake for letters), shown as
//! `XXXX-XXXX`. Entry is case-insensitive and the dash (or a space) is optional.
//!
//! About 34.6 bits; guessing is held back by the per-address limit on user-code entry and the
//! 15-minute life of a code.

use rand::RngCore;

const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Characters in a user code.
pub const LEN: usize = 8;

/// A well-formed user code, held normalized (8 upper-case letters, no dash).
#[derive(Clone, PartialEq, Eq)]
pub struct UserCode(String);

impl UserCode {
    /// A fresh random code; every character equally likely.
    pub fn generate() -> Self {
        let mut code = String::with_capacity(LEN);
        let mut byte = [0u8; 1];
        while code.len() < LEN {
            rand::rngs::OsRng.fill_bytes(&mut byte);
            // 240 is the largest multiple of 20 below 256: rejecting the rest avoids bias.
            if byte[0] < 240 {
                code.push(ALPHABET[usize::from(byte[0] % 20)] as char);
            }
        }
        Self(code)
    }

    /// Reads a code as a person typed it; `None` unless it is 8 letters of the alphabet.
    pub fn parse(input: &str) -> Option<Self> {
        let mut code = String::with_capacity(LEN);
        for c in input.trim().chars() {
            if c == '-' || c == ' ' {
                continue;
            }
            let c = c.to_ascii_uppercase();
            if code.len() == LEN || !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return None;
            }
            code.push(c);
        }
        (code.len() == LEN).then_some(Self(code))
    }

    /// The stored form: 8 letters, no dash.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form shown to people: `XXXX-XXXX`.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..LEN / 2], &self.0[LEN / 2..])
    }
}

impl std::fmt::Debug for UserCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "UserCode({}…)",
            &crate::server::domain::secrets::log_id(&self.0)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_use_the_alphabet_and_show_with_a_dash() {
        for _ in 0..500 {
            let code = UserCode::generate();
            assert_eq!(code.as_str().len(), LEN);
            assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
            let shown = code.display();
            assert_eq!(shown.len(), 9);
            assert_eq!(&shown[4..5], "-");
            assert_eq!(UserCode::parse(&shown), Some(code));
        }
    }

    #[test]
    fn generated_codes_cover_the_alphabet_and_differ() {
        let codes: Vec<UserCode> = (0..1000).map(|_| UserCode::generate()).collect();
        let distinct: std::collections::HashSet<_> = codes.iter().map(|c| c.0.clone()).collect();
        assert_eq!(distinct.len(), codes.len());
        for &letter in ALPHABET {
            assert!(codes.iter().any(|c| c.0.as_bytes().contains(&letter)));
        }
    }

    #[test]
    fn entry_ignores_case_dash_and_spaces() {
        let code = UserCode::parse("BCDF-GHJK").unwrap();
        assert_eq!(code.as_str(), "BCDFGHJK");
        for typed in ["bcdfghjk", "bcdf-ghjk", " BcDf GhJk \n", "BCDFGHJK"] {
            assert_eq!(UserCode::parse(typed), Some(code.clone()), "{typed:?}");
        }
    }

    #[test]
    fn malformed_entries_are_refused() {
        for typed in [
            "",
            "BCDF-GHJ",
            "BCDF-GHJKL",
            "BCDF-GHJA",
            "BCDF-GHJ1",
            "BCDF_GHJK",
            "BCDF-GHJÉ",
            &"B".repeat(10_000),
        ] {
            assert_eq!(UserCode::parse(typed), None, "{typed:?}");
        }
    }

    #[test]
    fn debug_hides_the_code() {
        let code = UserCode::generate();
        assert!(!format!("{code:?}").contains(code.as_str()));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Eight letters of the alphabet in any case, with dashes and spaces anywhere.
    fn model(input: &str) -> Option<String> {
        let letters: String = input
            .trim()
            .chars()
            .filter(|&c| c != '-' && c != ' ')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        (letters.chars().count() == LEN
            && letters.chars().all(|c| "BCDFGHJKLMNPQRSTVWXZ".contains(c)))
        .then_some(letters)
    }

    proptest! {
        #[test]
        fn parsing_never_panics(input in any::<String>()) {
            let _ = UserCode::parse(&input);
        }

        #[test]
        fn verdict_matches_the_model(input in "[ \\-BCDFGHJKLMNPQRSTVWXZbcdfaeiou0-9]{0,14}") {
            prop_assert_eq!(UserCode::parse(&input).map(|c| c.0), model(&input), "{:?}", input);
        }

        #[test]
        fn shown_codes_round_trip(code in "[BCDFGHJKLMNPQRSTVWXZ]{8}") {
            let parsed = UserCode::parse(&code).unwrap();
            prop_assert_eq!(UserCode::parse(&parsed.display()), Some(parsed.clone()));
            prop_assert_eq!(UserCode::parse(&parsed.display().to_lowercase()), Some(parsed));
        }
    }
}
