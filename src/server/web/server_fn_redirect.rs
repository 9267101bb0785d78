//! The one place that knows how Leptos answers a server function, and rewrites that answer.
//!
//! Leptos (server_fn with `form-redirects`, which every Leptos build turns on, and leptos_axum)
//! takes a server function call whose `Accept` header names `text/html` for a form posted
//! without JavaScript, and answers it with a redirect to the request's `Referer`. When the
//! function failed, it appends the function's path and its encoded error to that URL as
//! `__path` and `__err` ([`ServerFnUrlError`]). A failed call from the hydrated page gets a
//! 500 whose body is the encoded error.
//!
//! The portal needs three things otherwise, and this module does them:
//! - its pages send no `Referer`, so [`restore_referer`] rebuilds one from the form's
//!   return-path field;
//! - errors never travel in a URL, so [`take_form_error`] takes them out of the redirect (the
//!   caller keeps them in the session);
//! - an error's HTTP status is its own, so [`with_error_status`] replaces the blanket 500.
//!
//! The tests run server functions through leptos_axum and pin each behaviour this relies on,
//! so a Leptos release that changes one fails here rather than in a browser.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leptos::server_fn::error::ServerFnUrlError;

use crate::error::AppError;
use crate::language::Locale;
use crate::links::return_path::{RETURN_FIELD, on_public_origin};
use crate::model::FormError;

/// The query parameter in which Leptos names the server function that failed.
const PATH_PARAM: &str = "__path";
/// The query parameter in which Leptos carries the encoded error.
const ERROR_PARAM: &str = "__err";

/// Whether Leptos will answer this request with a redirect: it accepts HTML, as a browser's
/// own form post does.
fn wants_redirect(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// A form posted without JavaScript carries no `Referer` (the pages send none), but Leptos
/// answers it with a redirect to the `Referer`. Rebuilds one from the form's return-path
/// field, accepting only a path on this site.
pub async fn restore_referer(req: Request, public_base: &str) -> Result<Request, Response> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if req.method() != Method::POST
        || !is_form
        || !wants_redirect(req.headers())
        || req.headers().contains_key(header::REFERER)
    {
        return Ok(req);
    }
    let (mut parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "That form is too large.").into_response())?;
    let referer = url::form_urlencoded::parse(&bytes)
        .find(|(key, _)| key == RETURN_FIELD)
        .and_then(|(_, path)| on_public_origin(public_base, &path));
    if let Some(value) = referer.and_then(|url| HeaderValue::from_str(&url).ok()) {
        parts.headers.insert(header::REFERER, value);
    }
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

/// Takes the error Leptos put in a redirect's URL out of it: the `Location` keeps only its
/// path and the rest of its query (never another site), and the error is returned.
pub fn take_form_error(res: &mut Response, locale: Locale) -> Option<FormError> {
    let (clean, error) = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| split_form_error(location, locale))?;
    if let Ok(value) = HeaderValue::from_str(&clean) {
        res.headers_mut().insert(header::LOCATION, value);
    }
    error
}

/// Splits a redirect target into the path and query it keeps and the form error Leptos
/// encoded in it. `None` when there is nothing to take out.
fn split_form_error(location: &str, locale: Locale) -> Option<(String, Option<FormError>)> {
    let base = url::Url::parse("http://portal.invalid/").expect("valid base");
    let url = base.join(location).ok()?;
    let (mut action, mut error) = (None, None);
    let mut kept = Vec::new();
    for (key, value) in url.query_pairs() {
        match &*key {
            PATH_PARAM => action = Some(value.into_owned()),
            ERROR_PARAM => error = Some(value.into_owned()),
            _ => kept.push((key.into_owned(), value.into_owned())),
        }
    }
    if action.is_none() && error.is_none() {
        return None;
    }
    let form_error = action.zip(error).map(|(action, error)| FormError {
        action,
        message: ServerFnUrlError::<AppError>::decode_err(&error).message(locale),
    });
    let clean = if kept.is_empty() {
        url.path().to_owned()
    } else {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        format!("{}?{query}", url.path())
    };
    Some((clean, form_error))
}

/// Gives a failed server function call the HTTP status (and `Retry-After`) of its
/// [`AppError`] instead of Leptos's blanket 500.
pub async fn with_error_status(res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let Some(wait) = err.retry_after() {
            parts
                .headers
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::routing::post;
    use base64::Engine;
    use leptos::server_fn::ServerFn;
    use tower::ServiceExt;

    use super::*;

    #[test]
    fn a_form_names_its_page_only_on_the_public_origin() {
        let restored = |return_to: &str| {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair(RETURN_FIELD, return_to)
                .finish();
            let req = Request::post("/api/sign_in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT, "text/html")
                .body(axum::body::Body::from(body))
                .unwrap();
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            let req = rt
                .block_on(restore_referer(req, "https://ac.example"))
                .unwrap();
            req.headers()
                .get(header::REFERER)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        assert_eq!(
            restored("/login?next=%2Fsecurity").as_deref(),
            Some("https://ac.example/login?next=%2Fsecurity")
        );
        for evil in [
            "//evil.example",
            "/\\evil.example",
            "/%5Cevil.example",
            "/\r\nx",
            "https://evil.example/",
        ] {
            assert_eq!(restored(evil), None, "{evil:?}");
        }
    }

    #[test]
    fn form_errors_leave_the_url() {
        let err = base64::engine::general_purpose::URL_SAFE
            .encode(serde_json::to_vec(&AppError::invalid("Nope.")).unwrap());
        let (clean, error) = split_form_error(
            &format!(
                "http://127.0.0.1:3000/login?next=%2Fsecurity&__path=/api/sign_in&__err={err}"
            ),
            Locale::en,
        )
        .unwrap();
        assert_eq!(clean, "/login?next=%2Fsecurity");
        let error = error.unwrap();
        assert_eq!(
            (error.action.as_str(), error.message.as_str()),
            ("/api/sign_in", "Nope.")
        );
        assert!(split_form_error("/connect", Locale::en).is_none());
        assert_eq!(
            split_form_error("https://evil.example/x?__path=a", Locale::en)
                .unwrap()
                .0,
            "/x"
        );
    }

    // What follows pins the Leptos behaviour the rewrite depends on, by running two server
    // functions through leptos_axum exactly as the portal mounts them.

    #[leptos::server(endpoint = "pinned_refusal")]
    async fn pinned_refusal() -> Result<(), AppError> {
        Err(AppError::RateLimited(42))
    }

    #[leptos::server(endpoint = "pinned_success")]
    async fn pinned_success() -> Result<(), AppError> {
        Ok(())
    }

    const PAGE: &str = "https://ac.example/login?next=%2Fsecurity";

    async fn call(path: &str, accept: &str, referer: Option<&str>) -> Response {
        let app = Router::new().route("/api/{*fn_name}", post(leptos_axum::handle_server_fns));
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, accept);
        if let Some(referer) = referer {
            req = req.header(header::REFERER, referer);
        }
        app.oneshot(req.body(axum::body::Body::empty()).unwrap())
            .await
            .unwrap()
    }

    fn location(res: &Response) -> Option<&str> {
        res.headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    #[test]
    fn leptos_encodes_errors_as_this_module_reads_them() {
        let url = ServerFnUrlError::new("/api/sign_in", AppError::invalid("Nope."))
            .to_url(PAGE)
            .unwrap();
        let (clean, error) = split_form_error(url.as_str(), Locale::en).unwrap();
        assert_eq!(clean, "/login?next=%2Fsecurity");
        let error = error.unwrap();
        assert_eq!(
            (error.action.as_str(), error.message.as_str()),
            ("/api/sign_in", "Nope.")
        );
    }

    #[tokio::test]
    async fn a_failed_form_post_is_redirected_to_its_referer_with_the_error_taken_out() {
        let mut res = call(PinnedRefusal::PATH, "text/html", Some(PAGE)).await;
        assert!(res.status().is_redirection(), "{}", res.status());
        assert!(location(&res).unwrap().starts_with(PAGE));
        let error = take_form_error(&mut res, Locale::en).unwrap();
        assert_eq!(error.action, PinnedRefusal::PATH);
        assert_eq!(error.message, AppError::RateLimited(42).to_string());
        assert_eq!(location(&res), Some("/login?next=%2Fsecurity"));
    }

    #[tokio::test]
    async fn a_successful_form_post_is_redirected_to_its_referer_untouched() {
        let mut res = call(PinnedSuccess::PATH, "text/html", Some(PAGE)).await;
        assert!(res.status().is_redirection(), "{}", res.status());
        assert_eq!(location(&res), Some(PAGE));
        assert!(take_form_error(&mut res, Locale::en).is_none());
        assert_eq!(location(&res), Some(PAGE));
    }

    #[tokio::test]
    async fn without_a_referer_leptos_loses_the_page_and_the_error() {
        // Why the referer is restored: Leptos would send the browser to `/`, error and all.
        let res = call(PinnedRefusal::PATH, "text/html", None).await;
        assert_eq!(location(&res), Some("/"));
    }

    #[tokio::test]
    async fn a_failed_call_from_the_page_gets_the_status_of_its_error() {
        let res = call(PinnedRefusal::PATH, "application/json", None).await;
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(location(&res).is_none());
        let res = with_error_status(res).await;
        assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            res.headers().get(header::RETRY_AFTER).unwrap(),
            &HeaderValue::from(42)
        );
    }
}
