-- claim.sql on hot_claim_schema.sql: the same statement with "active" spelled
-- finished_at IS NULL (and "finished" finished_at IS NOT NULL); finish.sql follows it unchanged.
WITH c AS (
  UPDATE executions AS e SET status = 'RUNNING', attempts = e.attempts + 1, lease_owner = 'w',
         lease_expires_at = 9000000000000000,
         started_at = GREATEST(1, e.created_at, (SELECT max(p.finished_at) FROM executions p
                                                 WHERE p.pipeline_id = e.pipeline_id
                                                   AND p.finished_at IS NOT NULL))
  WHERE e.id = ANY (ARRAY(SELECT id FROM executions WHERE finished_at IS NULL
                            AND status = 'PENDING' AND created_at >= 0
                          ORDER BY created_at, id LIMIT 32 FOR UPDATE SKIP LOCKED))
  RETURNING e.id)
SELECT coalesce(array_agg(id), '{}')::text AS ids FROM c \gset
