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
    load_seed_plan(db, &admin).await
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
