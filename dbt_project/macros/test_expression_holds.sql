{#- Generic test: `expression` is true on every row (of the test's `where`-filtered model). Fails
    with the rows where it is false or null. -#}
{% test expression_holds(model, expression) %}
select * from {{ model }} where not coalesce({{ expression }}, false)
{% endtest %}
