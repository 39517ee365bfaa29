//! Shared helpers for the procedure tests.
#![allow(dead_code)]

use chrono::NaiveDate;
use fazhi_procedure::*;
use std::collections::BTreeMap;

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn f(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
    kv.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn actor(role: Role, relation: Relation, name: &str) -> Actor {
    Actor {
        role,
        relation,
        name: name.into(),
    }
}

pub fn officer() -> Actor {
    actor(Role::Officer, Relation::ResponsibleUnit, "承办人")
}
pub fn supervisor() -> Actor {
    actor(Role::Supervisor, Relation::SupervisorOfUnit, "法制办")
}
pub fn other_officer() -> Actor {
    actor(Role::Officer, Relation::Other, "别的单位")
}
pub fn auditor() -> Actor {
    actor(Role::Auditor, Relation::ResponsibleUnit, "审计")
}

pub fn req(action: &str, on: &str, who: &Actor, kv: &[(&str, &str)]) -> ActionRequest {
    ActionRequest {
        action: action.into(),
        on: d(on),
        actor: who.clone(),
        fields: f(kv),
        corrects: None,
    }
}

pub fn try_act(
    set: &ProcedureSet,
    c: &CaseState,
    action: &str,
    on: &str,
    kv: &[(&str, &str)],
) -> Result<Applied, Refusal> {
    apply(set, c, &req(action, on, &officer(), kv))
}

pub fn act(
    set: &ProcedureSet,
    c: &CaseState,
    action: &str,
    on: &str,
    kv: &[(&str, &str)],
) -> CaseState {
    match try_act(set, c, action, on, kv) {
        Ok(a) => a.case,
        Err(r) => panic!("{action} on {on}: {} {}", r.code, r.message_en),
    }
}
