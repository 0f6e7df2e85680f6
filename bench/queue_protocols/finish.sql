-- sigflow's finish: COMPLETED for the executions the claim just before it returned.
UPDATE executions SET status = 'COMPLETED', result = '{}', finished_at = GREATEST(started_at, 2),
       lease_expires_at = NULL
WHERE id = ANY (:ids::bigint[]) AND status = 'RUNNING' AND lease_owner = 'w';
