{#- The run's business date as a SQL date literal. Passed by the pipeline as a dbt var. -#}
{% macro as_of_date() -%}
    cast('{{ var("as_of_date") }}' as date)
{%- endmacro %}
