{#- Engine-specific pieces of the quality layer, behind adapter.dispatch so another warehouse
    (Spark, Snowflake, ...) adds its own `<adapter>__` version; `default__` is the Spark SQL
    spelling, `duckdb__` the embedded default's. The `quality` schema is written by the validate
    step (data_quality/store.py) with list columns for the field names a rule touched. -#}

{#- Lower-case hex SHA-256 of a text expression (person ids of unvalidated customers must equal
    the validate step's: 'P' + the first 15 hex digits of sha256('customer:' || id)). -#}
{% macro quality_sha256_hex(expression) -%}
    {{ return(adapter.dispatch('quality_sha256_hex')(expression)) }}
{%- endmacro %}
{% macro default__quality_sha256_hex(expression) -%} sha2({{ expression }}, 256) {%- endmacro %}
{% macro duckdb__quality_sha256_hex(expression) -%} sha256({{ expression }}) {%- endmacro %}

{#- True when the list column `list_expression` holds `value`. -#}
{% macro quality_list_contains(list_expression, value) -%}
    {{ return(adapter.dispatch('quality_list_contains')(list_expression, value)) }}
{%- endmacro %}
{% macro default__quality_list_contains(list_expression, value) -%} array_contains({{ list_expression }}, {{ value }}) {%- endmacro %}
{% macro duckdb__quality_list_contains(list_expression, value) -%} list_contains({{ list_expression }}, {{ value }}) {%- endmacro %}

{#- The type of a list of field names. -#}
{% macro quality_type_text_list() -%}
    {{ return(adapter.dispatch('quality_type_text_list')()) }}
{%- endmacro %}
{% macro default__quality_type_text_list() -%} array<string> {%- endmacro %}
{% macro duckdb__quality_type_text_list() -%} varchar[] {%- endmacro %}
