//! The parser never panics: random text, plan-like noise, and every truncation of the seed.

use fazhi_org::Directory;
use fazhi_plan::{parse, resolve};
use proptest::prelude::*;

const SEED: &str = include_str!("../../../data/seed/bazhong-2008-plan.txt");

fn dir() -> &'static Directory {
    static DIR: std::sync::OnceLock<Directory> = std::sync::OnceLock::new();
    DIR.get_or_init(Directory::bundled_bazhong_2008)
}

fn exercise(text: &str, dir: &Directory) {
    if let Ok(parsed) = parse(text) {
        let plan = resolve(&parsed, dir);
        assert!(!plan.items.is_empty());
        let chars = text.chars().count();
        for item in &plan.items {
            assert!(item.offset <= chars);
        }
    }
}

#[test]
fn every_truncation_of_the_seed() {
    let dir = dir();
    let mut last_items = 0;
    for (i, _) in SEED.char_indices().step_by(3) {
        let text = &SEED[..i];
        exercise(text, dir);
        // A longer copy never has fewer complete items.
        if let Ok(p) = parse(text) {
            let n = p.plan().items.len();
            assert!(
                n + 1 >= last_items,
                "at byte {i}: {n} items after {last_items}"
            );
            last_items = last_items.max(n);
        }
    }
}

/// Pieces plans are made of, so random texts reach deep into the parser.
const PIECES: &[&str] = &[
    "一、",
    "二、",
    "三、",
    "(一)",
    "(二)",
    "（三）",
    "1、",
    "2、",
    "3.",
    "(1)",
    "（2）",
    "此项工作由",
    "牵头负责",
    "牵头",
    "参加",
    "共同负责",
    "负责落实",
    "配合",
    "牵头单位:",
    "配合单位：",
    "责任单位:",
    "完成时限：",
    "市政府法制办",
    "财政、人事",
    "巴州区、南江县人民政府",
    "各县(区)人民政府",
    "市级各部门",
    "市级相关部门",
    "7月底前",
    "二季度",
    "年底前",
    "2008年",
    "二○○八年四月十四日",
    "巴府办发[2008]14号",
    "关于印发《",
    "》的通知",
    "序号",
    "工作内容",
    "责任部门",
    "完成时限",
    " ",
    "\n",
    "|",
    "。",
    ",",
    "，",
    ";",
    "；",
    ":",
    "(",
    ")",
    "（",
    "）",
    "等部门",
    "会同",
    "由",
];

fn plan_like() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(PIECES).prop_map(str::to_string),
            "\\PC{0,4}"
        ],
        0..80,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_strings(s in "\\PC{0,300}") {
        exercise(&s, dir());
    }

    #[test]
    fn plan_like_noise(s in plan_like()) {
        exercise(&s, dir());
    }

    #[test]
    fn slices_of_the_seed(a in 0usize..12_000, len in 0usize..12_000) {
        let start = (0..=a.min(SEED.len())).rev().find(|&i| SEED.is_char_boundary(i)).unwrap();
        let end = (start..=(start + len).min(SEED.len())).rev().find(|&i| SEED.is_char_boundary(i)).unwrap();
        exercise(&SEED[start..end], dir());
    }

    #[test]
    fn seed_with_noise_inserted(at in 0usize..12_000, noise in plan_like()) {
        let at = (0..=at.min(SEED.len())).rev().find(|&i| SEED.is_char_boundary(i)).unwrap();
        let text = format!("{}{}{}", &SEED[..at], noise, &SEED[at..]);
        exercise(&text, dir());
    }
}
