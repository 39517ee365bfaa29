//! Any sequence of actions, dates, actors and field values: the engine refuses or applies, and
//! never panics; what it applies keeps its invariants.

mod support;
use fazhi_procedure::*;
use proptest::prelude::*;
use std::collections::BTreeMap;
use support::*;

fn value_for(set: &ProcedureSet, proc_id: &str, field: &str, pick: usize) -> String {
    let p = set.get(proc_id).unwrap();
    let Some(f) = p.field(field) else {
        return "x".into();
    };
    match f.kind {
        FieldKind::Choice => f.choices[pick % f.choices.len()].id.clone(),
        FieldKind::Bool => ["true", "false"][pick % 2].into(),
        FieldKind::Number => (pick % 40).to_string(),
        FieldKind::Date => (d("2023-01-01") + chrono::Days::new((pick % 700) as u64)).to_string(),
        FieldKind::Text => ["", "x", "某某"][pick % 3].into(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn no_panic_on_any_sequence(
        proc_pick in 0usize..5,
        start in 0u64..700,
        steps in proptest::collection::vec((0usize..40, 0u64..20, 0usize..4, 0usize..1000, any::<bool>(), 0usize..4), 0..25),
    ) {
        let set = ProcedureSet::bundled();
        let p = &set.procedures()[proc_pick];
        let on = d("2023-01-01") + chrono::Days::new(start);
        let opener = p.opening_action();
        let fields: BTreeMap<String, String> = opener.fields.iter().map(|f| (f.id.clone(), value_for(set, &p.id, &f.id, start as usize))).collect();
        let Ok(mut case) = open(set, &p.id, on, &officer(), fields) else { return Ok(()) };
        let mut day = on;
        let actors = [officer(), supervisor(), other_officer(), auditor()];
        for (a, gap, who, pick, full, corr) in steps {
            day = day + chrono::Days::new(gap);
            let action = &p.actions[a % p.actions.len()];
            let fields: BTreeMap<String, String> = action.fields.iter()
                .filter(|f| full || f.required)
                .map(|f| (f.id.clone(), value_for(set, &p.id, &f.id, pick)))
                .collect();
            let corrects = (corr == 0 && !case.history.is_empty()).then(|| (pick % case.history.len()) as u32 + 1);
            let req = ActionRequest { action: action.id.clone(), on: day, actor: actors[who].clone(), fields, corrects };
            let _ = allowed_actions_on(set, &case, &actors[who], Some(day));
            // Storage keeps the dates computed without explanations: always the same dates.
            let dates = |v: Vec<DeadlineView>| v.into_iter().map(|x| (x.key, x.due, x.warn_from, x.status)).collect::<Vec<_>>();
            prop_assert_eq!(dates(deadlines(set, &case, day)), dates(deadline_dates(set, &case, day)));
            if let Ok(next) = apply(set, &case, &req) {
                prop_assert_eq!(next.case.history.len(), case.history.len() + 1);
                prop_assert_eq!(&next.case.history[..case.history.len()], &case.history[..]);
                prop_assert!(p.step(&next.case.step).is_some());
                prop_assert!(!case.closed || req.corrects.is_some());
                for v in deadlines(set, &next.case, day) {
                    prop_assert!(v.status != "error" || v.explanation_en.contains("calendar") || v.explanation_en.contains("notice"), "{}: {}", v.key, v.explanation_en);
                }
                case = next.case;
            }
        }
    }
}
