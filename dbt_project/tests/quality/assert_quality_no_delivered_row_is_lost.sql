{#- Every run: each row the extract delivered for the date is in staging, quarantined (at ingest
    or by validation, which keeps it in staging) or a repeat event, and nothing else; every row
    validation quarantined is still in staging. Fails with the file and the gap. -#}
select as_of_date, file, delivered, in_staging, quarantined_at_ingest, repeat_events_skipped,
       unaccounted, held_not_in_staging
from {{ ref('int_quality_row_accounting') }}
where as_of_date = {{ as_of_date() }}
  and (unaccounted <> 0 or held_not_in_staging <> 0)
