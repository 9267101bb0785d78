//! The pages the decision endpoint answers with: whole documents rendered (and escaped) by
//! Leptos, outside the router because no page of the portal is behind them.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use leptos::prelude::*;

use crate::language::{self, Locale, td_display, td_string};
use crate::server::app::state::AppState;
use crate::server::db;

/// A page that sends the browser on to `url` at once, with a link in case it does not.
pub fn forward(state: &AppState, url: &str, client_name: &str, locale: Locale) -> Response {
    let url = url.to_owned();
    let name = crate::server::domain::security_log::application_name(client_name, locale);
    let heading = td_display!(locale, oauth.returning_to, name = name.clone()).to_string();
    let link = td_display!(locale, oauth.continue_to, name).to_string();
    document(
        state,
        StatusCode::OK,
        None,
        Some(&url),
        locale,
        view! {
            <h1>{heading}</h1>
            <p class="lede">
                {td_string!(locale, oauth.if_nothing_happens)} <a href=url.clone()>{link}</a>
            </p>
        },
    )
}

/// A page that says why the request cannot continue, with the status that means, and
/// `Retry-After` when waiting helps (always with a 503).
pub fn refusal(
    state: &AppState,
    status: StatusCode,
    retry_after: Option<u64>,
    message: &str,
    locale: Locale,
) -> Response {
    let message = message.to_owned();
    document(
        state,
        status,
        retry_after,
        None,
        locale,
        view! {
            <h1>{td_string!(locale, oauth.cannot_continue)}</h1>
            <div class="alert" role="alert"><p>{message}</p></div>
        },
    )
}

fn document(
    state: &AppState,
    status: StatusCode,
    retry_after: Option<u64>,
    forward_to: Option<&str>,
    locale: Locale,
    body: impl IntoView + 'static,
) -> Response {
    let refresh = forward_to.map(|url| format!("0;url={url}"));
    let html = view! {
        <!DOCTYPE html>
        <html lang=language::tag(locale)>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <title>"Agent Connect"</title>
                <link rel="stylesheet" href=state.site.stylesheet.clone()/>
                {refresh.map(|content| view! { <meta http-equiv="refresh" content=content/> })}
            </head>
            <body>
                <main>
                    <section class="card narrow">{body}</section>
                </main>
            </body>
        </html>
    }
    .to_html();
    let mut res = (status, Html(html)).into_response();
    let retry_after =
        retry_after.or((status == StatusCode::SERVICE_UNAVAILABLE).then_some(db::BUSY_RETRY_AFTER));
    if let Some(seconds) = retry_after {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
