{#- The scorecard the night scores with, one row per feature bin (plus the `(base)` row holding
    the intercept): the newest model `arrears score train` promoted and in force on D (tables
    scoring.model_registry and scoring.scorecard_bins, written by pipelines/scoring/train.py), else
    the packaged default (seed score_card_default, trained on a generated book) — so a night never
    needs training first. A model promoted by training on D is in force from D + 1
    (effective_from), so a rerun of D uses the model D used. Each row belongs to a DPD segment
    (segment, min_dpd..max_dpd inclusive, empty = open): a loan scores with its segment's rows. A bin holds values in
    [lower_bound, upper_bound); an empty bound is open. logit is the bin's share of the log-odds of
    paying, points = logit x the card's points-per-logit factor, so score = sum of points. -#}
{{ config(materialized='table') }}

{%- set registry = none %}
{%- set segmented = true %}
{%- if execute %}
    {%- set registry = adapter.get_relation(database=target.database, schema='scoring', identifier='model_registry') %}
    {%- if registry %}
        {#- bins written before segments existed: one card over every DPD #}
        {%- set bins = adapter.get_columns_in_relation(registry.incorporate(path={"identifier": "scorecard_bins"})) %}
        {%- set segmented = 'segment' in bins | map(attribute='name') | map('lower') | list %}
    {%- endif %}
{%- endif %}

with packaged as (

    select
        model_version,
        segment,
        cast(min_dpd as {{ dbt.type_int() }}) as min_dpd,
        cast(max_dpd as {{ dbt.type_int() }}) as max_dpd,
        feature,
        cast(bin_no as {{ dbt.type_int() }}) as bin_no,
        cast(lower_bound as {{ dbt.type_float() }}) as lower_bound,
        cast(upper_bound as {{ dbt.type_float() }}) as upper_bound,
        cast(logit as decimal(18, 6)) as logit,
        cast(points as decimal(18, 4)) as points
    from {{ ref('score_card_default') }}

),

{%- if registry %}

promoted as (

    select model_version
    from {{ latest_rows(registry, "'all'", 'effective_from desc, model_version desc', ['model_version'],
                        'effective_from is not null and effective_from <= ' ~ as_of_date()) }} p

),

trained as (

    select
        b.model_version,
        {%- if segmented %}
        coalesce(b.segment, 'all') as segment,
        cast(b.min_dpd as {{ dbt.type_int() }}) as min_dpd,
        cast(b.max_dpd as {{ dbt.type_int() }}) as max_dpd,
        {%- else %}
        'all' as segment,
        cast(null as {{ dbt.type_int() }}) as min_dpd,
        cast(null as {{ dbt.type_int() }}) as max_dpd,
        {%- endif %}
        b.feature,
        cast(b.bin_no as {{ dbt.type_int() }}) as bin_no,
        cast(b.lower_bound as {{ dbt.type_float() }}) as lower_bound,
        cast(b.upper_bound as {{ dbt.type_float() }}) as upper_bound,
        cast(b.logit as decimal(18, 6)) as logit,
        cast(b.points as decimal(18, 4)) as points
    from {{ registry.incorporate(path={"identifier": "scorecard_bins"}) }} b
    inner join promoted p on p.model_version = b.model_version

),

{%- else %}

trained as (

    select * from packaged where 1 = 0

),

{%- endif %}

chosen as (

    select * from trained
    union all
    select * from packaged
    where not exists (select 1 from trained)

)

select * from chosen
