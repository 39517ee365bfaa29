//! The SQLite writer thread: one rusqlite connection that runs write transactions for the
//! whole process, committing the writes waiting at one moment together (group commit).
//!
//! Why by hand: sqlx runs each SQLite statement on a worker thread and hands it back through a
//! channel; a case action is about ten statements, so it spent ~1 ms in hand-offs against
//! ~35 µs in the engine, and every action paid its own fsync. Here a write is one hand-off;
//! its statements run on prepared, cached statements in the writer's thread; and while one
//! batch commits, the next gathers, so one fsync serves every write in a batch. No crate does
//! group commit for SQLite; this is the little that needs.
//!
//! Each write runs inside its own SAVEPOINT, so a write that fails (a gate refusal, a missing
//! case) rolls back alone and the others in its batch still commit. A write's result reaches
//! its caller only after COMMIT returned: nothing acknowledged is lost. The batch holds the
//! process's write lock (the one sqlx writers take), so the audit chain stays linear, and
//! `BEGIN IMMEDIATE` with the busy timeout keeps other processes on the same file in turn.

use crate::error::{StoreError, StoreResult};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// The most writes committed together. Bounds how long a batch holds the write lock.
const MAX_BATCH: usize = 128;

/// A write waiting in the queue.
trait Job: Send {
    /// Run the write inside the open transaction. `false` if it failed (and must roll back).
    fn run(&mut self, conn: &rusqlite::Connection) -> bool;
    /// Report the outcome once the batch has committed (or failed to).
    fn finish(self: Box<Self>, committed: Result<(), String>);
}

struct Task<T, F> {
    write: Option<F>,
    result: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Job for Task<T, F>
where
    T: Send,
    F: FnOnce(&rusqlite::Connection) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &rusqlite::Connection) -> bool {
        let write = self.write.take().expect("a write runs once");
        // A caller that went away before its write ran (a cancelled request) gets no write:
        // as with a dropped transaction, nothing it asked for happens.
        if self.reply.is_closed() {
            self.result = Some(Err(StoreError::Database("the caller went away".into())));
            return false;
        }
        let result = catch_unwind(AssertUnwindSafe(|| write(conn))).unwrap_or_else(|_| {
            Err(StoreError::Database(
                "a write panicked; it was rolled back".into(),
            ))
        });
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), String>) {
        let outcome = match (self.result, committed) {
            (Some(Err(e)), _) => Err(e),
            (_, Err(message)) => Err(StoreError::Database(message)),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (None, Ok(())) => Err(StoreError::Database("a write did not run".into())),
        };
        // The caller may have gone away while the batch committed; its write stands then.
        let _ = self.reply.send(outcome);
    }
}

/// The handle on the writer thread. `close` stops it and waits; dropping the handle stops it
/// without waiting (a drop must not block: the thread may be waiting for the write lock).
pub(crate) struct Writer {
    queue: Mutex<Option<mpsc::Sender<Box<dyn Job>>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Open the writer's connection on `path` and start its thread.
    pub fn start(
        path: &std::path::Path,
        synchronous: &str,
        write_lock: Arc<tokio::sync::Mutex<()>>,
    ) -> StoreResult<Writer> {
        let conn = rusqlite::Connection::open(path)?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous={synchronous}; \
             PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; \
             PRAGMA temp_store=MEMORY; PRAGMA cache_size=-32000;"
        ))?;
        conn.set_prepared_statement_cache_capacity(128);
        let (queue, jobs) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("fazhi-sqlite-writer".into())
            .spawn(move || serve(conn, jobs, write_lock))
            .map_err(|e| StoreError::Database(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer {
            queue: Mutex::new(Some(queue)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Run `write` in a transaction on the writer thread; its result once it has committed.
    pub async fn write<T, F>(&self, write: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, outcome) = oneshot::channel();
        let task = Box::new(Task {
            write: Some(write),
            result: None,
            reply,
        });
        let sent = match &*self.queue.lock().expect("writer queue lock") {
            Some(queue) => queue.send(task).is_ok(),
            None => false,
        };
        if !sent {
            return Err(StoreError::Database("the database is closed".into()));
        }
        outcome
            .await
            .map_err(|_| StoreError::Database("the writer thread stopped".into()))?
    }

    /// Stop taking writes, let the queued ones commit, and wait for the thread to end.
    pub fn close(&self) {
        self.queue.lock().expect("writer queue lock").take();
        if let Some(thread) = self.thread.lock().expect("writer thread lock").take() {
            let _ = thread.join();
        }
    }
}

/// The thread's loop: wait for a write, then run it and every write that arrives while the
/// batch runs in one transaction, commit, then answer each.
fn serve(
    conn: rusqlite::Connection,
    jobs: mpsc::Receiver<Box<dyn Job>>,
    write_lock: Arc<tokio::sync::Mutex<()>>,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        let guard = write_lock.blocking_lock();
        let committed = match conn.execute_batch("BEGIN IMMEDIATE") {
            // The file is locked by another process beyond the busy timeout (or unwritable):
            // every write waiting now fails at once rather than each waiting out its own.
            Err(e) => {
                batch.extend(jobs.try_iter());
                Err(e.to_string())
            }
            Ok(()) => run_batch(&conn, &jobs, &mut batch).map_err(|e| {
                let _ = conn.execute_batch("ROLLBACK");
                e.to_string()
            }),
        };
        if !conn.is_autocommit() {
            // A failed ROLLBACK would keep the file's write lock from everyone else.
            let _ = conn.execute_batch("ROLLBACK");
            if !conn.is_autocommit() {
                tracing::error!("the SQLite writer could not leave its transaction");
            }
        }
        drop(guard);
        for job in batch {
            job.finish(committed.clone());
        }
    }
}

/// In the open transaction, run `batch` and the writes that join it while it runs (up to
/// `MAX_BATCH`), then commit.
/// Taking late arrivals in costs nothing: they would otherwise wait for this commit anyway.
fn run_batch(
    conn: &rusqlite::Connection,
    jobs: &mpsc::Receiver<Box<dyn Job>>,
    batch: &mut Vec<Box<dyn Job>>,
) -> rusqlite::Result<()> {
    let run = |sql: &str| conn.prepare_cached(sql)?.execute([]).map(|_| ());
    let mut next = 0;
    while next < batch.len() {
        run("SAVEPOINT write")?;
        if !batch[next].run(conn) {
            run("ROLLBACK TO write")?;
        }
        run("RELEASE write")?;
        next += 1;
        if batch.len() < MAX_BATCH {
            if let Ok(job) = jobs.try_recv() {
                batch.push(job);
            }
        }
    }
    run("COMMIT")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writer(dir: &std::path::Path) -> (Writer, std::path::PathBuf) {
        let path = dir.join("w.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE t (v BIGINT NOT NULL UNIQUE)")
            .unwrap();
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        (Writer::start(&path, "FULL", lock).unwrap(), path)
    }

    fn count(path: &std::path::Path) -> i64 {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_rolls_back_alone_and_the_rest_of_its_batch_commits() {
        let dir = std::env::temp_dir().join(format!("fazhi-writer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (w, path) = writer(&dir);
        let w = Arc::new(w);
        let mut tasks = Vec::new();
        // 200 writes at once: batches form; every tenth inserts a row then breaks the unique
        // constraint, so its own first insert must vanish with it.
        for i in 0..200i64 {
            let w = w.clone();
            tasks.push(tokio::spawn(async move {
                w.write(move |c| {
                    c.execute("INSERT INTO t (v) VALUES (?1)", [i + 1000])?;
                    if i % 10 == 0 {
                        c.execute("INSERT INTO t (v) VALUES (?1)", [i + 1000])?;
                    }
                    Ok(i)
                })
                .await
            }));
        }
        let mut failed = 0;
        for (i, t) in tasks.into_iter().enumerate() {
            match t.await.unwrap() {
                Ok(v) => assert_eq!(v, i as i64),
                Err(e) => {
                    assert_eq!(i % 10, 0, "{e}");
                    failed += 1;
                }
            }
        }
        assert_eq!(failed, 20);
        assert_eq!(count(&path), 180);
        // A panic is a failed write, not a dead writer.
        let err = w.write(|_| -> StoreResult<()> { panic!("boom") }).await;
        assert!(err.is_err());
        assert_eq!(w.write(|_| Ok(7)).await.unwrap(), 7);
        w.close();
        assert!(w.write(|_| Ok(())).await.is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_whose_caller_went_away_before_it_ran_does_not_happen() {
        let dir = std::env::temp_dir().join(format!("fazhi-writer-gone-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (w, path) = writer(&dir);
        let w = Arc::new(w);
        // The first write holds the writer while the second is queued and then abandoned.
        let busy = {
            let w = w.clone();
            tokio::spawn(async move {
                w.write(|c| {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    c.execute("INSERT INTO t (v) VALUES (1)", [])?;
                    Ok(())
                })
                .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let abandoned = {
            let w = w.clone();
            tokio::spawn(async move {
                w.write(|c| {
                    c.execute("INSERT INTO t (v) VALUES (2)", [])?;
                    Ok(())
                })
                .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        abandoned.abort();
        busy.await.unwrap().unwrap();
        w.write(|_| Ok(())).await.unwrap();
        assert_eq!(count(&path), 1, "only the write whose caller waited");
        w.close();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
