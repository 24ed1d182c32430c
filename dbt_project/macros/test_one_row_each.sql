{#- Generic test: the rows of `model` and the rows of `to` (each filtered: `model` by the test's
    `where` config, `to` by `to_where`) carry the same `columns` values, each exactly once in
    `model`. Fails with one row per missing, extra or repeated key. Used for "every overdue loan
    exactly once" (overdue_accountability against loan_delinquency where is_overdue). -#}
{% test one_row_each(model, to, columns, to_where='1 = 1') %}
{%- set keys = columns | join(', ') %}
with actual as (
    select {{ keys }}, count(*) as copies from {{ model }} group by {{ keys }}
),
expected as (
    select distinct {{ keys }} from {{ to }} where {{ to_where }}
)
select
    {% for c in columns %}coalesce(a.{{ c }}, e.{{ c }}) as {{ c }}, {% endfor %}
    case when e.{{ columns[0] }} is null then 'not expected'
         when a.{{ columns[0] }} is null then 'missing'
         else 'repeated ' || cast(a.copies as {{ dbt.type_string() }}) || ' times' end as problem
from actual a
full outer join expected e on {% for c in columns %}a.{{ c }} = e.{{ c }}{{ ' and ' if not loop.last }}{% endfor %}
where e.{{ columns[0] }} is null or a.{{ columns[0] }} is null or a.copies <> 1
{% endtest %}
