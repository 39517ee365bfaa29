//! The verbs that need the database: `serve`, `migrate`, `user add`, `org import`,
//! `audit verify|checkpoint|keygen`, `backup`, and the demo data that `serve --demo` loads.

use crate::error::{CliError, CliResult};
use clap::{Args, Subcommand};
use fazhi_store::access::{AdminHandle, Role, RoleGrant};
use fazhi_store::audit::checkpoint::{self, AuditKey, Checkpoint, PublicKey};
use fazhi_store::{accounts, audit, directory, Db, StoreError};
use std::path::PathBuf;

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
    /// The Ed25519 key (from `fazhi audit keygen`) to sign checkpoints of the audit chain with:
    /// at start and every FAZHI_CHECKPOINT_SECONDS (default 600) when the head moved. Keep it
    /// outside the database's reach; without it no checkpoint is made.
    #[arg(long, env = "FAZHI_SIGNING_KEY")]
    pub signing_key: Option<PathBuf>,
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
    /// Check the whole hash chain, the stored checkpoints, and every case's and penalty's rows
    /// against the trail; exit 1 and name what is broken if anything is.
    Verify {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        json: bool,
        /// A checkpoint seen earlier (a file, as `audit checkpoint` prints it or the portal's
        /// /audit/checkpoints.json, or its text itself; - reads stdin): prove that the chain
        /// still extends it. Needs --public-key.
        #[arg(long)]
        since: Option<String>,
        /// The public key checkpoints are signed with (PEM, `audit keygen`'s PATH.pub).
        #[arg(long, env = "FAZHI_AUDIT_PUBLIC_KEY")]
        public_key: Option<PathBuf>,
    },
    /// Sign the chain's head with the signing key and store the checkpoint; print it (text, or
    /// JSON with --json). Refused (exit 1) if the chain does not extend this key's last one.
    Checkpoint {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, env = "FAZHI_SIGNING_KEY")]
        signing_key: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Make a new Ed25519 signing key: PATH (private, mode 0600) and PATH.pub (public, to
    /// publish). Never overwrites a file.
    Keygen { path: PathBuf },
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
    let key = args
        .signing_key
        .as_deref()
        .map(AuditKey::load)
        .transpose()
        .map_err(store_error)?;
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
        let audit_key = key
            .as_ref()
            .map(|k| std::sync::Arc::new(k.public().clone()));
        if let Some(key) = key {
            spawn_checkpointer(db.clone(), key);
        }
        let state = fazhi_web::AppState {
            db: db.clone(),
            secure_cookies: args.secure_cookies,
            public_cache: Default::default(),
            audit_key,
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
    match cmd {
        AuditCmd::Verify {
            db,
            json,
            since,
            public_key,
        } => audit_verify(db, json, since, public_key),
        AuditCmd::Checkpoint {
            db,
            signing_key,
            json,
        } => audit_checkpoint(db, &signing_key, json),
        AuditCmd::Keygen { path } => audit_keygen(&path),
    }
}

/// A checkpoint given on the command line: a file, `-` for stdin, or the text itself.
fn read_checkpoint(given: &str) -> Result<Checkpoint, CliError> {
    let text = if given == "-" {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| CliError::usage(format!("cannot read stdin: {e}")))?
    } else if std::path::Path::new(given).is_file() {
        std::fs::read_to_string(given)
            .map_err(|e| CliError::usage(format!("cannot read {given}: {e}")))?
    } else {
        given.to_string()
    };
    Checkpoint::parse(&text).map_err(store_error)
}

fn audit_verify(
    db: DbArgs,
    json: bool,
    since: Option<String>,
    public_key: Option<PathBuf>,
) -> CliResult {
    let since = since.as_deref().map(read_checkpoint).transpose()?;
    let public_key = public_key
        .as_deref()
        .map(PublicKey::load)
        .transpose()
        .map_err(store_error)?;
    if since.is_some() && public_key.is_none() {
        return Err(CliError::usage(
            "--since 需要签名密钥的公钥(--public-key PATH.pub):没有公钥,检查点什么也证明不了\n\
             --since needs the signing key's public key (--public-key PATH.pub): without it a checkpoint proves nothing",
        ));
    }
    runtime()?.block_on(async {
        let conn = open_db(&db).await?;
        let opts = audit::VerifyOptions {
            public_key,
            since,
            rows: true,
        };
        let report = audit::verify_with(&conn, &opts)
            .await
            .map_err(store_error)?;
        if json {
            println!(
                "{}",
                serde_json::to_string_pretty(&report).expect("report serialises")
            );
        } else {
            print_report(&report, &opts);
        }
        if report.is_intact() {
            Ok(())
        } else {
            Err(CliError::not_found(
                "审计记录未通过核验 / audit trail broken",
            ))
        }
    })
}

fn print_report(report: &audit::VerifyReport, opts: &audit::VerifyOptions) {
    let c = &report.checkpoints;
    match &report.first_broken {
        Some(b) => println!(
            "BROKEN at entry {}: {}\n第 {} 条起审计链损坏:{}",
            b.seq, b.reason_en, b.seq, b.reason_zh
        ),
        None => println!("ok: {} entries, chain intact", report.entries),
    }
    for p in &c.problems {
        println!("检查点:{}\nCHECKPOINT: {}", p.reason_zh, p.reason_en);
    }
    if c.problems.is_empty() && report.first_broken.is_none() {
        println!(
            "数据库中的检查点 {} 个(核验签名 {} 个),审计链均为其延续 / checkpoints: {} stored ({} signatures checked), the chain extends every one",
            c.stored, c.signatures_checked, c.stored, c.signatures_checked
        );
        if let (Some(seq), Some(cp)) = (c.since, &opts.since) {
            println!(
                "审计链延续第 {seq} 条处的检查点({} 由密钥 {} 签名) / extends checkpoint {seq} signed at {} by key {}",
                cp.at, cp.key_id, cp.at, cp.key_id
            );
        }
    }
    if let Some(rows) = &report.rows {
        for p in &rows.problems {
            println!(
                "行 {} {}:{}\nROW {} {}: {}",
                p.entity, p.id, p.reason_zh, p.entity, p.id, p.reason_en
            );
        }
        let more = rows.problems_total - rows.problems.len() as i64;
        if more > 0 {
            println!("另有 {more} 条 / … and {more} more rows");
        }
        if rows.problems_total == 0 {
            println!(
                "{} 个案件、处罚决定和责任追究记录与审计记录相符(其中 {} 个早于行摘要) / rows: {} cases, penalties and accountability records as the trail last recorded ({} from before row digests)",
                rows.checked, rows.before_digests, rows.checked, rows.before_digests
            );
        }
    }
}

fn audit_checkpoint(db: DbArgs, signing_key: &std::path::Path, json: bool) -> CliResult {
    let key = AuditKey::load(signing_key).map_err(store_error)?;
    runtime()?.block_on(async {
        let conn = open_db(&db).await?;
        match checkpoint::make(&conn, &key, None, false)
            .await
            .map_err(store_error)?
        {
            checkpoint::Outcome::Made(cp) | checkpoint::Outcome::Unchanged(cp) => {
                if json {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&cp).expect("a checkpoint serialises")
                    );
                } else {
                    print!("{}", cp.to_note());
                }
                eprintln!(
                    "检查点已保存:第 {} 条,密钥 {} / checkpoint stored: entry {}, key {}",
                    cp.seq, cp.key_id, cp.seq, cp.key_id
                );
                Ok(())
            }
            checkpoint::Outcome::Refused(b) => Err(CliError::not_found(format!(
                "未签名:审计链不是该密钥上一个检查点的延续:{}\n\
                 not signed: the chain does not extend this key's last checkpoint: {}",
                b.reason_zh, b.reason_en
            ))),
        }
    })
}

fn audit_keygen(path: &std::path::Path) -> CliResult {
    let key = AuditKey::create(path).map_err(store_error)?;
    let public = checkpoint::public_path(path);
    println!(
        "签名私钥已写入 {}(权限 0600),公钥写入 {}\n\
         wrote the signing key to {} (mode 0600) and its public key to {}\nkey id: {}\n{}",
        path.display(),
        public.display(),
        path.display(),
        public.display(),
        key.public().key_id,
        key.public().to_pem().trim_end()
    );
    Ok(())
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

/// Signed checkpoints inside `serve`: at start, then every `FAZHI_CHECKPOINT_SECONDS` (default
/// ten minutes) when the head moved. The last one made is remembered, so a chain cut or
/// rewritten under the running server is refused even if its stored checkpoints were deleted.
fn spawn_checkpointer(db: Db, key: AuditKey) {
    let every = std::env::var("FAZHI_CHECKPOINT_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600u64);
    tokio::spawn(async move {
        let mut last: Option<Checkpoint> = None;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(every.max(1)));
        loop {
            tick.tick().await;
            match checkpoint::make(&db, &key, last.as_ref(), true).await {
                Ok(checkpoint::Outcome::Made(cp)) => {
                    tracing::info!(seq = cp.seq, key = %cp.key_id, "audit checkpoint");
                    last = Some(cp);
                }
                Ok(checkpoint::Outcome::Unchanged(_)) => {}
                Ok(checkpoint::Outcome::Refused(b)) => tracing::error!(
                    seq = b.seq,
                    reason = %b.reason_en,
                    "audit checkpoint refused: the chain does not extend the last checkpoint"
                ),
                Err(e) => tracing::error!(error = %e, "audit checkpoint failed"),
            }
        }
    });
}
