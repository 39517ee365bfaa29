//! The founding document, 巴府办发[2008]14号, parsed exactly.

use chrono::NaiveDate;
use fazhi_org::Directory;
use fazhi_plan::{parse, parse_and_resolve, resolve, DeadlineSource, Plan, RefKind, UnitRef};

const SEED: &str = include_str!("../../../data/seed/bazhong-2008-plan.txt");

/// What a written name must resolve to.
#[derive(Debug, Clone, Copy)]
enum U {
    Units(&'static [&'static str]),
    /// A unit group standing for all its members (checked against the directory).
    Group(&'static str),
    /// A group whose members are chosen per item.
    Choose(&'static str),
}
use U::*;

type Refs = &'static [(&'static str, U)];

struct Expected {
    number: &'static str,
    title: &'static str,
    lead: Refs,
    co_lead: Refs,
    participants: Refs,
    milestones: &'static [(&'static str, &'static str)],
}

const SIX: Refs = &[
    ("监察", Units(&["市监察局"])),
    ("财政", Units(&["市财政局"])),
    ("审计", Units(&["市审计局"])),
    ("统计", Units(&["市统计局"])),
    ("人事", Units(&["市人事局"])),
    ("法制", Units(&["市政府法制办公室"])),
    ("政务中心", Units(&["市政务服务中心"])),
    ("政府目标督查机构", Units(&["市政府目标督查室"])),
];
const ALL_DEPTS: Refs = &[("市级各部门", Group("municipal-departments"))];
const GENERAL_OFFICE: Refs = &[("市政府办公室", Units(&["市政府办公室"]))];
const LEGAL: Refs = &[("市政府法制办", Units(&["市政府法制办公室"]))];
const NONE: Refs = &[];

const EXPECTED: &[Expected] = &[
    Expected { number: "三(一)1", title: "健全完善行政决策机制", lead: GENERAL_OFFICE, co_lead: NONE, participants: SIX, milestones: &[] },
    Expected {
        number: "三(一)2",
        title: "加大行政管理体制改革力度",
        lead: &[("市人事局(市编办)", Units(&["市人事局"]))],
        co_lead: NONE,
        participants: &[("市级相关部门", Choose("related-municipal-departments"))],
        milestones: &[],
    },
    Expected { number: "三(一)3", title: "继续推进政府信息公开", lead: GENERAL_OFFICE, co_lead: NONE, participants: ALL_DEPTS, milestones: &[] },
    Expected {
        number: "三(一)4",
        title: "深化行政审批制度改革,不断巩固行政审批改革成果",
        lead: &[
            ("市监察局", Units(&["市监察局"])),
            ("市政务服务中心", Units(&["市政务服务中心"])),
            ("市政府法制办", Units(&["市政府法制办公室"])),
        ],
        co_lead: NONE,
        participants: ALL_DEPTS,
        milestones: &[],
    },
    Expected { number: "三(一)5", title: "深入推进行政管理方式创新", lead: GENERAL_OFFICE, co_lead: NONE, participants: ALL_DEPTS, milestones: &[] },
    Expected { number: "三(二)1", title: "继续深入推行行政执法责任制", lead: LEGAL, co_lead: NONE, participants: ALL_DEPTS, milestones: &[] },
    Expected {
        number: "三(二)2",
        title: "规范行政处罚自由裁量权,压缩权力“弹性空间”",
        lead: LEGAL,
        co_lead: NONE,
        participants: ALL_DEPTS,
        milestones: &[],
    },
    Expected {
        number: "三(二)3",
        title: "积极稳妥开展相对集中行政处罚权工作",
        lead: &[("巴州区人民政府", Units(&["巴州区人民政府"])), ("南江县人民政府", Units(&["南江县人民政府"]))],
        co_lead: NONE,
        participants: LEGAL,
        milestones: &[],
    },
    Expected {
        number: "三(二)4",
        title: "加强规范性文件备案审查,进一步提高制度建设质量",
        lead: LEGAL,
        co_lead: NONE,
        participants: &[("各县(区)人民政府", Group("county-governments")), ("市级各部门", Group("municipal-departments"))],
        milestones: &[],
    },
    Expected {
        number: "三(二)5",
        title: "完善行政效能监察制度",
        lead: &[("市行政效能办公室", Units(&["市行政效能办公室"]))],
        co_lead: NONE,
        participants: &[
            ("监察", Units(&["市监察局"])),
            ("财政", Units(&["市财政局"])),
            ("审计", Units(&["市审计局"])),
            ("统计", Units(&["市统计局"])),
            ("人事", Units(&["市人事局"])),
            ("法制", Units(&["市政府法制办公室"])),
            ("政府目标督查机构", Units(&["市政府目标督查室"])),
            ("政务中心", Units(&["市政务服务中心"])),
        ],
        milestones: &[],
    },
    Expected {
        number: "三(三)1",
        title: "切实做好新时期信访工作",
        lead: &[("市政府信访局", Units(&["市政府信访局"]))],
        co_lead: NONE,
        participants: ALL_DEPTS,
        milestones: &[],
    },
    Expected {
        number: "三(三)2",
        title: "完善行政复议制度,努力提高案件质量",
        lead: LEGAL,
        co_lead: NONE,
        participants: &[
            ("财政", Units(&["市财政局"])),
            ("人事", Units(&["市人事局"])),
            ("政府目标督查机构", Units(&["市政府目标督查室"])),
        ],
        milestones: &[],
    },
    Expected {
        number: "三(三)3",
        title: "做好行政应诉工作,积极推行行政首长出庭应诉制度",
        lead: LEGAL,
        co_lead: NONE,
        participants: ALL_DEPTS,
        milestones: &[],
    },
    Expected {
        number: "三(三)4",
        title: "建立健全突发公共事件应急处理机制,妥善处理各种突发事件",
        lead: &[("市政府应急办", Units(&["市政府应急办公室"]))],
        co_lead: NONE,
        participants: &[("各县(区)人民政府", Group("county-governments")), ("市级各部门", Group("municipal-departments"))],
        milestones: &[],
    },
    Expected {
        number: "三(四)",
        title: "切实加强政府法制机构和队伍建设,不断开创法制工作新局面",
        lead: NONE,
        co_lead: &[
            ("各县(区)人民政府", Group("county-governments")),
            ("财政", Units(&["市财政局"])),
            ("人事", Units(&["市人事局"])),
            ("法制", Units(&["市政府法制办公室"])),
        ],
        participants: ALL_DEPTS,
        milestones: &[(
            "2008-07-31",
            "各地各部门要充分认识加强政府法制机构建设的重要性,切实贯彻落实全国全省市县政府依法行政工作会议精神,\
             加强政府法制机构尤其是县(区)政府法制机构建设,各县(区)政府要安排机构编制管理部门会同法制机构开展调查研究工作,于2008年7月底前向本级政府提出切实加强县(区)政府法制机构建设工作的具体建议",
        )],
    },
];

fn check_refs(dir: &Directory, item: &str, role: &str, got: &[UnitRef], want: Refs) {
    let names: Vec<&str> = got.iter().map(|r| r.name.as_str()).collect();
    let want_names: Vec<&str> = want.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, want_names, "{item} {role}: names");
    for (r, (_, u)) in got.iter().zip(want) {
        match u {
            Units(units) => {
                assert_eq!(r.resolution, RefKind::Unit, "{item} {role} {}", r.name);
                assert_eq!(r.units, *units, "{item} {role} {}", r.name);
            }
            Group(key) => {
                assert_eq!(r.resolution, RefKind::Group, "{item} {role} {}", r.name);
                assert_eq!(r.group.as_deref(), Some(*key));
                let members: Vec<String> = dir
                    .group_members(key)
                    .iter()
                    .map(|u| u.name.clone())
                    .collect();
                assert!(!members.is_empty());
                assert_eq!(r.units, members, "{item} {role} {}", r.name);
            }
            Choose(key) => {
                assert_eq!(
                    r.resolution,
                    RefKind::ChooseFromGroup,
                    "{item} {role} {}",
                    r.name
                );
                assert_eq!(r.group.as_deref(), Some(*key));
                assert!(r.units.is_empty());
            }
        }
    }
}

fn seed_plan() -> (Directory, Plan) {
    let dir = Directory::bundled_bazhong_2008();
    let plan = parse_and_resolve(SEED, &dir).expect("the seed parses");
    (dir, plan)
}

#[test]
fn seed_header() {
    let (_, plan) = seed_plan();
    assert_eq!(plan.title, "巴中市人民政府全面推进依法行政工作2008年度安排");
    assert_eq!(plan.doc_number.as_deref(), Some("巴府办发[2008]14号"));
    assert_eq!(plan.issuer.as_deref(), Some("四川省巴中市人民政府办公室"));
    assert_eq!(plan.issued_on, NaiveDate::from_ymd_opt(2008, 4, 14));
    assert_eq!(plan.year, 2008);
    let addressees: Vec<(&str, Vec<String>)> = plan
        .addressees
        .iter()
        .map(|a| (a.name.as_str(), a.units.clone()))
        .collect();
    assert_eq!(addressees.len(), 4);
    assert_eq!(addressees[0].0, "各县(区)人民政府");
    assert_eq!(addressees[0].1.len(), 4);
    assert_eq!(addressees[1].0, "市级各部门");
    assert_eq!(
        addressees[2],
        (
            "市经济开发区商贸园管委会",
            vec!["市经济开发区商贸园管委会".to_string()]
        )
    );
    assert_eq!(
        addressees[3],
        ("工业园管委会", vec!["市经济开发区工业园管委会".to_string()])
    );
}

#[test]
fn seed_sections() {
    let (_, plan) = seed_plan();
    let top: Vec<(&str, &str)> = plan
        .sections
        .iter()
        .filter(|s| s.depth <= 2)
        .map(|s| (s.number.as_str(), s.title.as_str()))
        .collect();
    assert_eq!(
        top,
        [
            ("一", "指导思想"),
            ("二", "工作重点"),
            ("三", "工作安排"),
            ("三(一)", "深化行政管理体制改革,推进行政管理方式创新"),
            ("三(二)", "规范行政执法行为,加大执法监督力度"),
            ("三(三)", "探索预防和化解社会矛盾新机制"),
            (
                "三(四)",
                "切实加强政府法制机构和队伍建设,不断开创法制工作新局面"
            ),
        ]
    );
    assert_eq!(plan.sections.len(), 7 + 14);
}

#[test]
fn seed_items_exactly() {
    let (dir, plan) = seed_plan();
    let numbers: Vec<&str> = plan.items.iter().map(|i| i.number.as_str()).collect();
    let want: Vec<&str> = EXPECTED.iter().map(|e| e.number).collect();
    assert_eq!(numbers, want);
    let end_of_year = NaiveDate::from_ymd_opt(2008, 12, 31).unwrap();
    for (item, e) in plan.items.iter().zip(EXPECTED) {
        assert_eq!(item.title, e.title, "{}", e.number);
        check_refs(&dir, e.number, "lead", &item.lead, e.lead);
        check_refs(&dir, e.number, "co_lead", &item.co_lead, e.co_lead);
        check_refs(
            &dir,
            e.number,
            "participants",
            &item.participants,
            e.participants,
        );
        assert_eq!(item.deadline, end_of_year, "{}", e.number);
        assert_eq!(
            item.deadline_source,
            DeadlineSource::EndOfPlanYear,
            "{}",
            e.number
        );
        let milestones: Vec<(String, &str)> = item
            .milestones
            .iter()
            .map(|m| (m.date.to_string(), m.text.as_str()))
            .collect();
        let want: Vec<(String, &str)> = e
            .milestones
            .iter()
            .map(|(d, t)| (d.to_string(), *t))
            .collect();
        assert_eq!(milestones, want, "{}", e.number);
        assert!(
            item.body.ends_with('。'),
            "{}: body {:?}",
            e.number,
            item.body
        );
    }
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn seed_item_bodies_hold_the_assignment_sentence() {
    let (_, plan) = seed_plan();
    let four = &plan.items[3];
    assert!(four.body.starts_with("进一步减少和规范审批事项"));
    assert!(four
        .body
        .ends_with("此项工作由市监察局、市政务服务中心、市政府法制办牵头负责,市级各部门参加。"));
    let last = plan.items.last().unwrap();
    assert!(last.body.starts_with("各地各部门要充分认识"));
    assert!(last.body.ends_with("市级各部门参加。"), "{:?}", last.body);
}

#[test]
fn every_unit_name_in_the_seed_resolves() {
    let (_, plan) = seed_plan();
    let refs = plan.addressees.iter().chain(
        plan.items
            .iter()
            .flat_map(|i| i.lead.iter().chain(&i.co_lead).chain(&i.participants)),
    );
    let mut n = 0;
    for r in refs {
        n += 1;
        match r.resolution {
            RefKind::Unit | RefKind::Group => assert!(!r.units.is_empty(), "{}", r.name),
            RefKind::ChooseFromGroup => assert_eq!(r.name, "市级相关部门"),
            other => panic!("{} resolved as {other:?}", r.name),
        }
    }
    assert!(n > 50);
}

#[test]
fn parse_is_free_of_the_directory() {
    let parsed = parse(SEED).unwrap();
    assert!(parsed
        .plan()
        .items
        .iter()
        .flat_map(|i| &i.lead)
        .all(|r| r.resolution == RefKind::Unresolved && r.units.is_empty()));
    let resolved = resolve(&parsed, &Directory::bundled_bazhong_2008());
    assert_eq!(resolved.items.len(), 15);
}

#[test]
fn seed_json_shape() {
    let (_, plan) = seed_plan();
    let v = serde_json::to_value(&plan).unwrap();
    assert_eq!(v["items"][14]["deadline"], "2008-12-31");
    assert_eq!(v["items"][14]["deadline_source"], "end of plan year");
    assert_eq!(v["items"][14]["milestones"][0]["date"], "2008-07-31");
    assert_eq!(v["items"][0]["lead"][0]["name"], "市政府办公室");
    assert_eq!(v["items"][0]["lead"][0]["units"][0], "市政府办公室");
}
