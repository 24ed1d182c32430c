{#- Customers as SCD type 2 on the business date: one row per version, valid from `valid_from`
    (inclusive) to `valid_to` (exclusive; null while current). Every value known as of any date D:
        where valid_from <= D and (valid_to is null or valid_to > D)
    A version ends on the first business date its customer is absent or any value differs
    (values after correction and fallback, the person and whether the record was restored).

    Why not a dbt snapshot: snapshots stamp the wall clock, and a rerun or backfill of an old date
    must give the history that date had. This incremental model is keyed on business dates:
    - a run for D first truncates history at D (pre-hooks: versions starting on or after D are
      deleted, versions ending on or after D are reopened), then recomputes the versions from
      every validated snapshot on or after D (normally just D), starting from the versions open
      before D. Reruns of D, and reruns of an old D (all later dates are recomputed), are exact;
    - a full refresh computes the whole history from every snapshot (gaps and islands). -#}
{%- set values = ['full_name', 'national_id', 'date_of_birth', 'phone', 'email', 'address_line1', 'address_line2',
                  'city', 'region', 'postal_code', 'country', 'preferred_language', 'timezone', 'updated_at',
                  'person_id', 'record_source'] %}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['customer_id', 'valid_from'],
        on_schema_change='append_new_columns',
        pre_hook=[
            "{% if is_incremental() %}delete from {{ this }} where valid_from >= " ~ as_of_date() ~ "{% endif %}",
            "{% if is_incremental() %}update {{ this }} set valid_to = null where valid_to >= " ~ as_of_date() ~ "{% endif %}",
        ]
    )
}}

with snapshots as (

    select
        as_of_date,
        customer_id,
        {% for v in values %}{{ v }},
        {% endfor -%}
        md5(concat_ws('|', {% for v in values %}coalesce(cast({{ v }} as varchar), '<null>'){{ ', ' if not loop.last }}{% endfor %})) as row_hash
    from {{ ref('stg_customers') }}
    {% if is_incremental() %}where as_of_date >= {{ as_of_date() }}{% endif %}

),

dates as (

    select as_of_date, cast(row_number() over (order by as_of_date) as integer) as date_index
    from (select distinct as_of_date from snapshots)

),

observed as (

    select s.customer_id, s.as_of_date as valid_from, {% for v in values %}s.{{ v }}, {% endfor %}s.row_hash, d.date_index
    from snapshots s
    inner join dates d on d.as_of_date = s.as_of_date
    {% if is_incremental() %}
    union all
    -- the versions open just before D (after the pre-hooks), as the state at index 0
    select customer_id, valid_from, {% for v in values %}{{ v }}, {% endfor %}row_hash, 0 as date_index
    from {{ this }}
    where valid_to is null
    {% endif %}

),

starts as (

    select
        *,
        case
            when lag(row_hash) over w = row_hash and lag(date_index) over w = date_index - 1 then 0
            else 1
        end as starts_version
    from observed
    window w as (partition by customer_id order by date_index)

),

islands as (

    select
        *,
        sum(starts_version) over (partition by customer_id order by date_index rows unbounded preceding) as version_no
    from starts

),

versions as (

    select
        *,
        max(date_index) over (partition by customer_id, version_no) as last_index,
        row_number() over (partition by customer_id, version_no order by date_index) as position
    from islands

)

select
    v.customer_id,
    v.valid_from,
    next_date.as_of_date as valid_to,
    next_date.as_of_date is null as is_current,
    {% for val in values %}v.{{ val }},
    {% endfor -%}
    v.row_hash
from versions v
left join dates next_date on next_date.date_index = v.last_index + 1
where v.position = 1
