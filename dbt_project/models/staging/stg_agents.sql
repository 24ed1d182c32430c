select
    as_of_date,
    agent_id,
    full_name,
    team,
    languages,
    active,
    daily_capacity,
    _load_id as load_id,
    _source_row as source_row
from {{ source('raw', 'agents') }}
