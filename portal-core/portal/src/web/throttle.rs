//! Rate limits: sign-in attempts per client address, JSON API calls per person, over a
//! minute, counted by every node together when Redis is shared ([`agora_shared::Counters`]).
//! Over the limit: 429 with `Retry-After` and a message in the user's language. A counter
//! that cannot be read lets the request through (logged): a Redis outage must not lock
//! everybody out on top of it.

use super::extract::error_page;
use super::guard::problem;
use super::state::PortalState;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures::future::LocalBoxFuture;
use std::net::IpAddr;
use std::time::Duration;

const WINDOW: Duration = Duration::from_secs(60);

/// The client's address: the peer, or, when the peer is one of `[server] trusted_proxies`,
/// the nearest address of `X-Forwarded-For` that is not one of them.
pub fn client_address(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // From the right: what the trusted proxies added. An entry that is not an address ends
    // the walk (what lies left of it may be the client's own words).
    for entry in entries.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(a) if trusted.contains(&a) => continue,
            Ok(a) => return Some(a),
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

/// The counter key of an address: IPv6 clients are counted per /64 (one client holds a
/// whole /64 and could otherwise rotate addresses).
fn address_key(address: Option<IpAddr>) -> String {
    match address {
        Some(IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(v4) => v4.to_string(),
        None => String::new(),
    }
}

/// Whether one more hit on `key` stays within `limit` per minute (0: no limit).
async fn within(state: &PortalState, key: &str, limit: u64) -> bool {
    if limit == 0 {
        return true;
    }
    match state.counters.hit(key, WINDOW).await {
        Ok(n) => n <= limit,
        Err(e) => {
            tracing::warn!("rate limit not applied, the counter is unavailable: {e}");
            true
        }
    }
}

fn too_many(mut res: HttpResponse) -> HttpResponse {
    res.headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from_static("60"));
    res
}

/// A sign-in attempt within `[limits] signin_per_minute` for its client address (pages:
/// a 429 page otherwise).
pub struct SignInAllowed;

impl FromRequest for SignInAllowed {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        super::guard::guard(req, |req, state, locale| async move {
            let address = address_key(client_address(&req, &state.config.server.trusted_proxies));
            if within(
                &state,
                &format!("signin:{address}"),
                state.config.limits.signin_per_minute,
            )
            .await
            {
                return Ok(SignInAllowed);
            }
            tracing::warn!(client = %address, "too many sign-in attempts");
            metrics::counter!("agora_rate_limited_total", "what" => "signin").increment(1);
            Err(too_many(error_page(&state, &locale, 429, "error.too_many_signins")))
        })
    }
}

/// Whether `uid` may make one more API call; the 429 answer otherwise.
pub async fn api_call(state: &PortalState, uid: &str, locale: &str) -> Result<(), HttpResponse> {
    if within(state, &format!("api:{uid}"), state.config.limits.api_per_minute).await {
        return Ok(());
    }
    metrics::counter!("agora_rate_limited_total", "what" => "api").increment(1);
    Err(too_many(problem(
        429,
        "too-many-requests",
        state.theme.catalog.get(locale, "error.too_many_requests"),
    )))
}

#[cfg(test)]
mod tests {
    use super::client_address;
    use actix_web::test::TestRequest;
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
        let proxy = ip("10.0.0.5");
        let forwarded = |peer: &str, header: &str| {
            TestRequest::default()
                .peer_addr(format!("{peer}:40000").parse().expect("socket"))
                .insert_header(("x-forwarded-for", header))
                .to_http_request()
        };
        // Not from a trusted proxy: the header is anyone's to forge.
        assert_eq!(
            client_address(&forwarded("198.51.100.9", "203.0.113.7"), &[proxy]),
            Some(ip("198.51.100.9"))
        );
        // From the proxy: the nearest address it did not add itself.
        assert_eq!(
            client_address(&forwarded("10.0.0.5", "1.2.3.4, 203.0.113.7"), &[proxy]),
            Some(ip("203.0.113.7")),
            "a client cannot choose its address by sending the header itself"
        );
        assert_eq!(
            client_address(&forwarded("10.0.0.5", "203.0.113.7, 10.0.0.5"), &[proxy]),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(client_address(&forwarded("10.0.0.5", "garbage"), &[proxy]), Some(proxy));
        assert_eq!(
            client_address(&forwarded("10.0.0.5", "6.6.6.6, unknown, 10.0.0.5"), &[proxy]),
            Some(proxy),
            "an entry that is not an address ends the walk: what is left of it is the client's"
        );
        assert_eq!(
            super::address_key(Some(ip("2001:db8:1:2:aaaa::1"))),
            super::address_key(Some(ip("2001:db8:1:2:bbbb::9"))),
            "IPv6 counted per /64"
        );
    }
}
