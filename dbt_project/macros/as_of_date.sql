{#- The run's business date.

    Given either as the dbt var `as_of_date` (tests, unit tests, one-off runs) or, by the pipeline,
    as the environment variable ARREARS_AS_OF_DATE, read only when a node executes. The pipeline does
    not pass the date as a var because dbt re-parses the whole project whenever its vars change:
    a night that only changes the date keeps the parse of the night before (partial parsing).
    While dbt parses (`execute` false) the date is not known and the var's default stands in; so
    nothing that dbt renders at parse time (a test's `config: where:`, see get_where_subquery) may
    use the date directly. -#}
{% macro as_of_date_string() -%}
    {%- set passed = var('as_of_date') -%}
    {%- if passed == '1970-01-01' and execute -%}
        {{- env_var('ARREARS_AS_OF_DATE', passed) -}}
    {%- else -%}
        {{- passed -}}
    {%- endif -%}
{%- endmacro %}

{#- The business date as a SQL date literal. -#}
{% macro as_of_date() -%}
    cast('{{ as_of_date_string() }}' as date)
{%- endmacro %}

{#- A data test's `where` config, rendered when the test runs. dbt renders `config: where:` at parse
    time, when the business date is not known; a filter on the night's partition is therefore written
    with the date call left for run time, `where: "as_of_date = {% raw %}{{ as_of_date() }}{% endraw %}"`,
    and rendered here. Otherwise dbt's own get_where_subquery. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = render(where) if '{{' in where else where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
