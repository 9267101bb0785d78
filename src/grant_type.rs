//! The grant types of the token endpoint by their wire names (RFC 6749 sections 4.1.3 and 6,
//! RFC 8628 section 3.4, and our extension grant for agent auth codes, section 4.5). Shared by
//! the server, the CLI and the paste-ready texts, so each name is spelled once.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A grant type a client names in `grant_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum GrantType {
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    #[serde(rename = "refresh_token")]
    RefreshToken,
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
    #[serde(rename = "urn:agent-connect:grant-type:agent-auth-code")]
    AgentCode,
}

impl GrantType {
    /// Every grant type the token endpoint accepts, in the order discovery lists them.
    pub const ALL: [GrantType; 4] = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::DeviceCode,
        GrantType::AgentCode,
    ];

    /// The grant types a client may register for (RFC 7591 section 2). Agent auth codes
    /// need no registration: redeeming one creates the agent's client.
    pub const REGISTRABLE: [GrantType; 3] = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::DeviceCode,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
            GrantType::AgentCode => "urn:agent-connect:grant-type:agent-auth-code",
        }
    }

    /// The grant type with this wire name, if it is one of ours.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == name)
    }
}

impl fmt::Display for GrantType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The grant types a registered client may use, stored space-separated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GrantTypes(Vec<GrantType>);

impl GrantTypes {
    pub fn new(types: Vec<GrantType>) -> Self {
        Self(types)
    }

    /// Reads the stored form; a name that is not ours is an error naming it.
    pub fn parse(stored: &str) -> Result<Self, String> {
        stored
            .split_ascii_whitespace()
            .map(|name| GrantType::parse(name).ok_or_else(|| format!("unknown grant type {name}")))
            .collect::<Result<_, _>>()
            .map(Self)
    }

    pub fn contains(&self, grant_type: GrantType) -> bool {
        self.0.contains(&grant_type)
    }

    pub fn as_slice(&self) -> &[GrantType] {
        &self.0
    }
}

impl fmt::Display for GrantTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, grant_type) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(grant_type.as_str())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_text_and_json() {
        for grant_type in GrantType::ALL {
            assert_eq!(GrantType::parse(grant_type.as_str()), Some(grant_type));
            let json = serde_json::to_string(&grant_type).unwrap();
            assert_eq!(json, format!("\"{grant_type}\""));
            assert_eq!(
                serde_json::from_str::<GrantType>(&json).unwrap(),
                grant_type
            );
        }
        assert_eq!(GrantType::parse("password"), None);
        let stored = GrantTypes::new(vec![GrantType::AuthorizationCode, GrantType::DeviceCode]);
        assert_eq!(GrantTypes::parse(&stored.to_string()), Ok(stored));
        assert!(GrantTypes::parse("authorization_code password").is_err());
    }
}
