{#- Generic test: the combination of `columns` is unique (dbt_utils-style, without a package
    download: this project installs nothing from the dbt hub). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as copies
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
