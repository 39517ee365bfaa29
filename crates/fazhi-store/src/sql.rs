//! Statements written once, run on either of the two ways this crate writes: a sqlx transaction
//! ([`WriteTx`], both backends) or the SQLite writer thread ([`Lite`], see `sqlite_writer`).
//!
//! Only the hot write path (cases opened and acted on, and the audit entries they append) is
//! written against [`Conn`]; the rest of the crate uses sqlx directly. Values are the schema's
//! two types: BIGINT and TEXT, each possibly NULL (typed, because PostgreSQL wants a NULL's
//! type). Placeholders follow the crate's rule (`$1, $2, …` in ascending order of first use),
//! which SQLite reads as named parameters numbered by first appearance on both drivers.

use crate::audit::{self, AuditEntry};
use crate::db::WriteTx;
use crate::error::{StoreError, StoreResult};
use sqlx::{Any, AnyPool, Row as _, ValueRef as _};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// A value bound to or read from a statement.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    Int(Option<i64>),
    Text(Option<String>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(Some(v))
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Self {
        Val::Int(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(Some(v))
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(Some(v.to_string()))
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Val::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::Text(v)
    }
}
impl From<&Option<String>> for Val {
    fn from(v: &Option<String>) -> Self {
        Val::Text(v.clone())
    }
}

/// The arguments of a statement, in placeholder order.
macro_rules! args {
    ($($v:expr),* $(,)?) => { vec![$($crate::sql::Val::from($v)),*] };
}
pub(crate) use args;

fn column_type(i: usize, want: &str, got: &Val) -> StoreError {
    StoreError::Database(format!("column {i}: expected {want}, found {got:?}"))
}

/// One row read, with typed accessors that name the column on a mismatch.
#[derive(Debug)]
pub(crate) struct Row(Vec<Val>);

impl Row {
    pub fn int(&self, i: usize) -> StoreResult<i64> {
        match &self.0[i] {
            Val::Int(Some(v)) => Ok(*v),
            other => Err(column_type(i, "an integer", other)),
        }
    }
    pub fn text(&self, i: usize) -> StoreResult<String> {
        self.opt_text(i)?
            .ok_or_else(|| column_type(i, "text", &self.0[i]))
    }
    /// Every value as text (integers in decimal), NULL as `None`: for digests of rows.
    pub fn into_texts(self) -> Vec<Option<String>> {
        self.0
            .into_iter()
            .map(|v| match v {
                Val::Int(v) => v.map(|v| v.to_string()),
                Val::Text(v) => v,
            })
            .collect()
    }
    pub fn opt_text(&self, i: usize) -> StoreResult<Option<String>> {
        match &self.0[i] {
            Val::Text(v) => Ok(v.clone()),
            Val::Int(None) => Ok(None),
            other => Err(column_type(i, "text", other)),
        }
    }
}

/// A connection that runs statements inside the caller's write transaction (or, for
/// [`AnyPool`], reads outside one).
pub(crate) trait Conn {
    async fn execute(&mut self, sql: &str, args: Vec<Val>) -> StoreResult<u64>;
    async fn fetch_all(&mut self, sql: &str, args: Vec<Val>) -> StoreResult<Vec<Row>>;

    async fn fetch_optional(&mut self, sql: &str, args: Vec<Val>) -> StoreResult<Option<Row>> {
        Ok(self.fetch_all(sql, args).await?.into_iter().next())
    }

    /// Whether a statement costs a round trip to a server, so that several reads are better
    /// asked as one. The SQLite writer's statements run in-process.
    fn round_trips(&self) -> bool {
        true
    }

    /// Append an entry to the audit trail inside this transaction.
    async fn audit(&mut self, entry: AuditEntry) -> StoreResult<i64>
    where
        Self: Sized,
    {
        audit::append(self, entry).await
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

fn bind(sql: &str, args: Vec<Val>) -> AnyQuery<'_> {
    args.into_iter().fold(sqlx::query(sql), |q, v| match v {
        Val::Int(v) => q.bind(v),
        Val::Text(v) => q.bind(v),
    })
}

fn decode(row: &sqlx::any::AnyRow) -> StoreResult<Row> {
    (0..row.len())
        .map(|i| {
            if row.try_get_raw(i)?.is_null() {
                return Ok(Val::Int(None));
            }
            // The schema has BIGINT/INTEGER and TEXT only (sqlx's i64 reads every integer).
            if let Ok(v) = row.try_get::<i64, _>(i) {
                return Ok(Val::Int(Some(v)));
            }
            Ok(Val::Text(Some(row.try_get::<String, _>(i)?)))
        })
        .collect::<StoreResult<Vec<_>>>()
        .map(Row)
}

impl Conn for sqlx::AnyConnection {
    async fn execute(&mut self, sql: &str, args: Vec<Val>) -> StoreResult<u64> {
        Ok(bind(sql, args).execute(&mut *self).await?.rows_affected())
    }
    async fn fetch_all(&mut self, sql: &str, args: Vec<Val>) -> StoreResult<Vec<Row>> {
        bind(sql, args)
            .fetch_all(&mut *self)
            .await?
            .iter()
            .map(decode)
            .collect()
    }
}

impl Conn for WriteTx {
    async fn execute(&mut self, sql: &str, args: Vec<Val>) -> StoreResult<u64> {
        Conn::execute(self.conn(), sql, args).await
    }
    async fn fetch_all(&mut self, sql: &str, args: Vec<Val>) -> StoreResult<Vec<Row>> {
        Conn::fetch_all(self.conn(), sql, args).await
    }
    /// The transaction's own `audit`, which records that the write was audited.
    async fn audit(&mut self, entry: AuditEntry) -> StoreResult<i64> {
        WriteTx::audit(self, entry).await
    }
}

impl Conn for AnyPool {
    async fn execute(&mut self, sql: &str, args: Vec<Val>) -> StoreResult<u64> {
        Ok(bind(sql, args).execute(&*self).await?.rows_affected())
    }
    async fn fetch_all(&mut self, sql: &str, args: Vec<Val>) -> StoreResult<Vec<Row>> {
        bind(sql, args)
            .fetch_all(&*self)
            .await?
            .iter()
            .map(decode)
            .collect()
    }
}

/// A rusqlite connection inside the writer thread's open transaction.
pub(crate) struct Lite<'c>(pub &'c rusqlite::Connection);

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Val::Int(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Val::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Val::Int(None) | Val::Text(None) => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

impl Conn for Lite<'_> {
    fn round_trips(&self) -> bool {
        false
    }
    async fn execute(&mut self, sql: &str, args: Vec<Val>) -> StoreResult<u64> {
        let mut st = self.0.prepare_cached(sql)?;
        Ok(st.execute(rusqlite::params_from_iter(args.iter()))? as u64)
    }
    async fn fetch_all(&mut self, sql: &str, args: Vec<Val>) -> StoreResult<Vec<Row>> {
        use rusqlite::types::ValueRef;
        let mut st = self.0.prepare_cached(sql)?;
        let n = st.column_count();
        let mut rows = st.query(rusqlite::params_from_iter(args.iter()))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let row = (0..n)
                .map(|i| {
                    Ok(match r.get_ref(i)? {
                        ValueRef::Null => Val::Int(None),
                        ValueRef::Integer(v) => Val::Int(Some(v)),
                        ValueRef::Text(t) => Val::Text(Some(String::from_utf8_lossy(t).into())),
                        other => {
                            return Err(StoreError::Database(format!(
                                "column {i}: unexpected {:?}",
                                other.data_type()
                            )))
                        }
                    })
                })
                .collect::<StoreResult<Vec<_>>>()?;
            out.push(Row(row));
        }
        Ok(out)
    }
}

/// Run a future that never waits to its end. [`Lite`]'s statements are synchronous, so a
/// transaction body written as `async` for both drivers completes in one poll on the writer
/// thread; an executor would add nothing but a dependency.
pub(crate) fn ready<T>(fut: impl Future<Output = T>) -> T {
    let mut fut = pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("a statement on the SQLite writer thread never waits"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lite_binds_numbered_placeholders_by_first_use_and_reads_both_types() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (a BIGINT, b TEXT, c TEXT)")
            .unwrap();
        let mut c = Lite(&conn);
        let n = ready(c.execute(
            "INSERT INTO t (a, b, c) VALUES ($1, $2, $2), ($3, $4, $5)",
            args![1i64, "一", None::<i64>, None::<String>, "x"],
        ))
        .unwrap();
        assert_eq!(n, 2);
        let rows = ready(c.fetch_all("SELECT a, b, c FROM t ORDER BY a", vec![])).unwrap();
        assert_eq!(rows[0].opt_text(1).unwrap(), None);
        assert_eq!(rows[1].int(0).unwrap(), 1);
        assert_eq!(rows[1].text(2).unwrap(), "一");
        // A mismatch names the column rather than guessing.
        assert!(rows[1].int(1).unwrap_err().to_string().contains("column 1"));
        // A wrong argument count is an error, not a silent NULL.
        assert!(ready(c.execute("INSERT INTO t (a) VALUES ($1)", args![1i64, 2i64])).is_err());
    }
}
