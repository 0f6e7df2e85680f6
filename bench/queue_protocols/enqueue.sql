-- 32 PENDING executions of new pipelines, as a Wake creates them (the partial unique index
-- executions_one_active_per_pipeline is checked as in the product; no conflict target, so that
-- the same statement runs on hot_claim_schema.sql).
INSERT INTO executions (pipeline_id, status, triggered_by_signal, signal_ids, created_at)
SELECT 'p' || (random() * 1e15)::bigint, 'PENDING', true, '["sig-1"]',
       (extract(epoch FROM clock_timestamp()) * 1000)::bigint
FROM generate_series(1, 32)
ON CONFLICT DO NOTHING;
