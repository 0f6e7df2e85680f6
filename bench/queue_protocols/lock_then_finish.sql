-- The alternative: the claim only row-locks its executions (FOR UPDATE SKIP LOCKED, no new row
-- version) in a transaction held open while they run, and the finish writes COMPLETED in it.
BEGIN;
SELECT coalesce(array_agg(id), '{}')::text AS ids
FROM (SELECT id FROM executions WHERE status = 'PENDING' AND created_at >= 0
      ORDER BY created_at, id LIMIT 32 FOR UPDATE SKIP LOCKED) s \gset
UPDATE executions AS e SET status = 'COMPLETED', attempts = e.attempts + 1, lease_owner = 'w',
       result = '{}',
       started_at = GREATEST(1, e.created_at, (SELECT max(p.finished_at) FROM executions p
                                               WHERE p.pipeline_id = e.pipeline_id
                                                 AND p.status IN ('COMPLETED', 'FAILED'))),
       finished_at = 2
WHERE e.id = ANY (:ids::bigint[]);
COMMIT;
