-- sigflow's claim: commits RUNNING under a lease (a row version and three index entries per
-- execution); finish.sql then commits COMPLETED in a second transaction.
WITH c AS (
  UPDATE executions AS e SET status = 'RUNNING', attempts = e.attempts + 1, lease_owner = 'w',
         lease_expires_at = 9000000000000000,
         started_at = GREATEST(1, e.created_at, (SELECT max(p.finished_at) FROM executions p
                                                 WHERE p.pipeline_id = e.pipeline_id
                                                   AND p.status IN ('COMPLETED', 'FAILED')))
  WHERE e.id = ANY (ARRAY(SELECT id FROM executions WHERE status = 'PENDING' AND created_at >= 0
                          ORDER BY created_at, id LIMIT 32 FOR UPDATE SKIP LOCKED))
  RETURNING e.id)
SELECT coalesce(array_agg(id), '{}')::text AS ids FROM c \gset
