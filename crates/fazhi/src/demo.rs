//! The demo that `serve --demo` loads: the Bazhong 2008 directory, one account per role, and a
//! few unit contact profiles. Idempotent: a second start changes nothing.

use fazhi_store::access::{AdminHandle, Role, RoleGrant};
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
    DemoUser { username: "admin", name: "系统管理员", unit: "general-office", role: Role::Administrator, what: "administrator / 系统管理员" },
    DemoUser { username: "fazhiban", name: "法制办 王科长", unit: "legal-affairs-office", role: Role::Supervisor, what: "supervisor, all units / 法制监督(全市)" },
    DemoUser { username: "bangongshi", name: "市政府办公室 李干事", unit: "general-office", role: Role::Officer, what: "officer, 市政府办公室" },
    DemoUser { username: "xinfang", name: "市信访局 张干事", unit: "petition-bureau", role: Role::Officer, what: "officer, 市政府信访局" },
    DemoUser { username: "shenji", name: "审计员 赵审计", unit: "audit-bureau", role: Role::Auditor, what: "auditor, read-only / 审计员(只读)" },
];

pub async fn load(db: &Db) -> StoreResult<()> {
    let admin = AdminHandle::command_line("serve --demo");
    directory::import(db, &admin, &fazhi_org::Directory::bundled_bazhong_2008()).await?;
    let existing: Vec<String> = accounts::list_users(db, &admin).await?.into_iter().map(|u| u.username).collect();
    for u in USERS.iter().filter(|u| !existing.iter().any(|e| e == u.username)) {
        accounts::create_user(
            db,
            &admin,
            accounts::NewUser {
                username: u.username.into(),
                display_name: u.name.into(),
                password: DEMO_PASSWORD.into(),
                unit_key: u.unit.into(),
                grants: vec![RoleGrant { role: u.role, scope: None }],
            },
        )
        .await?;
    }
    let profiles = [
        ("general-office", "市政府办公室政务公开科", "巴中市江北大道市政府大楼 2 楼", "0827-5261000", "工作日 9:00–12:00, 14:30–17:30"),
        ("petition-bureau", "市政府信访局接待科", "巴中市江北大道市政府大楼 1 楼", "0827-5262000", "工作日 9:00–12:00, 14:30–17:30"),
        ("legal-affairs-office", "市政府法制办公室复议科", "巴中市江北大道市政府大楼 5 楼", "0827-5263000", "工作日 9:00–12:00, 14:30–17:30"),
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
    Ok(())
}

async fn demo_principal(db: &Db, username: &str) -> StoreResult<Principal> {
    let admin = AdminHandle::command_line("serve --demo");
    let id = accounts::list_users(db, &admin)
        .await?
        .into_iter()
        .find(|u| u.username == username)
        .map(|u| u.id)
        .ok_or(StoreError::NotFound { entity: "user", key: username.into() })?;
    Principal::load(db, id).await
}

pub fn print_logins() {
    println!("demo accounts (password {DEMO_PASSWORD}) / 演示账号(密码 {DEMO_PASSWORD}):");
    for u in USERS {
        println!("  {:<12} {}", u.username, u.what);
    }
}
