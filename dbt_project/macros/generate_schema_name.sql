{#- Use the layer's schema name as-is (staging, intermediate, marts) rather than dbt's
    default "<target schema>_<custom schema>", so outsiders can rely on `marts.loan_delinquency`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
