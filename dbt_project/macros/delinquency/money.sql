{#- Money stays DECIMAL, never float. `type_money()` is the type of every amount the delinquency
    models compute (the landing contract's DECIMAL(18,2)); dispatched so an adapter can override it. -#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    decimal(18, 2)
{%- endmacro %}

{#- A policy amount (dbt var holding decimal text, e.g. "1.00") as a money literal. -#}
{% macro policy_amount(var_name) -%}
    cast('{{ var(var_name) }}' as {{ type_money() }})
{%- endmacro %}
