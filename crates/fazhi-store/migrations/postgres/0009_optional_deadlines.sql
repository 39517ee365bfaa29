-- Optional deadlines (postgres). Keep in step with migrations/sqlite/0009_optional_deadlines.sql.
-- A right rather than a duty (an appeal, the time to sue) is warned of before it ends but is
-- never an overdue alarm: when it passes unused it has lapsed, and nobody is at fault.
ALTER TABLE case_deadlines ADD COLUMN optional BIGINT NOT NULL DEFAULT 0;
-- The procedures' optional deadlines when this migration was written (data/procedures/litigation.toml).
UPDATE case_deadlines SET optional = 1
 WHERE rule_id IN ('litigation.time_to_sue', 'litigation.appeal_judgment', 'litigation.appeal_ruling');
-- The summary columns of those cases now follow their duties only.
UPDATE cases SET
    next_due = (SELECT MIN(d.due) FROM case_deadlines d
                 WHERE d.case_id = cases.id AND d.open = 1 AND d.optional = 0),
    next_warn = (SELECT MIN(d.warn_from) FROM case_deadlines d
                  WHERE d.case_id = cases.id AND d.open = 1 AND d.optional = 0)
 WHERE id IN (SELECT case_id FROM case_deadlines WHERE optional = 1);
