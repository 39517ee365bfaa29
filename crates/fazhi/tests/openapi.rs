//! End-to-end: the OpenAPI document the real server publishes is complete enough for a client
//! (and a fuzzer, `scripts/schemathesis.sh`) to rely on: how to authenticate, every error
//! status with the error shape, typed bodies, enums and formats. And it tells the truth about
//! which operations need a caller.

use serde_json::Value;
use std::collections::BTreeSet;
use std::time::Duration;

mod common;
use common::Server;

/// Remove a test's SQLite files (best effort).
fn remove(t: &fazhi_store::testing::TestDb) {
    let path = t.url.trim_start_matches("sqlite://");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .redirects(0)
        .build()
}

fn call(r: Result<ureq::Response, ureq::Error>) -> (u16, Value) {
    match r {
        Ok(res) => (res.status(), res.into_json().unwrap_or(Value::Null)),
        Err(ureq::Error::Status(code, res)) => (code, res.into_json().unwrap_or(Value::Null)),
        Err(e) => panic!("transport error: {e}"),
    }
}

/// Follow a local `$ref` (`#/components/...`).
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let mut at = doc;
            for part in r.trim_start_matches("#/").split('/') {
                at = &at[part];
            }
            assert!(!at.is_null(), "dangling reference {r}");
            resolve(doc, at)
        }
        None => v,
    }
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            out.push((method.to_uppercase(), path.clone(), op));
        }
    }
    out
}

fn needs_caller(doc: &Value, op: &Value) -> bool {
    let security = op.get("security").unwrap_or(&doc["security"]);
    security.as_array().is_some_and(|reqs| {
        !reqs.is_empty() && !reqs.iter().any(|r| r.as_object().unwrap().is_empty())
    })
}

/// Every property of every component schema: `(schema, property, property schema)`.
fn properties(doc: &Value) -> Vec<(String, String, &Value)> {
    let mut out = Vec::new();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if let Some(props) = schema["properties"].as_object() {
            for (p, s) in props {
                out.push((name.clone(), p.clone(), s));
            }
        }
    }
    out
}

fn types(s: &Value) -> Vec<&str> {
    match &s["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    }
}

fn enum_of<'a>(doc: &'a Value, s: &'a Value) -> BTreeSet<&'a str> {
    let s = resolve(doc, s);
    let s = s["oneOf"]
        .as_array()
        .and_then(|alts| alts.iter().find(|a| a["type"] != "null"))
        .map(|a| resolve(doc, a))
        .unwrap_or(s);
    s["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("no enum in {s}"))
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

#[test]
fn the_openapi_document_is_complete() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_openapi");
    let server = Server::start(&t.url);
    let (s, doc) = call(agent().get(&server.url("/api/v1/openapi.json")).call());
    assert_eq!(s, 200);

    // How to authenticate: the session cookie and the bearer API token.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["type"], "apiKey", "{schemes}");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "fazhi_session");
    assert_eq!(schemes["token"]["type"], "http");
    assert_eq!(schemes["token"]["scheme"], "bearer");

    let ops = operations(&doc);
    assert!(ops.len() >= 35, "{} operations", ops.len());
    let mut public = BTreeSet::new();
    for (method, path, op) in &ops {
        let here = format!("{method} {path}");
        let responses = op["responses"].as_object().unwrap();
        let mut expected = vec!["400", "422", "500"];
        if needs_caller(&doc, op) {
            expected.push("401");
        } else {
            public.insert(here.clone());
        }
        if op.get("requestBody").is_some() {
            expected.extend(["413", "415"]);
        }
        for status in expected {
            assert!(responses.contains_key(status), "{here}: no {status}");
        }
        for (status, r) in responses {
            let r = resolve(&doc, r);
            assert!(
                r["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{here} {status}: no description"
            );
            let schema = &r["content"]["application/json"]["schema"];
            if status.starts_with('4') || status.starts_with('5') {
                assert_eq!(
                    schema["$ref"], "#/components/schemas/ApiErrorBody",
                    "{here} {status}: not the error shape"
                );
            } else if !schema.is_null() {
                // A success body is a named schema (or an array of one) with its properties.
                let item = if schema["type"] == "array" {
                    &schema["items"]
                } else {
                    schema
                };
                assert!(
                    item.get("$ref").is_some(),
                    "{here} {status}: untyped {schema}"
                );
                assert!(
                    resolve(&doc, item)["properties"].is_object(),
                    "{here} {status}: {item} has no properties"
                );
            }
        }
    }
    assert_eq!(
        public,
        [
            "DELETE /api/v1/session",
            "GET /api/v1/discretion/benchmarks",
            "GET /api/v1/discretion/benchmarks/{id}",
            "GET /api/v1/plans",
            "GET /api/v1/procedures",
            "GET /api/v1/units",
            "GET /api/v1/units/resolve",
            "POST /api/v1/session",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );

    // Sign-in is slowed after failures: 429 says how long to wait.
    let login = &doc["paths"]["/api/v1/session"]["post"];
    let r429 = resolve(&doc, &login["responses"]["429"]);
    assert_eq!(
        r429["headers"]["Retry-After"]["schema"]["type"], "integer",
        "{r429}"
    );
    for (method, path, op) in &ops {
        if (method.as_str(), path.as_str()) != ("POST", "/api/v1/session") {
            assert!(op["responses"].get("429").is_none(), "{method} {path}: 429");
        }
    }

    // Formats: dates are `date`, integer ids `int64`.
    let mut dates = 0;
    for (schema, prop, s) in properties(&doc) {
        let date_like = prop.ends_with("_on")
            || prop.ends_with("_date")
            || ["due", "next_due", "violation"].contains(&prop.as_str());
        if date_like && types(s).contains(&"string") {
            assert_eq!(s["format"], "date", "{schema}.{prop}: {s}");
            dates += 1;
        }
        let id_like = prop == "id" || prop.ends_with("_id") || prop == "audit_seq";
        if id_like && types(s).contains(&"integer") {
            assert_eq!(s["format"], "int64", "{schema}.{prop}: {s}");
        }
    }
    assert!(dates >= 15, "only {dates} date properties");
    for (method, path, op) in &ops {
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap();
            if name == "id" && path.contains("{id}") && !path.contains("benchmarks") {
                assert_eq!(p["schema"]["format"], "int64", "{method} {path} {name}");
            }
            if ["on", "due_before"].contains(&name) {
                assert_eq!(p["schema"]["format"], "date", "{method} {path} {name}");
            }
        }
    }

    // Enums for procedures, statuses and roles.
    let schemas = &doc["components"]["schemas"];
    let (_, procedures) = call(agent().get(&server.url("/api/v1/procedures")).call());
    let procedure_ids: BTreeSet<&str> = procedures
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(procedure_ids.len(), 5);
    assert_eq!(
        enum_of(&doc, &schemas["OpenCaseIn"]["properties"]["procedure"]),
        procedure_ids
    );
    assert_eq!(
        enum_of(&doc, &schemas["ReportIn"]["properties"]["status"]),
        BTreeSet::from(["not_started", "in_progress", "done"])
    );
    let grant = resolve(&doc, &schemas["NewUserIn"]["properties"]["roles"]["items"]);
    assert_eq!(
        enum_of(&doc, &grant["properties"]["role"]),
        BTreeSet::from(["administrator", "supervisor", "officer", "auditor"])
    );
    let list_cases = &doc["paths"]["/api/v1/cases"]["get"]["parameters"];
    let param = |name: &str| {
        list_cases
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no parameter {name}"))["schema"]
            .clone()
    };
    assert_eq!(
        enum_of(&doc, &param("status")),
        BTreeSet::from(["open", "closed", "overdue", "due_soon"])
    );
    assert_eq!(enum_of(&doc, &param("procedure")), procedure_ids);
    assert_eq!(
        enum_of(&doc, &schemas["DecisionIn"]["properties"]["benchmark"]).len(),
        3
    );
    drop(server);
    remove(&t);
}

/// What the document says about callers holds: an operation that needs one answers an
/// anonymous request with 401 in the error shape; a public one does not.
#[test]
fn operations_that_need_a_caller_refuse_anonymous_requests() {
    let t = fazhi_store::testing::fresh_sqlite("e2e_openapi_anon");
    let server = Server::start(&t.url);
    let (_, doc) = call(agent().get(&server.url("/api/v1/openapi.json")).call());
    let ops = operations(&doc);
    let mut secured = 0;
    for (method, path, op) in &ops {
        let url = server.url(
            &path
                .replace("{id}", "1")
                .replace("{key}", "legal-affairs-office"),
        );
        let req = agent().request(method, &url);
        let (status, body) = if op.get("requestBody").is_some() {
            call(
                req.set("content-type", "application/json")
                    .send_string("{}"),
            )
        } else {
            call(req.call())
        };
        if needs_caller(&doc, op) {
            secured += 1;
            assert_eq!(status, 401, "{method} {path}: {body}");
            assert_eq!(body["code"], "unauthenticated", "{method} {path}");
        } else {
            assert_ne!(status, 401, "{method} {path} is documented as public");
        }
    }
    assert!(secured >= 25, "{secured}");
    drop(server);
    remove(&t);
}
