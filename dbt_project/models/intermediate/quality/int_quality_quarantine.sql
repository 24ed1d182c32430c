{#- Every quarantined row of every file and date, wherever it was stopped:
    - stage 'ingest': the row did not fit its types or repeated a snapshot key; it is not in
      staging (raw.rejected_rows keeps its text);
    - stage 'validation': a warning expectation quarantined it (orphan loan, amount <= 0, unknown
      loan, ...); the row is still in staging so that its account stays visible, and downstream
      models exclude it or block collection with the reason (int_quality_loan_data_status). -#}
select
    as_of_date,
    file_name as file,
    source_row,
    cast(null as varchar) as record_id,
    rule,
    rule as reason,
    'ingest' as stage
from {{ source('raw', 'rejected_rows') }}
union all
select
    as_of_date,
    file,
    source_row,
    record_id,
    rule,
    reason,
    'validation' as stage
from {{ quality_source('quarantine') }}
