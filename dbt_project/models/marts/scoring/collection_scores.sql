{#- Published: the collection score of every overdue loan of the night, exactly one row per loan of
    marts.loan_delinquency overdue on D, history kept (each night replaces its own date).

    Each loan scores with the rows of its DPD segment of the scorecard (int_score_card: segment,
    min_dpd..max_dpd): the segment's features (int_score_features) (int_score_features) the
    points and log-odds of the bin its value falls in; the sum of the log-odds is the
    logit of probability_to_pay (probability that within 30 days the loan is no longer overdue or
    has paid at least the amount overdue on D), the sum of the points is the score (higher = more
    likely to pay). reason_codes: the (up to) `score_reason_codes` features that cost the loan the
    most points against the best bin of the same feature, worst first. risk_band: the policy's
    bands by probability (scoring.risk_bands). Amounts are exact decimals, so a rerun gives
    identical scores. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}

{%- set reason_codes = var('score_reason_codes') | int %}

with tonight as (

    select * from {{ ref('int_score_features') }}
    where is_tonight

),

card as (

    select * from {{ ref('int_score_card') }}

),

segments as (

    select distinct segment, min_dpd, max_dpd from card

),

loan_segments as (

    select
        t.loan_id,
        s.segment
    from tonight t
    inner join segments s
        on (s.min_dpd is null or t.dpd >= s.min_dpd)
        and (s.max_dpd is null or t.dpd <= s.max_dpd)

),

feature_values as (

    {%- for feature in score_feature_names() %}
    select loan_id, '{{ feature }}' as feature, cast({{ feature }} as {{ dbt.type_float() }}) as value from tonight
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

binned as (

    select
        v.loan_id,
        v.feature,
        c.segment,
        c.logit,
        c.points
    from feature_values v
    inner join loan_segments ls on ls.loan_id = v.loan_id
    inner join card c
        on c.segment = ls.segment
        and c.feature = v.feature
        and (c.lower_bound is null or v.value >= c.lower_bound)
        and (c.upper_bound is null or v.value < c.upper_bound)

),

best as (

    select segment, feature, max(points) as best_points from card group by segment, feature

),

costs as (

    select
        b.loan_id,
        b.feature,
        bb.best_points - b.points as points_lost,
        row_number() over (partition by b.loan_id order by bb.best_points - b.points desc, b.feature) as reason_rank
    from binned b
    inner join best bb on bb.segment = b.segment and bb.feature = b.feature

),

reasons as (

    select
        loan_id,
        {{ dbt.listagg('feature', "'; '", 'order by reason_rank') }} as reason_codes
    from costs
    where reason_rank <= {{ reason_codes }}
        and points_lost > 0
    group by loan_id

),

totals as (

    select
        loan_id,
        sum(logit) as feature_logit,
        sum(points) as feature_points
    from binned
    group by loan_id

),

base as (

    select model_version, segment, logit, points from card where feature = '(base)'

),

scored as (

    select
        t.loan_id,
        t.customer_id,
        b.model_version,
        coalesce(s.feature_logit, 0) + b.logit as logit,
        cast(round(coalesce(s.feature_points, 0) + b.points, 0) as {{ dbt.type_int() }}) as score,
        r.reason_codes
    from tonight t
    inner join loan_segments ls on ls.loan_id = t.loan_id
    inner join base b on b.segment = ls.segment
    left join totals s on s.loan_id = t.loan_id
    left join reasons r on r.loan_id = t.loan_id

),

probabilities as (

    select
        *,
        cast(round(1.0 / (1.0 + exp(-cast(logit as {{ dbt.type_float() }}))), 6) as decimal(7, 6)) as probability_to_pay
    from scored

)

select
    {{ as_of_date() }} as as_of_date,
    loan_id,
    customer_id,
    model_version,
    probability_to_pay,
    score,
    case
        {%- for band in var('score_risk_bands') %}
        when probability_to_pay >= {{ band['min_probability'] }} then '{{ band['band'] }}'
        {%- endfor %}
    end as risk_band,
    coalesce(reason_codes, '') as reason_codes
from probabilities
