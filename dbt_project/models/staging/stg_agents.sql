select
    as_of_date,
    agent_id,
    full_name,
    team,
    languages,
    active,
    daily_capacity,
    -- optional extra column (not in the contract's required columns): the `;`-separated regions or
    -- cities a field agent visits, spelled as in customers.csv (field visits: int_contact__visit_assignment)
    {{ extra_field('_extra', 'regions') }} as regions,
    _load_id as load_id,
    _source_row as source_row,
    coalesce(q.is_quarantined, false) as is_quarantined
from {{ source('raw', 'agents') }}
left join {{ quarantined_rows('agents.csv') }} q
    on q.quarantined_on = as_of_date
    and q.quarantined_row = _source_row
