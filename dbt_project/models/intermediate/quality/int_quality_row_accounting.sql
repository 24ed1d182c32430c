{#- No row of the extract disappears. Per as_of_date and file:

        delivered = usable_in_staging + quarantined_at_ingest + quarantined_by_validation
                    + repeat_events_skipped

    delivered: rows in the file (raw.load_log, latest load of the date); in_staging: the file's
    rows in its staging model for the date (snapshots by as_of_date, events by delivered_on;
    restored records, which were not delivered, are not counted); quarantined_at_ingest:
    raw.rejected_rows; quarantined_by_validation: distinct rows in quality.quarantine, which stay
    in staging (so usable_in_staging = in_staging - quarantined_by_validation, and
    held_not_in_staging must be 0); repeat_events_skipped: events delivered before, skipped.
    `unaccounted` must be 0 (tests/quality/assert_quality_no_delivered_row_is_lost.sql). -#}
{%- set staged = [
    ('customers.csv', 'stg_customers', 'as_of_date', "record_source <> 'restored'"),
    ('loans.csv', 'stg_loans', 'as_of_date', 'true'),
    ('installments.csv', 'stg_installments', 'as_of_date', 'true'),
    ('payments.csv', 'stg_payments', 'delivered_on', 'true'),
    ('contact_attempts.csv', 'stg_contact_attempts', 'delivered_on', 'true'),
    ('flags.csv', 'stg_flags', 'as_of_date', 'true'),
    ('agents.csv', 'stg_agents', 'as_of_date', 'true'),
] %}

with log as (

    select as_of_date, file, rows_in_file, duplicates_skipped
    from (
        select
            as_of_date,
            {{ dbt.replace('file_name', "'.parquet'", "'.csv'") }} as file,
            rows_in_file,
            duplicates_skipped,
            row_number() over (partition by as_of_date, file_name order by loaded_at desc) as recency
        from {{ source('raw', 'load_log') }}
    ) latest
    where recency = 1

),

staged_rows as (

    {% for file, model, day, keep in staged %}
    select '{{ file }}' as file, {{ day }} as as_of_date, source_row
    from {{ ref(model) }}
    where {{ keep }}
    {{ 'union all' if not loop.last }}
    {% endfor %}

),

staged as (

    select file, as_of_date, count(*) as in_staging
    from staged_rows
    group by file, as_of_date

),

rejected as (

    select file_name as file, as_of_date, count(*) as quarantined_at_ingest
    from {{ source('raw', 'rejected_rows') }}
    group by file_name, as_of_date

),

held as (

    select
        q.file,
        q.as_of_date,
        count(distinct q.source_row) as quarantined_by_validation,
        count(distinct case when s.source_row is null then q.source_row end) as held_not_in_staging
    from {{ quality_source('quarantine') }} q
    left join (select distinct file, as_of_date, source_row from staged_rows) s
        on s.file = q.file and s.as_of_date = q.as_of_date and s.source_row = q.source_row
    group by q.file, q.as_of_date

)

select
    l.as_of_date,
    l.file,
    l.rows_in_file as delivered,
    coalesce(s.in_staging, 0) as in_staging,
    coalesce(s.in_staging, 0) - coalesce(h.quarantined_by_validation, 0) as usable_in_staging,
    coalesce(r.quarantined_at_ingest, 0) as quarantined_at_ingest,
    coalesce(h.quarantined_by_validation, 0) as quarantined_by_validation,
    l.duplicates_skipped as repeat_events_skipped,
    coalesce(h.held_not_in_staging, 0) as held_not_in_staging,
    l.rows_in_file - coalesce(s.in_staging, 0) - coalesce(r.quarantined_at_ingest, 0) - l.duplicates_skipped
        as unaccounted
from log l
left join staged s on s.file = l.file and s.as_of_date = l.as_of_date
left join rejected r on r.file = l.file and r.as_of_date = l.as_of_date
left join held h on h.file = l.file and h.as_of_date = l.as_of_date
