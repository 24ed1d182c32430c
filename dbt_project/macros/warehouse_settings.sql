{#- The warehouse's resource settings for dbt's own connection: the memory limit, thread count and
    spill folder that pipelines/warehouse.py gives every pipeline connection (duckdb_settings), passed
    by pipelines/transform.py (dbt_env) as ARREARS_DBT_MEMORY_LIMIT, ARREARS_DBT_THREADS and
    ARREARS_DBT_TEMP_DIR. Run once per invocation (on-run-start in dbt_project.yml): DuckDB's settings
    hold for the whole database instance, so every thread's cursor gets them. A setting whose variable
    is not set (a one-off `dbt build` by hand) is left at the engine's default; an engine without such
    settings gets nothing (adapter.dispatch). Read only when the hook runs (`execute`), so the values
    are no part of the parse that dbt keeps between nights. -#}
{% macro warehouse_settings() -%}
    {{ return(adapter.dispatch('warehouse_settings')()) }}
{%- endmacro %}

{% macro default__warehouse_settings() -%}
{%- endmacro %}

{% macro duckdb__warehouse_settings() -%}
    {%- if execute -%}
        {%- for name in ['memory_limit', 'threads', 'temp_directory'] -%}
            {%- set value = env_var('ARREARS_DBT_' ~ (name if name != 'temp_directory' else 'temp_dir') | upper, '') -%}
            {%- if value %}
set {{ name }} = '{{ value | replace("'", "''") }}';
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
