//! The token request (RFC 6749 section 3.2): the form every grant type reads its parameters
//! from.

use serde::Deserialize;

/// Every parameter any supported grant takes. Repeating a parameter is an error (RFC 6749
/// section 3.2), which the form decoder enforces.
#[derive(Default, Deserialize)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub agent_name: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub resource: Option<String>,
    pub device_code: Option<String>,
}

#[cfg(test)]
mod properties {
    use axum::extract::FromRequest;
    use proptest::prelude::*;

    use axum::extract::Form;

    use super::*;

    /// The token endpoint's form, read as the endpoint reads it.
    fn read(body: String) -> Option<TokenRequest> {
        let req = axum::http::Request::post("/oauth2/token")
            .header(
                axum::http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(axum::body::Body::from(body))
            .ok()?;
        let rt = tokio::runtime::Builder::new_current_thread().build().ok()?;
        rt.block_on(Form::<TokenRequest>::from_request(req, &()))
            .ok()
            .map(|Form(req)| req)
    }

    proptest! {
        #[test]
        fn any_body_is_read_without_panicking(body in any::<String>()) {
            let _ = read(body);
        }

        #[test]
        fn encoded_fields_round_trip(
            grant_type in any::<String>(),
            code in any::<String>(),
            verifier in any::<String>(),
        ) {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", &grant_type)
                .append_pair("code", &code)
                .append_pair("code_verifier", &verifier)
                .append_pair("unknown", "ignored")
                .finish();
            let req = read(body).unwrap();
            prop_assert_eq!(req.grant_type, Some(grant_type));
            prop_assert_eq!(req.code, Some(code));
            prop_assert_eq!(req.code_verifier, Some(verifier));
            prop_assert_eq!(req.refresh_token, None);
        }

        #[test]
        fn a_repeated_parameter_is_refused(code in "[a-z]{1,8}") {
            let body = format!("grant_type=authorization_code&code={code}&code={code}");
            prop_assert!(read(body).is_none());
        }
    }
}
