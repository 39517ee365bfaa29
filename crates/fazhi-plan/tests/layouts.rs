//! Plans in layouts other than the seed's: labelled parts, a 西政办〔2020〕20号-style header with
//! full-width punctuation and line breaks, a flattened table, "A牵头,B负责落实", quarter and
//! year-end deadlines, truncated copies, and texts that are not plans.

use chrono::NaiveDate;
use fazhi_plan::{parse, DeadlineSource, Item, ParseErrorKind, Plan};

const SEED: &str = include_str!("../../../data/seed/bazhong-2008-plan.txt");
const XIAN: &str = include_str!("fixtures/xian-2020-labelled.txt");
const TABLE: &str = include_str!("fixtures/county-2021-table.txt");

fn plan(text: &str) -> Plan {
    parse(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_unresolved()
}

fn names(v: &[fazhi_plan::UnitRef]) -> Vec<&str> {
    v.iter().map(|r| r.name.as_str()).collect()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn item<'a>(p: &'a Plan, number: &str) -> &'a Item {
    p.items
        .iter()
        .find(|i| i.number == number)
        .unwrap_or_else(|| panic!("no item {number}"))
}

#[test]
fn xian_style_header_with_full_width_brackets() {
    let p = plan(XIAN);
    assert_eq!(p.title, "西安市2020年法治政府建设工作要点");
    assert_eq!(p.doc_number.as_deref(), Some("西政办〔2020〕20号"));
    assert_eq!(p.issuer.as_deref(), Some("西安市人民政府办公厅"));
    assert_eq!(p.issued_on, Some(date(2020, 4, 10)));
    assert_eq!(p.year, 2020);
    assert_eq!(
        names(&p.addressees),
        ["各区县人民政府", "市人民政府各工作部门", "各直属机构"]
    );
    let numbers: Vec<&str> = p.items.iter().map(|i| i.number.as_str()).collect();
    assert_eq!(numbers, ["一(一)", "一(二)", "二(一)", "二(二)"]);
}

#[test]
fn labelled_parts_in_brackets_and_on_their_own_lines() {
    let p = plan(XIAN);
    let a = item(&p, "一(一)");
    assert_eq!(a.title, "深化“放管服”改革");
    assert_eq!(names(&a.lead), ["市政务服务中心"]);
    assert_eq!(names(&a.participants), ["市级各部门"]);
    assert_eq!(
        (a.deadline, a.deadline_source),
        (date(2020, 12, 31), DeadlineSource::EndOfPlanYear)
    );
    assert!(!a.body.contains("牵头单位") || a.body.ends_with(')') || a.body.ends_with('\u{FF09}'));

    let b = item(&p, "一(二)");
    assert_eq!(names(&b.lead), ["市发展和改革委员会"]);
    assert_eq!(names(&b.participants), ["市司法局", "市市场监管局"]);
    // "二季度前" in the item's first clause is its deadline; "9月底前" later is a milestone.
    assert_eq!(
        (b.deadline, b.deadline_source),
        (date(2020, 6, 30), DeadlineSource::Explicit)
    );
    assert_eq!(b.milestones.len(), 1);
    assert_eq!(b.milestones[0].date, date(2020, 9, 30));

    let c = item(&p, "二(一)");
    assert_eq!(c.title, "加强规范性文件管理");
    assert_eq!(names(&c.lead), ["市司法局"]);
    assert_eq!(
        (c.deadline, c.deadline_source),
        (date(2020, 6, 30), DeadlineSource::Explicit)
    );
}

#[test]
fn lead_then_implementing_units_with_year_end_deadline() {
    let p = plan(XIAN);
    let d = item(&p, "二(二)");
    assert_eq!(names(&d.lead), ["市司法局"]);
    assert!(d.co_lead.is_empty());
    assert_eq!(names(&d.participants), ["各区县人民政府"]);
    assert_eq!(
        (d.deadline, d.deadline_source),
        (date(2020, 12, 31), DeadlineSource::Explicit)
    );
    assert!(d.milestones.is_empty());
}

#[test]
fn flattened_table() {
    let p = plan(TABLE);
    assert_eq!(p.title, "某某县2021年依法行政工作任务分解表");
    assert_eq!(p.year, 2021);
    type Row<'a> = (&'a str, &'a str, Vec<&'a str>, Vec<&'a str>, NaiveDate);
    let rows: Vec<Row> = p
        .items
        .iter()
        .map(|i| {
            (
                i.number.as_str(),
                i.title.as_str(),
                names(&i.lead),
                names(&i.participants),
                i.deadline,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "1",
                "制定年度规范性文件制定计划",
                vec!["县司法局"],
                vec!["县政府办公室"],
                date(2021, 3, 31)
            ),
            (
                "2",
                "开展行政执法案卷评查",
                vec!["县司法局"],
                vec!["各乡镇人民政府"],
                date(2021, 9, 30)
            ),
            (
                "3",
                "推进政务公开标准化建设",
                vec!["县政府办公室"],
                vec!["县级各部门"],
                date(2021, 12, 31)
            ),
            (
                "4",
                "落实行政机关负责人出庭应诉制度",
                vec!["县司法局"],
                vec!["县人民法院", "县人民检察院"],
                date(2021, 12, 31)
            ),
        ]
    );
    assert_eq!(p.items[2].deadline_source, DeadlineSource::Explicit);
    // "长期坚持" is no date: the row keeps the end of the year and the reader is told.
    assert_eq!(p.items[3].deadline_source, DeadlineSource::EndOfPlanYear);
    assert!(
        p.warnings.iter().any(|w| w.message.contains("长期坚持")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn table_with_bars_and_one_cell_per_line() {
    let bars: String = TABLE
        .lines()
        .map(|l| format!("| {} |\n", l.split(' ').collect::<Vec<_>>().join(" | ")))
        .collect();
    let p = plan(&bars);
    assert_eq!(p.items.len(), 4);
    assert_eq!(names(&p.items[1].participants), ["各乡镇人民政府"]);
    let cells = TABLE.replace(' ', "\n");
    let p = plan(&cells);
    assert_eq!(p.items.len(), 4);
    assert_eq!(
        names(&p.items[3].participants),
        ["县人民法院", "县人民检察院"]
    );
}

#[test]
fn half_width_flattened_plan_with_mixed_assignments() {
    let text = "某区2022年法治政府建设工作要点 一、重点任务 1.加强行政规范性文件管理。区司法局牵头,区级各部门负责落实。 \
                2.推进严格规范公正文明执法,二季度前完成执法公示平台建设。区司法局牵头,各街道办事处配合。 \
                3.完善行政复议工作。年底前完成。由区司法局负责。 \
                4.开展法治政府建设示范创建。由区司法局会同区财政局负责,第三季度末前完成评估。 \
                二、保障措施 各部门要加强组织领导。";
    let p = plan(text);
    assert_eq!(p.title, "某区2022年法治政府建设工作要点");
    let numbers: Vec<&str> = p.items.iter().map(|i| i.number.as_str()).collect();
    assert_eq!(numbers, ["一1", "一2", "一3", "一4"]);
    let (a, b, c, d) = (&p.items[0], &p.items[1], &p.items[2], &p.items[3]);
    assert_eq!(
        (names(&a.lead), names(&a.participants)),
        (vec!["区司法局"], vec!["区级各部门"])
    );
    assert_eq!(a.deadline_source, DeadlineSource::EndOfPlanYear);
    assert_eq!(
        (names(&b.lead), names(&b.participants)),
        (vec!["区司法局"], vec!["各街道办事处"])
    );
    assert_eq!(
        (b.deadline, b.deadline_source),
        (date(2022, 6, 30), DeadlineSource::Explicit)
    );
    assert_eq!(names(&c.lead), ["区司法局"]);
    assert_eq!(
        (c.deadline, c.deadline_source),
        (date(2022, 12, 31), DeadlineSource::Explicit)
    );
    assert_eq!(
        (names(&d.lead), names(&d.participants)),
        (vec!["区司法局"], vec!["区财政局"])
    );
    assert_eq!(
        (d.deadline, d.deadline_source),
        (date(2022, 9, 30), DeadlineSource::Explicit)
    );
}

#[test]
fn parent_section_assignment_is_inherited() {
    let text = "2023年依法行政工作安排\n一、制度建设(牵头单位:市司法局)\n1、清理规范性文件。\n2、编制立法计划。\n二、执法监督\n1、开展案卷评查。责任单位:市级各部门\n";
    let p = plan(text);
    let got: Vec<(&str, Vec<&str>)> = p
        .items
        .iter()
        .map(|i| (i.number.as_str(), names(&i.lead)))
        .collect();
    assert_eq!(
        got,
        [
            ("一1", vec!["市司法局"]),
            ("一2", vec!["市司法局"]),
            ("二1", vec!["市级各部门"])
        ]
    );
}

#[test]
fn truncated_copy_keeps_complete_items_and_warns() {
    // Cut inside 三(二)3, after "此项工作由巴州区".
    let cut = SEED.find("此项工作由巴州区").unwrap() + "此项工作由巴州区".len();
    let p = plan(&SEED[..cut]);
    let numbers: Vec<&str> = p.items.iter().map(|i| i.number.as_str()).collect();
    assert_eq!(
        numbers,
        [
            "三(一)1",
            "三(一)2",
            "三(一)3",
            "三(一)4",
            "三(一)5",
            "三(二)1",
            "三(二)2"
        ]
    );
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert!(
        p.warnings[0].message.contains("三(二)3"),
        "{:?}",
        p.warnings
    );

    // Cut just before the final full stop: the last item is incomplete.
    let p = plan(
        SEED.trim_end()
            .trim_end_matches('|')
            .trim_end()
            .trim_end_matches('。'),
    );
    assert_eq!(p.items.len(), 14);
    assert!(p.warnings[0].message.contains("三(四)"));

    // Cut inside the next marker: the item before it is complete.
    let cut = SEED.find("(四)").unwrap() + 1;
    let p = plan(&SEED[..cut]);
    assert_eq!(p.items.len(), 14, "{:?}", p.warnings);
}

#[test]
fn texts_that_are_not_plans_name_the_place() {
    let e = parse("").unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::Empty);
    let e = parse("这是一段没有年份也没有事项的文字。").unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::NoYear);
    let e = parse("2020年工作总结 今年我们做了很多工作。").unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::NoItems);
    assert_eq!(e.offset, "2020年工作总结".chars().count());
    assert!(e.to_string().contains("at character 9"), "{e}");
    // The seed cut inside its header.
    let cut = SEED.find("二○○八年").unwrap();
    let e = parse(&SEED[..cut]).unwrap_err();
    assert_eq!(e.kind, ParseErrorKind::NoItems);
}
