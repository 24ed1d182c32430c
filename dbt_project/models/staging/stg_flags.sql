select
    as_of_date,
    lower(trim(subject_type)) as subject_type,
    subject_id,
    lower(trim(flag)) as flag,
    effective_from,
    effective_to,
    note,
    _load_id as load_id,
    _source_row as source_row,
    coalesce(q.is_quarantined, false) as is_quarantined
from {{ source('raw', 'flags') }}
left join {{ quarantined_rows('flags.csv') }} q
    on q.quarantined_on = as_of_date
    and q.quarantined_row = _source_row
