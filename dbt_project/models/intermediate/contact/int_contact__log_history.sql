{#- What the product scheduled on earlier nights: marts.contact_log before D (empty on the first
    night). Read by relation, not ref(): contact_log is built from this night's decisions, and the
    decisions read only earlier nights, so there is no cycle in time, only in names. -#}
{%- set log = adapter.get_relation(database=target.database, schema='marts', identifier='contact_log') if execute else none %}
{% if log is not none %}
select
    as_of_date,
    loan_id,
    person_id,
    channel,
    template,
    trigger_key,
    episode_start,
    status,
    scheduled_after,
    scheduled_before,
    max_attempts
from {{ log }}
where as_of_date < {{ as_of_date() }}
    and status = 'scheduled'
{% else %}
select
    cast(null as date) as as_of_date,
    cast(null as {{ dbt.type_string() }}) as loan_id,
    cast(null as {{ dbt.type_string() }}) as person_id,
    cast(null as {{ dbt.type_string() }}) as channel,
    cast(null as {{ dbt.type_string() }}) as template,
    cast(null as {{ dbt.type_string() }}) as trigger_key,
    cast(null as date) as episode_start,
    cast(null as {{ dbt.type_string() }}) as status,
    cast(null as timestamp with time zone) as scheduled_after,
    cast(null as timestamp with time zone) as scheduled_before,
    cast(null as {{ dbt.type_int() }}) as max_attempts
where 1 = 0
{% endif %}
