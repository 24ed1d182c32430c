select
    as_of_date,
    lower(subject_type) as subject_type,
    subject_id,
    lower(flag) as flag,
    effective_from,
    effective_to,
    note,
    _load_id as load_id,
    _source_row as source_row
from {{ source('raw', 'flags') }}
