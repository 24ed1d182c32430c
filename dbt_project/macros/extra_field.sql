{#- One optional extra column of a landing file, as text: the loader keeps columns beyond the
    contract's in `_extra` (a JSON object of the row's extra values), so an extract may carry them
    without breaking the contract. Null when the row has no such column. -#}
{% macro extra_field(extra_column, name) -%}
    {{ return(adapter.dispatch('extra_field')(extra_column, name)) }}
{%- endmacro %}

{% macro default__extra_field(extra_column, name) -%}
    json_extract_scalar({{ extra_column }}, '$.{{ name }}')
{%- endmacro %}

{% macro duckdb__extra_field(extra_column, name) -%}
    json_extract_string({{ extra_column }}, '$.{{ name }}')
{%- endmacro %}

{% macro spark__extra_field(extra_column, name) -%}
    get_json_object({{ extra_column }}, '$.{{ name }}')
{%- endmacro %}
