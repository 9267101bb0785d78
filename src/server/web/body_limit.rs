//! One limit on every request body (RFC 9110 section 15.5.14): server functions, OAuth
//! endpoints and MCP alike.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

/// Reads every request body up front, to at most `max_body_bytes`, and answers 413 beyond it.
/// A declared `Content-Length` over the limit is refused before reading; a chunked body is cut
/// off at the limit. Reading here, rather than leaving the limit to each reader, keeps one
/// answer: server functions would otherwise report a cut-off body as unreadable input.
pub async fn read_within(limit: usize, req: Request) -> Result<Request, Response> {
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than {limit} bytes."),
        )
            .into_response()
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    let (parts, body) = req.into_parts();
    let bytes = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large()),
        Err(err) => {
            tracing::debug!(%err, "request body could not be read");
            return Err((
                StatusCode::BAD_REQUEST,
                "The request body could not be read.",
            )
                .into_response());
        }
    };
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}
