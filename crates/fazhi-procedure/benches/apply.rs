//! Applying an action to a case and recomputing its deadlines with explanations: what a web
//! request or the sweep does for one case.

use chrono::NaiveDate;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use fazhi_procedure::{apply, deadlines, open, ActionRequest, Actor, ProcedureSet, Relation, Role};
use std::collections::BTreeMap;

fn f(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
    kv.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn bench(c: &mut Criterion) {
    let set = ProcedureSet::bundled();
    let who = Actor {
        role: Role::Officer,
        relation: Relation::ResponsibleUnit,
        name: "承办人".into(),
    };
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let req = |a: &str, on: &str, kv: &[(&str, &str)]| ActionRequest {
        action: a.into(),
        on: d(on),
        actor: who.clone(),
        fields: f(kv),
        corrects: None,
    };
    // A reconsideration in mid-course: supplement, acceptance, reply, suspension, resumption.
    let mut case = open(
        set,
        "reconsideration",
        d("2024-03-01"),
        &who,
        f(&[("applicant_name", "周"), ("respondent", "区政府")]),
    )
    .unwrap();
    for r in [
        req(
            "request_supplement",
            "2024-03-04",
            &[("supplement_points", "身份证明")],
        ),
        req("receive_supplement", "2024-03-11", &[]),
        req("accept", "2024-03-12", &[]),
        req("send_copy", "2024-03-13", &[]),
        req("respondent_reply", "2024-03-22", &[]),
        req(
            "suspend",
            "2024-04-08",
            &[("suspension_kind", "appraisal"), ("reason", "鉴定")],
        ),
        req("resume", "2024-04-17", &[]),
    ] {
        case = apply(set, &case, &r).unwrap().case;
    }
    let ext = req(
        "extend",
        "2024-05-01",
        &[("approver", "复议机构负责人"), ("reason", "复杂")],
    );
    c.bench_function(
        "apply extend + deadlines (reconsideration, 8 entries)",
        |b| {
            b.iter(|| {
                let next = apply(set, black_box(&case), black_box(&ext)).unwrap();
                black_box(deadlines(set, &next.case, d("2024-05-02")))
            })
        },
    );
    c.bench_function("deadlines only (reconsideration, 8 entries)", |b| {
        b.iter(|| black_box(deadlines(set, black_box(&case), d("2024-05-02"))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
