//! The verbs that need the database: `serve`, `migrate`, `user add`, `org import`,
//! `audit verify`, `backup`, and the demo data that `serve --demo` loads.

use crate::error::{CliError, CliResult};
use clap::{Args, Subcommand};
use fazhi_store::access::{AdminHandle, Role, RoleGrant};
use fazhi_store::{accounts, audit, directory, Db, StoreError};

/// Where the database is. SQLite by default (created on first run); PostgreSQL for several
/// `fazhi serve` processes sharing one database.
#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB
    #[arg(long, env = "FAZHI_DB", default_value = "sqlite://fazhi.db")]
    pub db: String,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on; port 0 picks a free port (the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Load the Bazhong 2008 demo: directory, demo accounts (printed) and sample data.
    #[arg(long)]
    pub demo: bool,
    /// Mark cookies Secure (set this when users reach fazhi over HTTPS).
    #[arg(long, env = "FAZHI_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCmd {
    /// Create an account. The password is read from FAZHI_PASSWORD or asked for on stdin.
    Add {
        #[command(flatten)]
        db: DbArgs,
        username: String,
        /// The unit the person belongs to (its key or any name that resolves to one unit).
        #[arg(long)]
        unit: String,
        /// The person's name as shown.
        #[arg(long)]
        name: String,
        /// Role, repeatable: administrator | supervisor[:UNIT] | officer | auditor[:UNIT].
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Check the whole hash chain; exit 1 and name the first broken entry if it is not intact.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        json: bool,
    },
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failure(format!("cannot start the runtime: {e}")))
}

pub fn store_error(e: StoreError) -> CliError {
    let message = format!("{}\n{}", e.message_zh(), e.message_en());
    match e {
        StoreError::Db(_) | StoreError::Database(_) | StoreError::Migration(_) => {
            CliError::failure(format!("{message}\n({e})"))
        }
        StoreError::NotFound { .. } => CliError::not_found(message),
        _ => CliError::usage(message),
    }
}

pub async fn open_db(db: &DbArgs) -> Result<Db, CliError> {
    let conn = Db::connect(&db.db).await.map_err(store_error)?;
    conn.migrate().await.map_err(store_error)?;
    Ok(conn)
}

pub fn migrate(db: DbArgs) -> CliResult {
    runtime()?.block_on(async {
        let conn = Db::connect(&db.db).await.map_err(store_error)?;
        let applied = conn.migrate().await.map_err(store_error)?;
        if applied.is_empty() {
            println!("up to date");
        }
        for m in applied {
            println!("applied {m}");
        }
        Ok(())
    })
}

pub fn serve(args: ServeArgs) -> CliResult {
    init_tracing();
    pin_demo_clock(args.demo)?;
    runtime()?.block_on(async {
        let db = open_db(&args.db).await?;
        if args.demo {
            crate::demo::load(&db).await.map_err(store_error)?;
        }
        let listener = tokio::net::TcpListener::bind(&args.addr)
            .await
            .map_err(|e| CliError::failure(format!("cannot listen on {}: {e}", args.addr)))?;
        let local = listener
            .local_addr()
            .map_err(|e| CliError::failure(e.to_string()))?;
        if args.demo {
            crate::demo::print_logins();
        }
        // The address comes last: scripts and tests wait for this line, then may stop reading.
        println!("fazhi listening on http://{local}");
        spawn_sweeper(db.clone());
        let state = fazhi_web::AppState {
            db: db.clone(),
            secure_cookies: args.secure_cookies,
            public_cache: Default::default(),
        };
        fazhi_web::serve(state, listener)
            .await
            .map_err(|e| CliError::failure(e.to_string()))?;
        db.close().await;
        Ok(())
    })
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FAZHI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .json()
        .try_init();
}

fn parse_grant(s: &str) -> Result<RoleGrant, CliError> {
    let (role, scope) = match s.split_once(':') {
        Some((r, scope)) => (r, Some(scope.to_string())),
        None => (s, None),
    };
    let role = Role::parse(role).map_err(store_error)?;
    Ok(RoleGrant { role, scope })
}

/// A unit given on the command line: its key, or a name that resolves to exactly one unit.
pub async fn resolve_unit_key(db: &Db, given: &str) -> Result<String, CliError> {
    if directory::unit_by_key(db, given).await.is_ok() {
        return Ok(given.to_string());
    }
    let dir = directory::load_directory(db).await.map_err(store_error)?;
    match dir.resolve(given) {
        fazhi_org::Resolution::Unit(k) => Ok(k),
        _ => Err(CliError::usage(format!(
            "未知单位或不唯一:{given}\nunknown or ambiguous unit: {given}"
        ))),
    }
}

pub fn user(cmd: UserCmd) -> CliResult {
    let UserCmd::Add {
        db,
        username,
        unit,
        name,
        roles,
    } = cmd;
    let grants = roles
        .iter()
        .map(|r| parse_grant(r))
        .collect::<Result<Vec<_>, _>>()?;
    let password = match std::env::var("FAZHI_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("password for {username}:");
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| CliError::failure(e.to_string()))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    runtime()?.block_on(async {
        let conn = open_db(&db).await?;
        let unit_key = resolve_unit_key(&conn, &unit).await?;
        let mut resolved = Vec::new();
        for g in grants {
            let scope = match g.scope {
                Some(s) => Some(resolve_unit_key(&conn, &s).await?),
                None => None,
            };
            resolved.push(RoleGrant {
                role: g.role,
                scope,
            });
        }
        let new = accounts::NewUser {
            username: username.clone(),
            display_name: name,
            password,
            unit_key,
            grants: resolved,
        };
        let id = accounts::create_user(&conn, &AdminHandle::command_line("user add"), new)
            .await
            .map_err(store_error)?;
        println!("created user {username} (id {id})");
        Ok(())
    })
}

pub fn audit(cmd: AuditCmd) -> CliResult {
    let AuditCmd::Verify { db, json } = cmd;
    runtime()?.block_on(async {
        let conn = open_db(&db).await?;
        let report = audit::verify(&conn).await.map_err(store_error)?;
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("report serialises")
            );
        } else if let Some(b) = &report.first_broken {
            println!(
                "BROKEN at entry {}: {}\n第 {} 条起审计链损坏:{}",
                b.seq, b.reason_en, b.seq, b.reason_zh
            );
        } else {
            println!("ok: {} entries, chain intact", report.entries);
        }
        match report.first_broken {
            Some(_) => Err(CliError::not_found("audit chain broken / 审计链损坏")),
            None => Ok(()),
        }
    })
}

pub fn backup(db: DbArgs, path: String) -> CliResult {
    runtime()?.block_on(async {
        let conn = open_db(&db).await?;
        conn.backup_sqlite(&path).await.map_err(store_error)?;
        println!("backup written to {path}");
        Ok(())
    })
}

pub fn org_import(db: DbArgs, file: String) -> CliResult {
    let src = std::fs::read_to_string(&file)
        .map_err(|e| CliError::usage(format!("cannot read {file}: {e}")))?;
    let dir = fazhi_org::Directory::from_toml_str(&src, &file)
        .map_err(|e| CliError::usage(e.to_string()))?;
    runtime()?.block_on(async {
        let conn = open_db(&db).await?;
        let r = directory::import(&conn, &AdminHandle::command_line("org import"), &dir)
            .await
            .map_err(store_error)?;
        println!(
            "units added {}, updated {}; aliases added {}; groups written {}",
            r.units_added, r.units_updated, r.aliases_added, r.groups_written
        );
        Ok(())
    })
}

pub fn plan_import(db: DbArgs, notice: crate::cmd_plan::Notice) -> CliResult {
    runtime()?.block_on(async {
        let conn = open_db(&db).await?;
        let dir = directory::load_directory(&conn).await.map_err(store_error)?;
        if dir.units().is_empty() {
            return Err(CliError::usage(
                "数据库中尚无单位目录,请先运行 fazhi org import FILE\nthe database has no directory yet: run `fazhi org import FILE` first",
            ));
        }
        let plan = fazhi_plan::parse_and_resolve(&notice.text, &dir)
            .map_err(|e| CliError::usage(format!("{}: {e}", notice.shown)))?;
        let out = fazhi_store::plans::import(&conn, &AdminHandle::command_line("plan import"), &plan)
            .await
            .map_err(store_error)?;
        if out.created {
            println!("imported plan {} (id {}): {} items, {} unit assignments", plan.title, out.plan_id, out.items, out.assignments);
        } else {
            println!("already imported (id {}): nothing changed", out.plan_id);
        }
        for u in &out.unresolved {
            println!("unresolved, for a person to map: {u}");
        }
        Ok(())
    })
}

/// The directory stored in the database at `url`, with remembered aliases.
pub fn stored_directory(url: &str) -> Result<fazhi_org::Directory, CliError> {
    runtime()?.block_on(async {
        let conn = open_db(&DbArgs { db: url.to_string() }).await?;
        let dir = directory::load_directory(&conn).await.map_err(store_error)?;
        if dir.units().is_empty() {
            return Err(CliError::usage(
                "数据库中尚无单位目录,请先运行 fazhi org import FILE\nthe database has no directory yet: run `fazhi org import FILE` first",
            ));
        }
        Ok(dir)
    })
}

/// `FAZHI_TODAY=YYYY-MM-DD` pins today for a demonstration or a browser test, so that what it
/// shows does not depend on the day it runs. Refused without `--demo`: a real database always
/// runs on the real date.
fn pin_demo_clock(demo: bool) -> CliResult {
    let Ok(value) = std::env::var("FAZHI_TODAY") else {
        return Ok(());
    };
    if !demo {
        return Err(CliError::usage(
            "FAZHI_TODAY 只能与 --demo 一起使用：真实数据库始终按真实日期运行 / FAZHI_TODAY works only with --demo: a real database always runs on the real date",
        ));
    }
    let date = value.trim().parse().map_err(|_| {
        CliError::usage(format!(
            "FAZHI_TODAY 应为 YYYY-MM-DD 格式的日期，收到“{value}” / FAZHI_TODAY must be a date YYYY-MM-DD, got \"{value}\""
        ))
    })?;
    fazhi_store::clock::pin_today_for_demo(date);
    Ok(())
}

/// The scheduled sweep inside `serve`: at start and then every `FAZHI_SWEEP_SECONDS` (default
/// an hour). The period is the hour, so of several processes sharing a database one sweeps.
fn spawn_sweeper(db: Db) {
    let every = std::env::var("FAZHI_SWEEP_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3600u64);
    let node = format!(
        "{}:{}",
        std::env::var("HOSTNAME").unwrap_or_else(|_| "fazhi".into()),
        std::process::id()
    );
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(every.max(1)));
        loop {
            tick.tick().await;
            let now = fazhi_store::clock::now_beijing();
            let period = format!("auto {}", now.format("%Y-%m-%dT%H"));
            match fazhi_store::cases::sweep(&db, now.date_naive(), &period, &node).await {
                Ok(r) if r.ran => {
                    tracing::info!(warnings = r.warnings, alarms = r.alarms, period, "sweep")
                }
                Ok(_) => tracing::debug!(period, "sweep: another process swept this period"),
                Err(e) => tracing::error!(error = %e, "sweep failed"),
            }
        }
    });
}
