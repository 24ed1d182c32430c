{#- Engine-specific pieces of the reporting marts, behind adapter.dispatch so another warehouse
    only overrides these (the default__ versions are ANSI/Postgres SQL; duckdb__ where DuckDB differs). -#}

{#- A timestamp with time zone as wall-clock time in the IANA zone `tz` (an SQL expression). -#}
{% macro reporting_local_timestamp(ts, tz) -%}
    {{ return(adapter.dispatch('reporting_local_timestamp')(ts, tz)) }}
{%- endmacro %}

{% macro default__reporting_local_timestamp(ts, tz) -%}
    ({{ ts }} at time zone {{ tz }})
{%- endmacro %}

{% macro duckdb__reporting_local_timestamp(ts, tz) -%}
    timezone({{ tz }}, {{ ts }})
{%- endmacro %}

{#- A query returning one column `name`: the IANA zone names the engine knows (a customer's
    `timezone` outside this list is treated as unknown instead of failing the night). -#}
{% macro reporting_known_timezones() -%}
    {{ return(adapter.dispatch('reporting_known_timezones')()) }}
{%- endmacro %}

{% macro default__reporting_known_timezones() -%}
    select name from pg_timezone_names
{%- endmacro %}

{% macro duckdb__reporting_known_timezones() -%}
    select name from pg_timezone_names()
{%- endmacro %}

{#- Minutes after local midnight of a local (wall-clock) timestamp. -#}
{% macro reporting_minute_of_day(local_ts) -%}
    {{ return(adapter.dispatch('reporting_minute_of_day')(local_ts)) }}
{%- endmacro %}

{% macro default__reporting_minute_of_day(local_ts) -%}
    (cast(extract(hour from {{ local_ts }}) as {{ dbt.type_int() }}) * 60
        + cast(extract(minute from {{ local_ts }}) as {{ dbt.type_int() }}))
{%- endmacro %}

{#- First day of the reporting period (`month`, or ISO `week` starting Monday) holding a date. -#}
{% macro reporting_period_start(period_type, date_expr) -%}
    cast({{ dbt.date_trunc(period_type, date_expr) }} as date)
{%- endmacro %}

{#- Last day of the reporting period starting on `start_expr`. -#}
{% macro reporting_period_end(period_type, start_expr) -%}
    {%- if period_type == 'month' -%}
        cast({{ dbt.last_day(start_expr, 'month') }} as date)
    {%- else -%}
        cast({{ dbt.dateadd('day', 6, start_expr) }} as date)
    {%- endif -%}
{%- endmacro %}

{#- Rates and shares: DECIMAL(18, 6) (exact, like money); dispatched so an engine can choose its own. -#}
{% macro reporting_type_rate() -%}
    {{ return(adapter.dispatch('reporting_type_rate')()) }}
{%- endmacro %}

{% macro default__reporting_type_rate() -%}
    decimal(18, 6)
{%- endmacro %}

{#- A ratio as a rate (reporting_type_rate), rounded to 6 places; null (not an error) when the
    denominator is zero or null. Divides at 12 decimal places so the rounding is the only loss. -#}
{% macro reporting_ratio(numerator, denominator) -%}
    case when coalesce({{ denominator }}, 0) = 0 then null
         else cast(round(cast({{ numerator }} as decimal(38, 12)) / cast({{ denominator }} as decimal(38, 12)), 6)
              as {{ reporting_type_rate() }}) end
{%- endmacro %}
