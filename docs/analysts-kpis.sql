-- The KPIs of reporting's /api/reports/summary, computed by DuckDB from the Parquet export
-- (`klachten export parquet --out DIR`, docs/analysts.md). Run it in the export folder:
--
--     cd DIR && duckdb -c "SET VARIABLE as_of = TIMESTAMPTZ '2026-06-01 00:00:00+00'" \
--                      -c ".read /path/to/docs/analysts-kpis.sql"
--
-- `as_of` is the moment the open deadlines are judged against (default: now); give the time
-- of the export's last sequence to match `summary?as_of_seq=<that sequence>`. Each section
-- below (`-- name: …`) is one query; tests/services/reporting/test_exports_parquet.py runs them
-- and compares every figure with the API. Rules as in services/reporting/domain.py: durations
-- in days rounded to 2 decimals, p90 by nearest rank, months in Europe/Amsterdam.

SET VARIABLE as_of = coalesce(getvariable('as_of'), now());

-- Each run of the export adds the rows that changed; a complaint's latest row is its state.
CREATE OR REPLACE TEMP VIEW complaints AS
SELECT * FROM read_parquet('complaints_status_and_deadlines/*.parquet')
QUALIFY row_number() OVER (PARTITION BY complaint_id ORDER BY last_seq DESC) = 1;

CREATE OR REPLACE TEMP VIEW escalations AS
SELECT * FROM read_parquet('escalations_by_level_and_reason/*.parquet');

CREATE OR REPLACE TEMP VIEW undecodable AS
SELECT * FROM read_parquet('undecodable_events/*.parquet');

-- Open: submitted, acknowledged, responded, escalated; unanswered: all but responded.
CREATE OR REPLACE TEMP VIEW open_complaints AS
SELECT *,
       least(CASE WHEN acknowledged_at IS NULL THEN acknowledge_by END,
             CASE WHEN status <> 'responded' THEN respond_by END,
             CASE WHEN status <> 'responded' THEN statutory_by END) AS next_deadline,
       (epoch(getvariable('as_of')) - epoch(received_at)) / 86400 AS age_days
FROM complaints
WHERE status IN ('submitted', 'acknowledged', 'responded', 'escalated');

-- name: complaints
SELECT count(*) AS complaints, (SELECT count(*) FROM undecodable) AS undecodable_events
FROM complaints;

-- name: by_status
SELECT status, count(*) AS n FROM complaints GROUP BY status ORDER BY status;

-- name: inflow
SELECT strftime(timezone('Europe/Amsterdam', received_at), '%Y-%m') AS month, channel,
       count(*) AS n
FROM complaints GROUP BY ALL ORDER BY ALL;

-- name: compliance
-- met: done by the deadline; missed: done late, or open past it; pending: open, not yet due;
-- not_applicable: closed without a response (withdrawn, not handled); rate = met/(met+missed).
WITH norms AS (
    SELECT 'acknowledge_norm' AS norm, status, acknowledged_at AS done, acknowledge_by AS due
    FROM complaints
    UNION ALL
    SELECT 'respond_norm', status, first_responded_at, respond_by_norm FROM complaints
    UNION ALL
    SELECT 'statutory', status, first_responded_at, statutory_by FROM complaints
), judged AS (
    SELECT norm, CASE
        WHEN done IS NOT NULL THEN CASE WHEN done <= due THEN 'met' ELSE 'missed' END
        WHEN status NOT IN ('submitted', 'acknowledged', 'responded', 'escalated')
            THEN 'not_applicable'
        WHEN due >= getvariable('as_of') THEN 'pending'
        ELSE 'missed' END AS verdict
    FROM norms WHERE due IS NOT NULL
)
SELECT norm,
       count(*) FILTER (verdict = 'met') AS met,
       count(*) FILTER (verdict = 'missed') AS missed,
       count(*) FILTER (verdict = 'pending') AS pending,
       count(*) FILTER (verdict = 'not_applicable') AS not_applicable,
       round(count(*) FILTER (verdict = 'met')
             / nullif(count(*) FILTER (verdict IN ('met', 'missed')), 0), 4) AS rate
FROM judged GROUP BY norm ORDER BY norm;

-- name: escalations_by_level
SELECT CAST(level AS VARCHAR) AS level, count(*) AS n FROM escalations GROUP BY ALL ORDER BY ALL;

-- name: escalations_by_reason
SELECT reason, count(*) AS n FROM escalations GROUP BY ALL ORDER BY ALL;

-- name: backlog
SELECT count(*) AS open,
       count(*) FILTER (next_deadline < getvariable('as_of')) AS overdue
FROM open_complaints;

-- name: backlog_by_status
SELECT status, count(*) AS n FROM open_complaints GROUP BY ALL ORDER BY ALL;

-- name: backlog_ageing
SELECT CASE WHEN age_days <= 7 THEN '0-1w' WHEN age_days <= 14 THEN '1-2w'
            WHEN age_days <= 28 THEN '2-4w' WHEN age_days <= 42 THEN '4-6w'
            WHEN age_days <= 56 THEN '6-8w' ELSE '>8w' END AS age, count(*) AS n
FROM open_complaints GROUP BY ALL ORDER BY ALL;

-- name: response_times
-- Per channel: days from receipt to the acknowledgement and to the first response.
WITH durations AS (
    SELECT channel, 'acknowledge' AS kind,
           round((epoch(acknowledged_at) - epoch(received_at)) / 86400, 2) AS days
    FROM complaints WHERE acknowledged_at IS NOT NULL
    UNION ALL
    SELECT channel, 'respond',
           round((epoch(first_responded_at) - epoch(received_at)) / 86400, 2)
    FROM complaints WHERE first_responded_at IS NOT NULL
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY channel, kind ORDER BY days) AS rank,
           count(*) OVER (PARTITION BY channel, kind) AS n
    FROM durations
)
SELECT channel, kind, count(*) AS count,
       round(median(days), 2) AS median_days,
       max(days) FILTER (rank = ceil(0.9 * n)) AS p90_days,
       round(avg(days), 2) AS mean_days
FROM ranked GROUP BY channel, kind ORDER BY channel, kind;

-- name: handling
-- How each complaint ended (services/reporting/handling.py `ending`), "open" while it has not:
-- informal vs formal is the headline figure of a Dutch yearly report (Awb 9:5).
SELECT CASE
         WHEN closed_at IS NULL THEN 'open'
         WHEN status = 'resolved_informally' THEN 'informal'
         WHEN status = 'declined' OR outcome = 'not_handled' THEN 'declined'
         WHEN outcome IN ('withdrawn', 'referred') THEN outcome
         ELSE 'formal'
       END AS handling,
       count(*) AS complaints
FROM complaints
GROUP BY handling
ORDER BY handling;
