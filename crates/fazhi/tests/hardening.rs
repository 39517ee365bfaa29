//! End-to-end: the holes a black-box review of `fazhi serve --demo` found, each closed and kept
//! closed: open redirects, text input the database cannot hold, bodiless error answers, personal
//! data in caches, and a login rate limit that one proxy could trip for everyone or a forged
//! `X-Forwarded-For` could dodge. SQLite always, PostgreSQL when `FAZHI_TEST_PG` is set.

use fazhi_store::testing::{fresh_databases, TestDb};
use std::time::Duration;

mod common;
use common::{Server, DEMO_PASSWORD};

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .redirects(0)
        .build()
}

async fn each_backend(tag: &str, f: impl Fn(&TestDb)) {
    for t in fresh_databases(tag).await {
        f(&t);
        t.remove().await;
    }
}

/// Where a redirect sends the browser.
fn location(r: Result<ureq::Response, ureq::Error>) -> (u16, String) {
    let res = match r {
        Ok(res) => res,
        Err(ureq::Error::Status(_, res)) => res,
        Err(e) => panic!("transport error: {e}"),
    };
    (
        res.status(),
        res.header("location").unwrap_or_default().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn redirects_stay_on_this_site() {
    each_backend("e2e_redirect", |t| {
        let server = Server::start(&t.url);
        let go = |next: &str| {
            location(
                agent()
                    .get(&server.url(&format!("/lang/en?next={next}")))
                    .call(),
            )
        };
        for hostile in [
            "/%5Cevil.example/",
            "/%09/evil.example/",
            "/%0A/evil.example/",
            "//evil.example/",
            "/%2F/evil.example/",
            "https://evil.example/",
            "/home%5C..%5C%5Cevil.example",
            "%20/evil.example",
            "evil.example",
        ] {
            assert_eq!(
                go(hostile),
                (303, "/".into()),
                "{}: next={hostile}",
                t.label
            );
        }
        for local in ["/", "/home", "/cases?status=open", "/plans/1/items/2"] {
            assert_eq!(go(local), (303, local.into()), "{}: next={local}", t.label);
        }
        // Sign-in takes no `next`: it always lands on the workbench, whatever a link adds.
        let a = agent();
        let html = a
            .get(&server.url("/login?next=//evil.example/"))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        assert!(!html.contains("evil.example"), "{}", t.label);
        let res = a
            .post(&server.url("/login?next=//evil.example/"))
            .send_form(&[
                ("username", "bangongshi"),
                ("password", DEMO_PASSWORD),
                ("csrf", &common::csrf_of(&html)),
            ]);
        assert_eq!(location(res), (303, "/home".into()), "{}", t.label);
    })
    .await;
}

/// Status, content type and body of an answer, whether it succeeded or not.
fn answer(r: Result<ureq::Response, ureq::Error>) -> (u16, String, String) {
    let res = match r {
        Ok(res) => res,
        Err(ureq::Error::Status(_, res)) => res,
        Err(e) => panic!("transport error: {e}"),
    };
    let status = res.status();
    let ctype = res.header("content-type").unwrap_or_default().to_string();
    (status, ctype, res.into_string().unwrap_or_default())
}

/// The API's error shape, with a request id.
fn assert_api_error(label: &str, what: &str, got: (u16, String, String), status: u16, code: &str) {
    let (s, ctype, body) = got;
    assert_eq!(s, status, "{label}: {what}: {body}");
    assert!(
        ctype.starts_with("application/json"),
        "{label}: {what}: {ctype}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{label}: {what}: {e}: {body:?}"));
    assert_eq!(v["code"], code, "{label}: {what}: {body}");
    for key in ["message_zh", "message_en", "request_id"] {
        assert!(
            v[key].as_str().is_some_and(|s| !s.is_empty()),
            "{label}: {what}: {key} in {body}"
        );
    }
}

/// An HTML error page in the page's language.
fn assert_error_page(label: &str, what: &str, got: (u16, String, String), status: u16, text: &str) {
    let (s, ctype, body) = got;
    assert_eq!(s, status, "{label}: {what}: {body}");
    assert!(
        ctype.starts_with("text/html"),
        "{label}: {what}: {ctype}: {body}"
    );
    assert!(
        body.contains("<html") && body.contains(text),
        "{label}: {what}: wants {text:?} in {body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn every_error_has_a_body_json_for_the_api_and_a_page_otherwise() {
    each_backend("e2e_errors", |t| {
        let server = Server::start(&t.url);
        let l = t.label;
        let api =
            |method: &str, path: &str| answer(agent().request(method, &server.url(path)).call());
        let auditor = common::signed_in(&server.base, "shenji");
        let signed_in = |path: &str| answer(auditor.get(&server.url(path)).call());
        // A route that exists, with a method it does not have: 405, the methods it has, a body.
        let res = agent().delete(&server.url("/api/v1/units")).call();
        match &res {
            Err(ureq::Error::Status(405, r)) => {
                let allow = r.header("allow").unwrap_or_default();
                assert!(
                    allow.contains("GET") && allow.contains("POST"),
                    "{l}: allow {allow}"
                );
            }
            other => panic!("{l}: DELETE /api/v1/units: {other:?}"),
        }
        assert_api_error(l, "405", answer(res), 405, "method_not_allowed");
        assert_api_error(
            l,
            "405 on a login",
            api("PATCH", "/api/v1/session"),
            405,
            "method_not_allowed",
        );
        assert_api_error(
            l,
            "no route",
            api("GET", "/api/v1/nothing"),
            404,
            "not_found",
        );
        assert_api_error(
            l,
            "bad path parameter",
            signed_in("/api/v1/cases/abc"),
            400,
            "invalid_input",
        );
        assert_api_error(
            l,
            "bad query parameter",
            signed_in("/api/v1/audit?limit=abc"),
            400,
            "invalid_input",
        );
        assert_api_error(
            l,
            "not signed in",
            api("GET", "/api/v1/audit"),
            401,
            "unauthenticated",
        );
        // Pages: an HTML page in the reader's language, never JSON, never empty.
        assert_error_page(l, "405 page", api("PUT", "/home"), 405, "<h1>");
        assert_error_page(
            l,
            "405 page, English",
            api("DELETE", "/login?lang=en"),
            405,
            "Method not allowed",
        );
        assert_error_page(l, "no page", api("GET", "/nothing"), 404, "未找到");
        assert_error_page(
            l,
            "feed without .ics",
            api("GET", "/feeds/whatever"),
            404,
            "未找到",
        );
        assert_error_page(
            l,
            "unknown feed",
            api("GET", "/feeds/whatever.ics"),
            404,
            "未找到",
        );
        assert_error_page(
            l,
            "bad path parameter",
            signed_in("/plans/abc"),
            400,
            "输入有误",
        );
        assert_error_page(
            l,
            "bad query parameter",
            signed_in("/plans/1?on=someday"),
            400,
            "输入有误",
        );
        assert_error_page(
            l,
            "attachment, not signed in",
            api("GET", "/attachments/1"),
            401,
            "请先登录",
        );
        let form = answer(
            agent()
                .post(&server.url("/login"))
                .send_form(&[("username", "admin")]),
        );
        assert_error_page(l, "form without its fields", form, 422, "输入有误");
        let form = answer(
            agent()
                .post(&server.url("/logout"))
                .set("content-type", "text/plain")
                .send_string("csrf=x"),
        );
        assert_error_page(l, "form of the wrong type", form, 415, "输入有误");
    })
    .await;
}

/// The Cache-Control header of an answer, whether it succeeded or not.
fn cache_control(r: Result<ureq::Response, ureq::Error>) -> String {
    let res = match r {
        Ok(res) => res,
        Err(ureq::Error::Status(_, res)) => res,
        Err(e) => panic!("transport error: {e}"),
    };
    res.header("cache-control").unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn personal_data_is_never_stored_in_a_cache() {
    each_backend("e2e_cache", |t| {
        let server = Server::start(&t.url);
        let l = t.label;
        let officer = common::signed_in(&server.base, "bangongshi");
        for path in [
            "/",
            "/home",
            "/cases",
            "/plans/1",
            "/leader",
            "/nothing",
            "/api/v1/me",
            "/api/v1/cases",
            "/api/v1/units",
            "/api/v1/alerts",
        ] {
            assert_eq!(
                cache_control(officer.get(&server.url(path)).call()),
                "no-store",
                "{l}: signed in: {path}"
            );
        }
        // A machine client with an API token, and the answers that start a session.
        let token = {
            let (_, _, body) = answer(
                officer
                    .post(&server.url("/api/v1/tokens"))
                    .send_json(ureq::json!({"name": "cache test"})),
            );
            serde_json::from_str::<serde_json::Value>(&body).unwrap()["token"]
                .as_str()
                .unwrap_or_else(|| panic!("{l}: a token in {body}"))
                .to_string()
        };
        let bearer = agent()
            .get(&server.url("/api/v1/me"))
            .set("authorization", &format!("Bearer {token}"))
            .call();
        assert_eq!(cache_control(bearer), "no-store", "{l}: API token");
        let login = agent()
            .post(&server.url("/api/v1/session"))
            .send_json(ureq::json!({"username": "xinfang", "password": DEMO_PASSWORD}));
        assert_eq!(cache_control(login), "no-store", "{l}: API sign-in");
        assert_eq!(
            cache_control(agent().get(&server.url("/login")).call()),
            "no-store",
            "{l}: the sign-in form carries its CSRF cookie"
        );
        // Every API answer, even to nobody in particular.
        for path in ["/api/v1/units", "/api/v1/audit", "/api/v1/nothing"] {
            assert_eq!(
                cache_control(agent().get(&server.url(path)).call()),
                "no-store",
                "{l}: anonymous API: {path}"
            );
        }
        // The public portal and the stylesheet may be cached.
        let portal = cache_control(agent().get(&server.url("/")).call());
        assert!(!portal.contains("no-store"), "{l}: portal: {portal}");
        let css = cache_control(officer.get(&server.url("/static/app.css")).call());
        assert!(css.contains("max-age"), "{l}: stylesheet: {css}");
    })
    .await;
}

/// A multipart body of text parts (raw bytes, so a test can send what a browser would not).
fn multipart(parts: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----fazhi-test-boundary";
    let mut body = Vec::new();
    for (name, value) in parts {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread")]
async fn text_input_is_utf8_without_nul_and_of_bounded_length() {
    each_backend("e2e_text", |t| {
        let server = Server::start(&t.url);
        let l = t.label;
        let officer = common::signed_in(&server.base, "bangongshi");
        let admin = common::signed_in(&server.base, "admin");
        let profile = |address: &str| {
            ureq::json!({"address": address, "phone": "0827-5261000", "office_hours": "9:00-17:30", "disclosure_contact": "政务公开科"})
        };
        let put = |body: serde_json::Value| {
            answer(
                officer
                    .put(&server.url("/api/v1/units/general-office/profile"))
                    .send_json(body),
            )
        };
        // NUL: PostgreSQL cannot store it; both backends refuse it the same way, naming the field.
        let got = put(profile("江北大道\u{0}1 号"));
        assert!(got.2.contains("address"), "{l}: names the field: {}", got.2);
        assert_api_error(l, "NUL in JSON", got, 422, "invalid_input");
        let got = put(ureq::json!({"address": "x", "phone": "\u{1b}[2J", "office_hours": "", "disclosure_contact": ""}));
        assert_api_error(l, "escape in JSON", got, 422, "invalid_input");
        // Invalid UTF-8 in JSON is malformed JSON.
        let raw = answer(
            officer
                .put(&server.url("/api/v1/units/general-office/profile"))
                .set("content-type", "application/json")
                .send_bytes(b"{\"address\": \"\xff\", \"phone\": \"\", \"office_hours\": \"\", \"disclosure_contact\": \"\"}"),
        );
        assert_api_error(l, "invalid UTF-8 in JSON", raw, 400, "invalid_input");
        // Lengths: a 200,000-character name, free text over 20,000.
        let huge = answer(admin.post(&server.url("/api/v1/units")).send_json(ureq::json!({
            "key": "huge", "name": "x".repeat(200_000), "name_en": "x", "kind": "office",
            "parent": "bazhong-city-government"
        })));
        assert!(huge.2.contains("name"), "{l}: {}", huge.2);
        assert_api_error(l, "a very long name", huge, 422, "invalid_input");
        let long_reason = answer(officer.post(&server.url("/api/v1/cases")).send_json(ureq::json!({
            "procedure": "disclosure_request", "on": "2026-11-02",
            "fields": {"channel": "online", "applicant_name": "张三", "information_sought": "x".repeat(20_001)}
        })));
        assert!(long_reason.2.contains("fields.information_sought"), "{l}: {}", long_reason.2);
        assert_api_error(l, "free text over the limit", long_reason, 422, "invalid_input");
        // Query strings and paths: NUL is refused before any lookup.
        assert_api_error(
            l,
            "NUL in a query",
            answer(agent().get(&server.url("/api/v1/units/resolve?name=%E5%8A%9E%00")).call()),
            422,
            "invalid_input",
        );
        assert_api_error(
            l,
            "invalid UTF-8 in a query",
            answer(agent().get(&server.url("/api/v1/units/resolve?name=%FF")).call()),
            400,
            "invalid_input",
        );
        assert_api_error(
            l,
            "NUL in a path",
            answer(officer.get(&server.url("/api/v1/units/%00/profile")).call()),
            400,
            "invalid_input",
        );
        // Forms, the same: an HTML page naming the field.
        let home = officer.get(&server.url("/home")).call().unwrap().into_string().unwrap();
        let csrf = common::csrf_of(&home);
        let form = |body: Vec<u8>| {
            answer(
                officer
                    .post(&server.url("/units/general-office/profile"))
                    .set("content-type", "application/x-www-form-urlencoded")
                    .send_bytes(&body),
            )
        };
        let fields = |address: &str| {
            format!("csrf={csrf}&address={address}&phone=1&office_hours=2&disclosure_contact=3")
                .into_bytes()
        };
        let got = form(fields("a%00b"));
        assert_error_page(l, "NUL in a form", got.clone(), 422, "输入有误");
        assert!(got.2.contains("address"), "{l}: {}", got.2);
        let got = form(fields("%E6%B1%9F%FF"));
        assert_error_page(l, "invalid UTF-8 in a form", got.clone(), 400, "输入有误");
        assert!(got.2.contains("address") && got.2.contains("UTF-8"), "{l}: {}", got.2);
        let got = form(fields(&"x".repeat(201)));
        assert_error_page(l, "a long form field", got, 422, "200");
        // Multipart (the report form): the same, for its text parts.
        let (ctype, body) = multipart(&[
            ("csrf", csrf.as_bytes()),
            ("reported_on", b"2026-11-02"),
            ("status", b"in_progress"),
            ("text", b"\xe8\xbf\x9b\xff"),
        ]);
        let got = answer(
            officer
                .post(&server.url("/plans/1/items/1/reports"))
                .set("content-type", &ctype)
                .send_bytes(&body),
        );
        assert_error_page(l, "invalid UTF-8 in multipart", got, 400, "UTF-8");
        let (ctype, body) = multipart(&[
            ("csrf", csrf.as_bytes()),
            ("reported_on", b"2026-11-02"),
            ("status", b"in_progress"),
            ("text", "进展\u{0}".as_bytes()),
        ]);
        let got = answer(
            officer
                .post(&server.url("/plans/1/items/1/reports"))
                .set("content-type", &ctype)
                .send_bytes(&body),
        );
        assert_error_page(l, "NUL in multipart", got, 422, "text");
        // Nothing of it was stored; ordinary text still is, tabs and line breaks included.
        let (s, _, body) = put(profile("江北大道 1 号\r\n二楼\t东侧"));
        assert_eq!(s, 200, "{l}: {body}");
        let got = form(fields("%E6%B1%9F%E5%8C%97"));
        assert_eq!(got.0, 303, "{l}: {}", got.2);
    })
    .await;
}

/// Sign in through the API from behind `forwarded_for` (if any): the status and Retry-After.
fn sign_in(server: &Server, username: &str, password: &str, forwarded_for: &str) -> (u16, String) {
    let mut req = agent().post(&server.url("/api/v1/session"));
    if !forwarded_for.is_empty() {
        req = req.set("x-forwarded-for", forwarded_for);
    }
    let res = match req.send_json(ureq::json!({"username": username, "password": password})) {
        Ok(res) => res,
        Err(ureq::Error::Status(_, res)) => res,
        Err(e) => panic!("transport error: {e}"),
    };
    (
        res.status(),
        res.header("retry-after").unwrap_or_default().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_sign_ins_back_off_per_account_without_locking_out_the_others() {
    each_backend("e2e_backoff", |t| {
        // The old switch no longer makes X-Forwarded-For believed from anyone.
        let server = Server::start_with_env(&t.url, &[("FAZHI_TRUST_PROXY", "1")]);
        let l = t.label;
        // Thirty failures from one address (everyone behind one proxy) lock nobody else out.
        for i in 0..30 {
            let (s, _) = sign_in(&server, &format!("nobody-{i}"), "guess", "");
            assert_eq!(s, 401, "{l}: failure {i}");
        }
        assert_eq!(
            sign_in(&server, "bangongshi", DEMO_PASSWORD, "").0,
            200,
            "{l}"
        );
        // Five wrong passwords for one account, the forwarded address rotating: ignored, so
        // the sixth attempt waits, and says for how long.
        for i in 0..5 {
            let (s, _) = sign_in(&server, "xinfang", "guess", &format!("198.51.100.{i}"));
            assert_eq!(s, 401, "{l}: guess {i}");
        }
        let (s, retry) = sign_in(&server, "xinfang", DEMO_PASSWORD, "198.51.100.99");
        assert_eq!(s, 429, "{l}: the sixth attempt waits");
        let secs: u64 = retry
            .parse()
            .unwrap_or_else(|_| panic!("{l}: Retry-After {retry:?}"));
        assert!((1..=2).contains(&secs), "{l}: {secs}");
        // The sign-in page says so too, in words and in the header.
        let a = agent();
        let html = a
            .get(&server.url("/login"))
            .call()
            .unwrap()
            .into_string()
            .unwrap();
        let res = a.post(&server.url("/login")).send_form(&[
            ("username", "xinfang"),
            ("password", DEMO_PASSWORD),
            ("csrf", &common::csrf_of(&html)),
        ]);
        match res {
            Err(ureq::Error::Status(429, r)) => {
                assert!(r.header("retry-after").is_some(), "{l}");
                let page = r.into_string().unwrap();
                assert!(page.contains("秒后再试"), "{l}: {page}");
            }
            other => panic!("{l}: the sign-in page: {other:?}"),
        }
        // Others are not slowed; and once the wait is over the right password works.
        assert_eq!(
            sign_in(&server, "fazhiban", DEMO_PASSWORD, "").0,
            200,
            "{l}"
        );
        std::thread::sleep(Duration::from_secs(secs + 1));
        assert_eq!(
            sign_in(&server, "xinfang", DEMO_PASSWORD, "").0,
            200,
            "{l}: a wait, not a lock"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    each_backend("e2e_proxies", |t| {
        let server = Server::start_with_env(
            &t.url,
            &[("FAZHI_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")],
        );
        let l = t.label;
        for i in 0..5 {
            let (s, _) = sign_in(&server, "fazhiban", "guess", "203.0.113.7, 10.1.2.3");
            assert_eq!(s, 401, "{l}: guess {i}");
        }
        assert_eq!(
            sign_in(&server, "fazhiban", DEMO_PASSWORD, "203.0.113.7").0,
            429,
            "{l}"
        );
        // A forged address to the left of what the proxy saw changes nothing.
        assert_eq!(
            sign_in(
                &server,
                "fazhiban",
                DEMO_PASSWORD,
                "198.51.100.1, 203.0.113.7"
            )
            .0,
            429,
            "{l}: forged"
        );
        // The same account from another client behind the proxy is not slowed.
        assert_eq!(
            sign_in(&server, "fazhiban", DEMO_PASSWORD, "203.0.113.8").0,
            200,
            "{l}"
        );
        drop(server);
        // A list that does not parse stops the server, naming the entry.
        let out = std::process::Command::new(common::BIN)
            .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--db", &t.url])
            .env("FAZHI_LOG", "warn")
            .env("FAZHI_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.0/33")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{l}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("10.0.0.0/33"), "{l}: {err}");
    })
    .await;
}
