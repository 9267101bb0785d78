//! The agent auth code: 100 random bits from the OS CSPRNG in Crockford base32, five groups of
//! four plus a check character (`K7QM-4XHD-92TB-VN3R-2WQX-P`).
//!
//! The check character is Luhn mod 32 over the data characters, so a mistyped or guessed code
//! is refused before any database lookup. Parsing forgives what a paste adds: case, spaces,
//! dashes, quotes and backticks around the code, and Crockford's look-alikes (I, L → 1; O → 0).

use rand::RngCore;
use sha2::{Digest, Sha256};

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Data characters: 20 × 5 bits = 100 bits.
const DATA_LEN: usize = 20;
const GROUP: usize = 4;

/// A well-formed code, held in canonical form (21 characters, no dashes).
#[derive(Clone, PartialEq, Eq)]
pub struct AgentCode(String);

/// Why a string is not a code. Callers answer every case the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeFormatError {
    Length,
    Character,
    CheckCharacter,
}

impl AgentCode {
    /// A fresh random code.
    pub fn generate() -> Self {
        let mut bytes = [0u8; DATA_LEN];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        // Each byte keeps 5 bits: 32 divides 256, so every symbol is equally likely.
        let digits: Vec<u8> = bytes.iter().map(|b| b & 31).collect();
        Self::from_digits(&digits)
    }

    fn from_digits(digits: &[u8]) -> Self {
        let mut text: String = digits
            .iter()
            .map(|&d| ALPHABET[d as usize] as char)
            .collect();
        text.push(ALPHABET[check_digit(digits) as usize] as char);
        Self(text)
    }

    /// Reads a code as a person or an agent pasted it.
    pub fn parse(input: &str) -> Result<Self, CodeFormatError> {
        let trimmed = input.trim().trim_matches(|c: char| {
            c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '“' | '”' | '‘' | '’')
        });
        let mut digits = Vec::with_capacity(DATA_LEN + 1);
        for c in trimmed.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            if digits.len() > DATA_LEN {
                return Err(CodeFormatError::Length);
            }
            digits.push(decode_char(c).ok_or(CodeFormatError::Character)?);
        }
        if digits.len() != DATA_LEN + 1 {
            return Err(CodeFormatError::Length);
        }
        let Some(check) = digits.pop() else {
            return Err(CodeFormatError::Length);
        };
        if check_digit(&digits) != check {
            return Err(CodeFormatError::CheckCharacter);
        }
        Ok(Self::from_digits(&digits))
    }

    /// The code as shown to people: `XXXX-XXXX-XXXX-XXXX-XXXX-C`.
    pub fn display(&self) -> String {
        let mut out = String::with_capacity(self.0.len() + DATA_LEN / GROUP);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % GROUP == 0 {
                out.push('-');
            }
            out.push(c);
        }
        out
    }

    /// The only form that is stored: SHA-256 of the canonical text, hex.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for AgentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AgentCode({}…)", &self.hash()[..8])
    }
}

fn decode_char(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u8)
}

/// Luhn mod N with N = 32: catches every single-character error and most transpositions.
fn check_digit(digits: &[u8]) -> u8 {
    const N: u32 = 32;
    let mut factor = 2;
    let mut sum = 0;
    for &d in digits.iter().rev() {
        let addend = factor * u32::from(d);
        sum += addend / N + addend % N;
        factor = if factor == 2 { 1 } else { 2 };
    }
    ((N - sum % N) % N) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_grouped_and_parse_back() {
        for _ in 0..200 {
            let code = AgentCode::generate();
            let shown = code.display();
            assert_eq!(shown.len(), 26);
            let groups: Vec<_> = shown.split('-').collect();
            assert_eq!(
                groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
                [4, 4, 4, 4, 4, 1]
            );
            assert!(!shown.contains(['I', 'L', 'O', 'U']));
            assert_eq!(AgentCode::parse(&shown), Ok(code));
        }
    }

    #[test]
    fn generated_codes_differ() {
        let codes: std::collections::HashSet<_> =
            (0..1000).map(|_| AgentCode::generate().display()).collect();
        assert_eq!(codes.len(), 1000);
    }

    #[test]
    fn pasted_variants_parse_to_the_same_code() {
        let code = AgentCode::generate();
        let shown = code.display();
        let lower = shown.to_lowercase();
        let spaced = shown.replace('-', " ");
        let bare = shown.replace('-', "");
        for pasted in [
            format!("  {shown}\n"),
            format!("\"{shown}\""),
            format!("'{shown}'"),
            format!("`{shown}`"),
            format!("“{shown}”"),
            lower,
            spaced,
            bare,
        ] {
            assert_eq!(AgentCode::parse(&pasted), Ok(code.clone()), "{pasted:?}");
        }
    }

    #[test]
    fn look_alike_letters_read_as_digits() {
        let code =
            AgentCode::from_digits(&[1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
        let typed = code.display().replace('1', "l").replace('0', "O");
        assert_eq!(AgentCode::parse(&typed), Ok(code));
    }

    #[test]
    fn every_single_character_change_is_caught() {
        let code = AgentCode::generate();
        let canonical = code.0.clone();
        for i in 0..canonical.len() {
            for &a in ALPHABET {
                let mut changed = canonical.clone().into_bytes();
                if changed[i] == a {
                    continue;
                }
                changed[i] = a;
                let changed = String::from_utf8(changed).unwrap();
                assert_eq!(
                    AgentCode::parse(&changed),
                    Err(CodeFormatError::CheckCharacter),
                    "{changed}"
                );
            }
        }
    }

    #[test]
    fn malformed_input_is_refused() {
        let shown = AgentCode::generate().display();
        assert_eq!(AgentCode::parse(""), Err(CodeFormatError::Length));
        assert_eq!(AgentCode::parse(&shown[..20]), Err(CodeFormatError::Length));
        assert_eq!(
            AgentCode::parse(&format!("{shown}7")),
            Err(CodeFormatError::Length)
        );
        assert_eq!(
            AgentCode::parse(&shown.replacen(char::is_alphanumeric, "U", 1)),
            Err(CodeFormatError::Character)
        );
        assert_eq!(
            AgentCode::parse(&shown.replacen(char::is_alphanumeric, "*", 1)),
            Err(CodeFormatError::Character)
        );
        assert_eq!(
            AgentCode::parse("x".repeat(10_000).as_str()),
            Err(CodeFormatError::Length)
        );
    }

    #[test]
    fn hash_is_of_the_canonical_form_and_debug_hides_the_code() {
        let code = AgentCode::generate();
        assert_eq!(
            code.hash(),
            AgentCode::parse(&code.display().to_lowercase())
                .unwrap()
                .hash()
        );
        assert_eq!(code.hash().len(), 64);
        assert!(!format!("{code:?}").contains(&code.0));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Luhn mod 32 the textbook way: double every second digit from the right, add the base-32
    /// digits of each product, and pick the digit that makes the sum a multiple of 32.
    fn model_check_digit(digits: &[u8]) -> u8 {
        let sum: u32 = digits
            .iter()
            .rev()
            .enumerate()
            .map(|(i, &d)| {
                let value = u32::from(d) * if i % 2 == 0 { 2 } else { 1 };
                value / 32 + value % 32
            })
            .sum();
        ((32 - sum % 32) % 32) as u8
    }

    /// What a person may paste, read plainly.
    fn model_accepts(input: &str) -> bool {
        let quotes = ['"', '\'', '`', '“', '”', '‘', '’'];
        let inner = input.trim_matches(|c: char| c.is_whitespace() || quotes.contains(&c));
        let mut digits = Vec::new();
        for c in inner.chars().filter(|&c| c != '-' && !c.is_whitespace()) {
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            match "0123456789ABCDEFGHJKMNPQRSTVWXYZ".find(c) {
                Some(d) if c.is_ascii() => digits.push(d as u8),
                _ => return false,
            }
        }
        digits.len() == DATA_LEN + 1 && model_check_digit(&digits[..DATA_LEN]) == digits[DATA_LEN]
    }

    fn code_like() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9A-Za-z \\-\"'`]{0,30}",
            proptest::collection::vec(0u8..32, DATA_LEN).prop_map(|d| {
                let shown = AgentCode::from_digits(&d).display();
                format!(" `{}` ", shown.to_lowercase())
            }),
            proptest::collection::vec(0u8..32, DATA_LEN + 1)
                .prop_map(|d| d.iter().map(|&d| ALPHABET[d as usize] as char).collect()),
        ]
    }

    proptest! {
        #[test]
        fn parsing_never_panics(input in any::<String>()) {
            let _ = AgentCode::parse(&input);
        }

        #[test]
        fn every_code_round_trips(digits in proptest::collection::vec(0u8..32, DATA_LEN)) {
            let code = AgentCode::from_digits(&digits);
            prop_assert_eq!(AgentCode::parse(&code.display()), Ok(code.clone()));
            prop_assert_eq!(AgentCode::parse(&code.display().to_lowercase().replace('-', " ")), Ok(code));
        }

        #[test]
        fn verdict_matches_the_model(input in code_like()) {
            prop_assert_eq!(AgentCode::parse(&input).is_ok(), model_accepts(&input), "{:?}", input);
        }

        #[test]
        fn check_digit_matches_the_textbook(digits in proptest::collection::vec(0u8..32, 0..30)) {
            prop_assert_eq!(check_digit(&digits), model_check_digit(&digits));
        }
    }
}
