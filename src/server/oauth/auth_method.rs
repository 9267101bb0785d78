//! The client authentication methods of the token endpoint (RFC 7591 section 2), a leaf that
//! registration, metadata documents and discovery share.

/// How a client proves itself at the token endpoint (RFC 7591 section 2,
/// `token_endpoint_auth_method`): the methods this server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A public client: its `client_id` alone.
    None,
    /// Its secret in an HTTP Basic header.
    ClientSecretBasic,
    /// Its secret in the form body.
    ClientSecretPost,
}

impl AuthMethod {
    /// Every method, as discovery lists them.
    pub const ALL: [AuthMethod; 3] = [
        AuthMethod::None,
        AuthMethod::ClientSecretBasic,
        AuthMethod::ClientSecretPost,
    ];

    /// The registered name.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::None => "none",
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
        }
    }

    /// The method of this registered name, if the server accepts it.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|method| method.as_str() == name)
    }

    /// Whether a client using it holds a secret.
    pub fn has_secret(self) -> bool {
        self != AuthMethod::None
    }
}
