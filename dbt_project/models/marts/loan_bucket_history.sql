{#- Bucket history: one row per loan per spell in a bucket, with the night it entered and the night
    it left (like Fineract's delinquency tag history). Nights are the as-of dates in
    loan_delinquency; `exited_on` is the first night the loan was no longer in the bucket (it moved,
    or left the active book: closed or missing), null while the spell is open.

    Maintained incrementally for the night D: the pre-hook drops the spells that began on or after
    D; each loan's spell still open at the end of the night before D is carried and continued with
    the nights from D on. A normal night reads only D's rows; a rerun of an older night rebuilds
    the spells from D to the newest night (cost in proportion to the nights since D). Without the
    table (or with --full-refresh) it is rebuilt from all of loan_delinquency. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['loan_id', 'entered_on'],
        on_schema_change='append_new_columns',
        pre_hook="{% if is_incremental() %}delete from {{ this }} where entered_on >= {{ as_of_date() }}{% endif %}"
    )
}}

with nights as (

    select as_of_date, lead(as_of_date) over (order by as_of_date) as next_night
    from (
        select distinct as_of_date from {{ ref('loan_delinquency') }}
        {% if is_incremental() %}where as_of_date >= {{ as_of_date() }}{% endif %}
        {% if is_incremental() %}union select {{ as_of_date() }}{% endif %}
    ) processed

),

daily as (

    select
        d.loan_id,
        d.bucket,
        d.stage,
        d.as_of_date as night,
        d.as_of_date as entered_on,
        n.next_night,
        1 as sort_order
    from {{ ref('loan_delinquency') }} d
    inner join nights n on n.as_of_date = d.as_of_date
    {% if is_incremental() %}where d.as_of_date >= {{ as_of_date() }}{% endif %}

),

{% if is_incremental() %}
carried as (

    -- the spell each loan was in at the end of the night before D
    select
        loan_id,
        bucket,
        stage,
        cast(null as date) as night,
        entered_on,
        {{ as_of_date() }} as next_night,
        0 as sort_order
    from {{ this }}
    where entered_on < {{ as_of_date() }}
        and (exited_on is null or exited_on >= {{ as_of_date() }})

),
{% endif %}

observations as (

    select * from daily
    {% if is_incremental() %}union all select * from carried{% endif %}

),

marked as (

    select
        *,
        case
            when lag(bucket) over loan_nights is null then 1
            when lag(bucket) over loan_nights <> bucket then 1
            when lag(next_night) over loan_nights <> night then 1  -- the loan was off the book in between
            else 0
        end as starts_spell
    from observations
    window loan_nights as (partition by loan_id order by sort_order, night)

),

numbered as (

    select
        *,
        sum(starts_spell) over (
            partition by loan_id order by sort_order, night rows between unbounded preceding and current row
        ) as spell_no
    from marked

),

spells as (

    select
        loan_id,
        spell_no,
        min(bucket) as bucket,
        min(stage) as stage,
        min(entered_on) as entered_on,
        case when count(next_night) < count(*) then null else max(next_night) end as exited_on
    from numbered
    group by loan_id, spell_no

)

select
    loan_id,
    bucket,
    stage,
    entered_on,
    exited_on,
    case
        when exited_on is null then null
        when lead(entered_on) over (partition by loan_id order by spell_no) = exited_on
            then lead(bucket) over (partition by loan_id order by spell_no)
    end as exited_to_bucket,
    case
        when exited_on is null then null
        when lead(entered_on) over (partition by loan_id order by spell_no) = exited_on then 'bucket_change'
        else 'left_book'
    end as exit_reason
from spells
