{#- The newest row of each `partition_by` group of `relation` (newest by `order_by`), with
    `columns`, as a subquery: "the latest known version" of a snapshot record (an agent, a
    customer, a loan's currency) or of a run. Portable: row_number(), no `qualify`. -#}
{% macro latest_rows(relation, partition_by, order_by, columns, where=none) -%}
    (
        select {{ columns | join(', ') }}
        from (
            select {{ columns | join(', ') }},
                   row_number() over (partition by {{ partition_by }} order by {{ order_by }}) as recency
            from {{ relation }}
            {%- if where %}
            where {{ where }}
            {%- endif %}
        ) ranked
        where recency = 1
    )
{%- endmacro %}
