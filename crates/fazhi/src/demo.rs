//! The demo that `serve --demo` loads: the Bazhong 2008 directory, one account per role, a few
//! unit contact profiles, and the seed plan (巴府办发[2008]14号) with some progress reports.
//! Idempotent: a second start changes nothing.

use fazhi_store::access::{AdminHandle, Role, RoleGrant};
use fazhi_store::plans::{self, NewReport, ReportStatus};
use fazhi_store::profile::Profile;
use fazhi_store::{accounts, directory, profile, Db, Principal, StoreError, StoreResult};

/// The demo accounts' shared password. Demo data only: never use `--demo` for real work.
pub const DEMO_PASSWORD: &str = "fazhi-demo-2008";

struct DemoUser {
    username: &'static str,
    name: &'static str,
    unit: &'static str,
    role: Role,
    what: &'static str,
}

const USERS: &[DemoUser] = &[
    DemoUser {
        username: "admin",
        name: "系统管理员",
        unit: "general-office",
        role: Role::Administrator,
        what: "administrator / 系统管理员",
    },
    DemoUser {
        username: "fazhiban",
        name: "法制办 王科长",
        unit: "legal-affairs-office",
        role: Role::Supervisor,
        what: "supervisor, all units / 法制监督(全市)",
    },
    DemoUser {
        username: "bangongshi",
        name: "市政府办公室 李干事",
        unit: "general-office",
        role: Role::Officer,
        what: "officer, 市政府办公室",
    },
    DemoUser {
        username: "xinfang",
        name: "市信访局 张干事",
        unit: "petition-bureau",
        role: Role::Officer,
        what: "officer, 市政府信访局",
    },
    DemoUser {
        username: "shenji",
        name: "审计员 赵审计",
        unit: "audit-bureau",
        role: Role::Auditor,
        what: "auditor, read-only / 审计员(只读)",
    },
];

pub async fn load(db: &Db) -> StoreResult<()> {
    let admin = AdminHandle::command_line("serve --demo");
    directory::import(db, &admin, &fazhi_org::Directory::bundled_bazhong_2008()).await?;
    let existing: Vec<String> = accounts::list_users(db, &admin)
        .await?
        .into_iter()
        .map(|u| u.username)
        .collect();
    for u in USERS
        .iter()
        .filter(|u| !existing.iter().any(|e| e == u.username))
    {
        accounts::create_user(
            db,
            &admin,
            accounts::NewUser {
                username: u.username.into(),
                display_name: u.name.into(),
                password: DEMO_PASSWORD.into(),
                unit_key: u.unit.into(),
                grants: vec![RoleGrant {
                    role: u.role,
                    scope: None,
                }],
            },
        )
        .await?;
    }
    let profiles = [
        (
            "general-office",
            "市政府办公室政务公开科",
            "巴中市江北大道市政府大楼 2 楼",
            "0827-5261000",
            "工作日 9:00–12:00, 14:30–17:30",
        ),
        (
            "petition-bureau",
            "市政府信访局接待科",
            "巴中市江北大道市政府大楼 1 楼",
            "0827-5262000",
            "工作日 9:00–12:00, 14:30–17:30",
        ),
        (
            "legal-affairs-office",
            "市政府法制办公室复议科",
            "巴中市江北大道市政府大楼 5 楼",
            "0827-5263000",
            "工作日 9:00–12:00, 14:30–17:30",
        ),
    ];
    let supervisor = demo_principal(db, "fazhiban").await?;
    for (unit, desk, address, phone, hours) in profiles {
        let handle = supervisor.write_unit(db, unit).await?;
        if profile::get(db, handle.as_read()).await? == Profile::default() {
            let p = Profile {
                disclosure_contact: desk.into(),
                address: address.into(),
                phone: phone.into(),
                office_hours: hours.into(),
            };
            profile::update(db, &handle, &p).await?;
        }
    }
    load_seed_plan(db, &admin).await?;
    load_demo_cases(db).await?;
    fazhi_store::penalties::load_demo(db).await
}

/// A few cases of each kind, dated in 2026 so their deadlines fall within the calendar's years.
/// The parties' names and numbers are invented; `no_personal_data_reaches_a_public_page`
/// (tests/plans.rs) checks that none of them is ever shown to the public.
async fn load_demo_cases(db: &Db) -> StoreResult<()> {
    let any = fazhi_store::cases::list(
        db,
        &demo_principal(db, "fazhiban").await?,
        &Default::default(),
        date("2026-11-27"),
    )
    .await?;
    if !any.is_empty() {
        return Ok(());
    }
    let go = demo_principal(db, "bangongshi").await?;
    let pb = demo_principal(db, "xinfang").await?;
    let fields = |pairs: &[(&str, &str)]| -> std::collections::BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let go_unit = go.write_unit(db, "general-office").await?;
    let pb_unit = pb.write_unit(db, "petition-bureau").await?;
    use fazhi_store::cases::{act, open_case};
    // Replied on time.
    let a = open_case(
        db,
        &go_unit,
        &go,
        "disclosure_request",
        date("2026-09-07"),
        fields(&[
            ("channel", "online"),
            ("applicant_name", "陈明"),
            ("applicant_contact", "13980001234"),
            ("information_sought", "2025年度市级部门预算执行情况"),
        ]),
    )
    .await?;
    act(
        db,
        &go,
        a,
        "reply",
        date("2026-09-25"),
        fields(&[("reply_type", "disclose")]),
        None,
    )
    .await?;
    // Open, extended, due in December.
    let b = open_case(
        db,
        &go_unit,
        &go,
        "disclosure_request",
        date("2026-10-19"),
        fields(&[
            ("channel", "post"),
            ("applicant_name", "刘芳"),
            ("applicant_contact", "13880005678"),
            ("information_sought", "旧城改造项目征收补偿方案"),
        ]),
    )
    .await?;
    act(
        db,
        &go,
        b,
        "extend",
        date("2026-11-13"),
        fields(&[("approver", "办公室主任"), ("reason", "需征求第三方意见")]),
        None,
    )
    .await?;
    // Received a month ago and not answered: overdue.
    open_case(
        db,
        &go_unit,
        &go,
        "disclosure_request",
        date("2026-10-26"),
        fields(&[
            ("channel", "in_person"),
            ("applicant_name", "赵强"),
            ("information_sought", "城区停车收费标准依据"),
        ]),
    )
    .await?;
    // A petition accepted and being handled.
    let p = open_case(
        db,
        &pb_unit,
        &pb,
        "petition",
        date("2026-10-12"),
        fields(&[
            ("channel", "letter"),
            ("petitioner_name", "刘芳"),
            ("petitioner_contact", "13880005678"),
            ("matter", "反映小区噪声扰民"),
        ]),
    )
    .await?;
    act(db, &pb, p, "accept", date("2026-10-20"), fields(&[]), None).await?;
    // A petition that belongs to reconsideration: the petitioner is told to apply for it, which
    // ends the petition and opens nothing in the petition bureau (信访条例 2005 Art 21, 信访工作
    // 条例 2022 Art 31).
    let q = open_case(
        db,
        &pb_unit,
        &pb,
        "petition",
        date("2026-11-02"),
        fields(&[
            ("channel", "visit"),
            ("petitioner_name", "巴中市恒达建材有限公司"),
            ("matter", "不服市场监管部门罚款决定"),
        ]),
    )
    .await?;
    act(
        db,
        &pb,
        q,
        "refer",
        date("2026-11-06"),
        fields(&[
            ("referred_to", "reconsideration"),
            ("notified_on", "2026-11-06"),
            ("referral_notice", "巴信告〔2026〕12号"),
        ]),
        None,
    )
    .await?;
    // The company applies; the legal affairs office, the reconsideration body, opens the case
    // and names the petition, which links the two. It is accepted, the copy goes to the
    // respondent and the reply is in: only the decision runs, due in January 2027.
    let lao = demo_principal(db, "fazhiban").await?;
    let lao_unit = lao.write_unit(db, "legal-affairs-office").await?;
    let r = fazhi_store::referrals::open_case(
        db,
        &lao_unit,
        &lao,
        "reconsideration",
        date("2026-11-16"),
        fields(&[
            ("received_on", "2026-11-16"),
            ("applicant_name", "巴中市恒达建材有限公司"),
            ("respondent", "市市场监督管理局"),
            ("matter", "请求撤销罚款决定"),
            ("referred_from_petition", &q.to_string()),
        ]),
    )
    .await?;
    for (action, on, extra) in [
        ("accept", "2026-11-18", &[][..]),
        (
            "send_copy",
            "2026-11-19",
            &[("served_on", "2026-11-19")][..],
        ),
        (
            "respondent_reply",
            "2026-11-26",
            &[("reply_summary", "罚款决定事实清楚、依据充分")][..],
        ),
    ] {
        act(db, &lao, r, action, date(on), fields(extra), None).await?;
    }
    Ok(())
}

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("demo dates are valid")
}

/// The founding notice, shipped in data/ as the demo plan and a test fixture.
const SEED_PLAN: &str = include_str!("../../../data/seed/bazhong-2008-plan.txt");

async fn load_seed_plan(db: &Db, admin: &AdminHandle) -> StoreResult<()> {
    let dir = directory::load_directory(db).await?;
    let plan = fazhi_plan::parse_and_resolve(SEED_PLAN, &dir)
        .map_err(|e| StoreError::invalid("plan", e.to_string(), e.to_string()))?;
    let outcome = plans::import(db, admin, &plan).await?;
    if !outcome.created {
        return Ok(());
    }
    let date =
        |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("demo dates are valid");
    let items = plans::items(db, outcome.plan_id, date("2008-06-30")).await?;
    let id_of = |number: &str| items.iter().find(|i| i.number == number).map(|i| i.id);
    let reports = [
        (
            "bangongshi",
            "三(一)3",
            "2008-05-20",
            ReportStatus::InProgress,
            "已修订《巴中市政府信息公开规定》实施细则,政府网站开设信息公开专栏。",
        ),
        (
            "bangongshi",
            "三(一)3",
            "2008-06-27",
            ReportStatus::InProgress,
            "全市 38 个市级部门已编制信息公开指南和目录。",
        ),
        (
            "xinfang",
            "三(三)1",
            "2008-06-16",
            ReportStatus::InProgress,
            "建立信访、行政复议、行政诉讼衔接联席会议制度,召开第一次会议。",
        ),
        (
            "fazhiban",
            "三(二)1",
            "2008-06-30",
            ReportStatus::InProgress,
            "完成 2007 年度行政执法案卷评查,抽查案卷 120 件。",
        ),
    ];
    for (username, number, on, status, text) in reports {
        let who = demo_principal(db, username).await?;
        let Some(item_id) = id_of(number) else {
            continue;
        };
        let unit = who.write_unit(db, &who.unit_key).await?;
        plans::file_report(
            db,
            &unit,
            item_id,
            &NewReport {
                reported_on: date(on),
                status,
                text: text.into(),
            },
        )
        .await?;
    }
    let go = demo_principal(db, "bangongshi").await?;
    if let Some(item_id) = id_of("三(一)5") {
        let unit = go.write_unit(db, &go.unit_key).await?;
        plans::close_item(
            db,
            &unit,
            item_id,
            date("2008-11-28"),
            "各部门已报送行政管理方式创新做法,形成汇编。",
        )
        .await?;
    }
    Ok(())
}

async fn demo_principal(db: &Db, username: &str) -> StoreResult<Principal> {
    let admin = AdminHandle::command_line("serve --demo");
    let id = accounts::list_users(db, &admin)
        .await?
        .into_iter()
        .find(|u| u.username == username)
        .map(|u| u.id)
        .ok_or(StoreError::NotFound {
            entity: "user",
            key: username.into(),
        })?;
    Principal::load(db, id).await
}

pub fn print_logins() {
    println!("demo accounts (password {DEMO_PASSWORD}) / 演示账号(密码 {DEMO_PASSWORD}):");
    for u in USERS {
        println!("  {:<12} {}", u.username, u.what);
    }
}
