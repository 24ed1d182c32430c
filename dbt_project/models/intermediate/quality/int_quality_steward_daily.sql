{#- The data-steward report as a table: per as_of_date and file, what was delivered and what
    became of it — quarantined (at ingest, by validation), corrected, fallen back to the last
    valid value, restored or reported lost — plus the validate run's status. The HTML report of a night
    (<warehouse dir>/data_docs/<date>/steward_report.html, and data_quality_report.html in the
    outbox) shows the same figures with the records behind them. -#}
with latest_runs as (

    select * from {{ latest_rows(quality_source('runs'), 'as_of_date', 'started_at desc',
                                 ['run_id', 'as_of_date', 'status', 'reason']) }} runs

),

accounting as (

    select * from {{ ref('int_quality_row_accounting') }}

),

corrections as (

    select
        as_of_date,
        file,
        sum(case when rule <> 'fallback_last_valid' then 1 else 0 end) as corrected_values,
        sum(case when rule = 'fallback_last_valid' then 1 else 0 end) as fallback_values
    from {{ quality_source('corrections') }}
    group by as_of_date, file

),

lost as (

    select
        as_of_date,
        file,
        sum(case when action = 'restored' then 1 else 0 end) as restored_records,
        sum(case when action = 'reported' then 1 else 0 end) as reported_lost_records
    from {{ quality_source('lost_records') }}
    group by as_of_date, file

),

failed as (

    select
        as_of_date,
        file,
        sum(case when severity = 'critical' then 1 else 0 end) as failed_critical,
        sum(case when severity <> 'critical' then 1 else 0 end) as failed_warnings
    from {{ quality_source('validation_results') }}
    where not success
        and run_id in (
            select run_id from latest_runs
        )
    group by as_of_date, file

),

runs as (

    select as_of_date, status, reason from latest_runs

)

select
    a.as_of_date,
    a.file,
    coalesce(r.status, 'not validated') as validation_status,
    a.delivered,
    a.usable_in_staging,
    a.quarantined_at_ingest,
    a.quarantined_by_validation,
    a.repeat_events_skipped,
    coalesce(c.corrected_values, 0) as corrected_values,
    coalesce(c.fallback_values, 0) as fallback_values,
    coalesce(s.restored_records, 0) as restored_records,
    coalesce(s.reported_lost_records, 0) as reported_lost_records,
    coalesce(f.failed_critical, 0) as failed_critical,
    coalesce(f.failed_warnings, 0) as failed_warnings
from accounting a
left join runs r on r.as_of_date = a.as_of_date
left join corrections c on c.as_of_date = a.as_of_date and c.file = a.file
left join lost s on s.as_of_date = a.as_of_date and s.file = a.file
left join failed f on f.as_of_date = a.as_of_date and f.file = a.file
