{#- Every quarantined row of every file and date, wherever it was stopped:
    - stage 'ingest': the row did not fit its types or repeated a snapshot key; it is not in
      staging (raw.rejected_rows keeps its text);
    - stage 'validation': a warning expectation quarantined it (orphan loan, amount <= 0, unknown
      loan, ...); the row is still in staging, marked `is_quarantined`, so that its account stays
      visible. What uses it: a quarantined loan stays measured and its collection is blocked with
      the reason (int_quality_loan_data_status); quarantined installments and payments are left out
      of the money (int_quality_installments, int_payment_effects, reporting), reversals still
      apply (they can only keep the debt); quarantined contact
      attempts and flags still count for the contact rules (they can only make contact stricter);
      a quarantined agent takes no calls. -#}
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
