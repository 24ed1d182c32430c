{#- Nothing disappears at the door: for every file of the night,
    rows in the file = rows loaded + rows quarantined + repeated events skipped. -#}
select file_name, rows_in_file, rows_loaded, rows_quarantined, duplicates_skipped
from {{ source('raw', 'load_log') }}
where as_of_date = {{ as_of_date() }}
  and rows_in_file <> rows_loaded + rows_quarantined + duplicates_skipped
