//! The loader refuses bad definitions, naming file and line.

use fazhi_procedure::{ProcedureSet, BUNDLED_FILES};

const BASE: &str = r#"id = "demo"
name_zh = "示例"
name_en = "Demo"

[[version]]
id = "v1"
effective_from = 2020-01-01

[[deadline]]
key = "reply"
rule = "disclosure.reply"

[[field]]
id = "who"
name_zh = "人"
name_en = "Who"

[[step]]
id = "open"
name_zh = "开"
name_en = "Open"

[[step]]
id = "done"
name_zh = "结"
name_en = "Done"
terminal = true

[[action]]
id = "start"
name_zh = "开始"
name_en = "Start"
opens = true
to = "open"
fields = [{ id = "who" }]
events = [{ deadline = "reply", kind = "received" }]

[[action]]
id = "finish"
name_zh = "结束"
name_en = "Finish"
from = ["open"]
to = "done"
"#;

fn err(text: &str) -> (usize, String) {
    let e = ProcedureSet::parse(&[("demo.toml", text)]).unwrap_err();
    assert_eq!(e.file, "demo.toml");
    (e.line, e.message)
}

fn line_of(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap()].lines().count() + 1
}

#[test]
fn the_base_definition_and_the_bundled_ones_load() {
    ProcedureSet::parse(&[("demo.toml", BASE)]).unwrap();
    let set = ProcedureSet::parse(BUNDLED_FILES).unwrap();
    let ids: Vec<_> = set.procedures().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "disclosure_request",
            "petition",
            "reconsideration",
            "litigation",
            "licensing"
        ]
    );
}

#[test]
fn unknown_rule() {
    let t = BASE.replace("rule = \"disclosure.reply\"", "rule = \"disclosure.nope\"");
    let (line, m) = err(&t);
    assert_eq!(line, line_of(&t, "rule = \"disclosure.nope\""));
    assert!(m.contains("unknown rule"), "{m}");
}

#[test]
fn unknown_role() {
    let t = BASE.replace(
        "from = [\"open\"]",
        "from = [\"open\"]\nroles = [\"janitor\"]",
    );
    let (line, m) = err(&t);
    assert_eq!(line, line_of(&t, "id = \"finish\""));
    assert!(m.contains("unknown role \"janitor\""), "{m}");
}

#[test]
fn unknown_field() {
    let t = BASE.replace(
        "fields = [{ id = \"who\" }]",
        "fields = [{ id = \"whom\" }]",
    );
    let (line, m) = err(&t);
    assert_eq!(line, line_of(&t, "id = \"start\""));
    assert!(m.contains("unknown field \"whom\""), "{m}");
}

#[test]
fn unreachable_step() {
    let t = format!(
        "{BASE}\n[[step]]\nid = \"limbo\"\nname_zh = \"x\"\nname_en = \"x\"\nterminal = true\n"
    );
    let (line, m) = err(&t);
    assert_eq!(line, line_of(&t, "id = \"limbo\""));
    assert!(m.contains("unreachable"), "{m}");
}

#[test]
fn dead_end_step() {
    let t = BASE.replace("to = \"done\"", "to = \"done\"\n\n[[action]]\nid = \"park\"\nname_zh = \"x\"\nname_en = \"x\"\nfrom = [\"open\"]\nto = \"parked\"\n")
        + "\n[[step]]\nid = \"parked\"\nname_zh = \"x\"\nname_en = \"x\"\n";
    let (line, m) = err(&t);
    assert_eq!(line, line_of(&t, "id = \"parked\""));
    assert!(m.contains("dead end"), "{m}");
}

#[test]
fn unknown_step_bad_event_bad_gate_and_syntax() {
    assert!(err(&BASE.replace("to = \"done\"", "to = \"gone\""))
        .1
        .contains("unknown step"));
    assert!(
        err(&BASE.replace("kind = \"received\"", "kind = \"arrived\""))
            .1
            .contains("event kind")
    );
    let t = BASE.replace(
        "to = \"done\"",
        "to = \"done\"\ngates = [{ any = [\"done:nothing\"], zh = \"x\", en = \"x\" }]",
    );
    assert!(err(&t).1.contains("unknown action"));
    let (line, _) = err(&BASE.replace("name_en = \"Demo\"", "name_en = Demo"));
    assert_eq!(line, 3);
    let t = BASE.replace("to = \"done\"", "to = \"done\"\ncolour = \"red\"");
    assert!(err(&t).1.contains("colour"));
}

#[test]
fn links_must_name_known_procedures_and_fields() {
    let t = BASE.replace(
        "to = \"done\"",
        "to = \"done\"\nlink = { procedure = \"nowhere\", name = \"x\" }",
    );
    assert!(err(&t).1.contains("unknown procedure \"nowhere\""));
    // `check` knows the bundled procedures.
    let t = BASE.replace("to = \"done\"", "to = \"done\"\nlink = { procedure = \"litigation\", name = \"x\", fields = { applicant_name = \"who\" } }");
    ProcedureSet::check(&[("demo.toml", &t)]).unwrap();
}

#[test]
fn a_deadline_may_be_limited_to_known_versions() {
    let t = BASE.replace(
        "rule = \"disclosure.reply\"",
        "rule = \"disclosure.reply\"\nversions = [\"v1\"]",
    );
    ProcedureSet::parse(&[("demo.toml", &t)]).unwrap();
    let t = BASE.replace(
        "rule = \"disclosure.reply\"",
        "rule = \"disclosure.reply\"\nversions = [\"v9\"]",
    );
    let (line, m) = err(&t);
    assert_eq!(line, line_of(&t, "key = \"reply\""));
    assert!(m.contains("unknown version \"v9\""), "{m}");
}

#[test]
fn a_days_ahead_gate_needs_a_date_field_and_a_number() {
    let gate = |g: &str| {
        BASE.replace(
            "fields = [{ id = \"who\" }]",
            &format!("fields = [{{ id = \"who\" }}]\ngates = [{{ any = [\"{g}\"], zh = \"z\", en = \"e\" }}]"),
        )
    };
    let t = gate("days_ahead:who=7");
    let (line, m) = err(&t);
    assert_eq!(line, line_of(&t, "id = \"start\""));
    assert!(m.contains("not a date"), "{m}");
    let with_date = |g: &str| {
        gate(g)
            .replace(
                "[[step]]\nid = \"open\"",
                "[[field]]\nid = \"on\"\nname_zh = \"日\"\nname_en = \"On\"\nkind = \"date\"\n\n[[step]]\nid = \"open\"",
            )
            .replace(
                "fields = [{ id = \"who\" }]",
                "fields = [{ id = \"who\" }, { id = \"on\", required = true }]",
            )
    };
    ProcedureSet::parse(&[("demo.toml", &with_date("days_ahead:on=7"))]).unwrap();
    let t = with_date("days_ahead:on=seven");
    assert!(err(&t).1.contains("not a number of days"), "{}", err(&t).1);
    let t =
        with_date("days_ahead:on=7").replace("{ id = \"on\", required = true }", "{ id = \"on\" }");
    assert!(
        err(&t).1.contains("must be a required field"),
        "{}",
        err(&t).1
    );
    let t = gate("days_ahead:who");
    assert!(err(&t).1.contains("days_ahead:FIELD=DAYS"), "{}", err(&t).1);
}
