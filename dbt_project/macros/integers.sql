{#- The whole numbers first..last as a relation with one column `n`, portable (no engine series
    function): one digit table per decimal place, cross-joined. -#}
{% macro integers(first, last) -%}
    {%- set places = (last | string) | length -%}
    {%- set selects = [] -%}
    {%- for d in range(10) %}{% set _ = selects.append('select ' ~ d ~ ' as d') %}{% endfor -%}
    {%- set digit = '(' ~ (selects | join(' union all ')) ~ ')' -%}
    (
        select n
        from (
            select {% for p in range(places) %}p{{ p }}.d * {{ 10 ** p }}{{ ' + ' if not loop.last }}{% endfor %} as n
            from {% for p in range(places) %}{{ digit }} p{{ p }}{{ ' cross join ' if not loop.last }}{% endfor %}
        ) numbers
        where n between {{ first }} and {{ last }}
    )
{%- endmacro %}
