//! Who is asking: the session cookie (pages and API) or a bearer API token (machine clients),
//! and which language they read.

use crate::error::ApiError;
use crate::i18n::{Lang, Tr};
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum_extra::extract::cookie::CookieJar;
use fazhi_store::{accounts, Principal};
use std::net::IpAddr;

pub const SESSION_COOKIE: &str = "fazhi_session";
pub const LANG_COOKIE: &str = "fazhi_lang";
pub const LOGIN_CSRF_COOKIE: &str = "fazhi_login_csrf";

/// A signed-in caller. Extracting it refuses the request with 401 when there is none.
pub struct Auth {
    pub principal: Principal,
    /// The session's CSRF token; `None` for API-token callers, who send no cookies.
    pub csrf: Option<String>,
}

async fn lookup(parts: &Parts, state: &AppState) -> Result<Option<Auth>, ApiError> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        return match accounts::token_principal(&state.db, token.trim()).await? {
            Some(principal) => Ok(Some(Auth {
                principal,
                csrf: None,
            })),
            None => Err(ApiError::new(
                axum::http::StatusCode::UNAUTHORIZED,
                "bad_token",
                "API 令牌无效或已撤销",
                "the API token is invalid or revoked",
            )),
        };
    }
    let jar = CookieJar::from_headers(&parts.headers);
    let Some(cookie) = jar.get(SESSION_COOKIE) else {
        return Ok(None);
    };
    Ok(accounts::session(&state.db, cookie.value())
        .await?
        .map(|(principal, csrf)| Auth {
            principal,
            csrf: Some(csrf),
        }))
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        lookup(parts, state)
            .await?
            .ok_or_else(ApiError::unauthenticated)
    }
}

/// The caller if signed in; pages use it to choose between the login form and the workbench.
pub struct MaybeAuth(pub Option<Auth>);

impl FromRequestParts<AppState> for MaybeAuth {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(MaybeAuth(lookup(parts, state).await.ok().flatten()))
    }
}

impl Tr {
    /// The page language of a request: `?lang=` first, then the remembered cookie, then zh-CN.
    pub fn of_request(uri: &axum::http::Uri, headers: &axum::http::HeaderMap) -> Tr {
        let from_query = uri.query().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("lang="))
                .and_then(Lang::parse)
        });
        let from_cookie = || {
            CookieJar::from_headers(headers)
                .get(LANG_COOKIE)
                .and_then(|c| Lang::parse(c.value()))
        };
        Tr {
            lang: from_query.or_else(from_cookie).unwrap_or_default(),
        }
    }
}

/// The page language: `?lang=` first, then the remembered cookie, then zh-CN.
impl FromRequestParts<AppState> for Tr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Tr::of_request(&parts.uri, &parts.headers))
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed: `FAZHI_TRUSTED_PROXIES`, a comma
/// list of addresses and CIDR blocks (`127.0.0.1,10.0.0.0/8,fd00::/8`). Empty by default: the
/// header is then client-controlled and ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

/// The variable that lists the trusted proxies.
pub const TRUSTED_PROXIES_VAR: &str = "FAZHI_TRUSTED_PROXIES";

impl TrustedProxies {
    /// Parse a comma list of addresses and CIDR blocks; the error names the bad entry.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = || {
                format!(
                    "{TRUSTED_PROXIES_VAR}:“{entry}”不是 IP 地址或 CIDR 网段 / \"{entry}\" is not an IP address or CIDR block"
                )
            };
            let (addr, len) = match entry.split_once('/') {
                Some((a, l)) => (a, Some(l.parse::<u8>().map_err(|_| bad())?)),
                None => (entry, None),
            };
            let ip = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len = len.unwrap_or(max);
            if len > max {
                return Err(bad());
            }
            nets.push((ip, len));
        }
        Ok(TrustedProxies(nets))
    }

    /// From the environment; unset means none.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var(TRUSTED_PROXIES_VAR) {
            Ok(v) => Self::parse(&v),
            Err(std::env::VarError::NotPresent) => Ok(Self::default()),
            Err(e) => Err(format!("{TRUSTED_PROXIES_VAR}: {e}")),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|&(net, len)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), len),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), len),
            _ => false,
        })
    }
}

fn prefix_eq(net: &[u8], addr: &[u8], len: u8) -> bool {
    let (whole, rest) = ((len / 8) as usize, len % 8);
    net[..whole] == addr[..whole]
        && (rest == 0 || {
            let mask = 0xffu8 << (8 - rest);
            net[whole] & mask == addr[whole] & mask
        })
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:10.0.0.1`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    ip.to_canonical()
}

/// One hop of `X-Forwarded-For`: an address, perhaps with a port (`10.0.0.1:4711`,
/// `[fd00::1]:80`) or in brackets.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            hop.strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .and_then(|h| h.parse().ok())
        })
        .map(canonical)
}

/// The client's address, for the login rate limit. The peer, unless the peer is a trusted
/// proxy: then `X-Forwarded-For` is read from the right, past every trusted proxy, and the
/// first address that is not one is the client (addresses further left are whatever the client
/// claimed). A hop that is not an address ends the walk at the last trusted one.
pub fn client_ip(
    headers: &axum::http::HeaderMap,
    peer: Option<IpAddr>,
    trusted: &TrustedProxies,
) -> String {
    let Some(peer) = peer.map(canonical) else {
        return "unknown".into();
    };
    if !trusted.contains(peer) {
        return peer.to_string();
    }
    let forwarded: Vec<String> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    let mut client = peer;
    for hop in forwarded
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .rev()
    {
        match parse_hop(hop) {
            Some(ip) => {
                client = ip;
                if !trusted.contains(ip) {
                    break;
                }
            }
            None => break,
        }
    }
    client.to_string()
}

/// The client's address (see [`client_ip`]): the peer from the connection, the trusted proxies
/// from the request's extensions (set by [`crate::serve`]; none when absent).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let none = TrustedProxies::default();
        let trusted = parts
            .extensions
            .get::<std::sync::Arc<TrustedProxies>>()
            .map(|t| t.as_ref())
            .unwrap_or(&none);
        Ok(ClientAddr(client_ip(&parts.headers, peer, trusted)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn trusted_proxies_are_addresses_and_cidr_blocks() {
        let t =
            TrustedProxies::parse(" 127.0.0.1, 10.0.0.0/8 ,fd00::/8,,192.168.1.128/25").unwrap();
        for yes in [
            "127.0.0.1",
            "10.1.2.3",
            "fd12::1",
            "192.168.1.200",
            "::ffff:10.9.9.9",
        ] {
            assert!(t.contains(yes.parse().unwrap()), "{yes}");
        }
        for no in ["127.0.0.2", "11.0.0.1", "fe80::1", "192.168.1.127", "::1"] {
            assert!(!t.contains(no.parse().unwrap()), "{no}");
        }
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        for bad in ["10.0.0.0/33", "::/129", "localhost", "10.0.0.0/x", "10.0.0"] {
            let e = TrustedProxies::parse(bad).unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let none = TrustedProxies::default();
        let proxies = TrustedProxies::parse("127.0.0.1,10.0.0.0/8").unwrap();
        let h = xff(&["203.0.113.9"]);
        // No trusted proxy, or a peer that is not one: the header is ignored.
        assert_eq!(client_ip(&h, ip("127.0.0.1"), &none), "127.0.0.1");
        assert_eq!(client_ip(&h, ip("198.51.100.1"), &proxies), "198.51.100.1");
        // From a trusted proxy: the right-most address that is not a trusted proxy.
        assert_eq!(client_ip(&h, ip("127.0.0.1"), &proxies), "203.0.113.9");
        let forged = xff(&["1.1.1.1, 203.0.113.9, 10.0.0.7"]);
        assert_eq!(client_ip(&forged, ip("10.0.0.2"), &proxies), "203.0.113.9");
        let split = xff(&["1.1.1.1", "203.0.113.9:4711, 10.0.0.7"]);
        assert_eq!(client_ip(&split, ip("127.0.0.1"), &proxies), "203.0.113.9");
        // Only trusted hops: the left-most; none at all: the proxy itself.
        assert_eq!(
            client_ip(&xff(&["10.0.0.5, 10.0.0.7"]), ip("127.0.0.1"), &proxies),
            "10.0.0.5"
        );
        assert_eq!(
            client_ip(&HeaderMap::new(), ip("127.0.0.1"), &proxies),
            "127.0.0.1"
        );
        // Garbage ends the walk at the last trusted hop.
        assert_eq!(
            client_ip(
                &xff(&["1.1.1.1, junk, 10.0.0.7"]),
                ip("127.0.0.1"),
                &proxies
            ),
            "10.0.0.7"
        );
        assert_eq!(
            client_ip(
                &xff(&["[2001:db8::1]:443"]),
                ip("::ffff:127.0.0.1"),
                &proxies
            ),
            "2001:db8::1"
        );
        assert_eq!(client_ip(&h, None, &proxies), "unknown");
    }
}
