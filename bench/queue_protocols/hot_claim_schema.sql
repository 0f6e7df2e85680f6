-- The schema change hot_claim_then_finish.sql runs on: no index depends on status or on the
-- lease, so a claim (PENDING -> RUNNING, lease set) changes no indexed column and PostgreSQL can
-- write it as a heap-only (HOT) update: no index entry, same page. "Active" becomes "not
-- finished", which a CHECK ties to the status; the reaper would read expired leases through
-- executions_pending_oldest_first (active executions only) instead of an index of its own. Free
-- space on each page (fillfactor 50) gives the claim's new version room beside the old one.
DROP INDEX executions_one_active_per_pipeline, executions_pending_oldest_first,
  executions_running_by_lease, executions_finished_by_pipeline;
ALTER TABLE executions ADD CONSTRAINT executions_finished_iff_done
  CHECK ((finished_at IS NULL) = (status IN ('PENDING', 'RUNNING')));
CREATE UNIQUE INDEX executions_one_active_per_pipeline ON executions (pipeline_id)
  WHERE finished_at IS NULL;
CREATE INDEX executions_pending_oldest_first ON executions (created_at, id)
  WHERE finished_at IS NULL;
CREATE INDEX executions_finished_by_pipeline ON executions (pipeline_id, finished_at)
  WHERE finished_at IS NOT NULL;
ALTER TABLE executions SET (fillfactor = 50);
