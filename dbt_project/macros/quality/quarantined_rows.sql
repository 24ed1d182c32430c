{#- The rows of one landing file that the validate step quarantined (quality.quarantine), one row
    per (quarantined_on, quarantined_row) however many rules they broke. Staging models left-join it on the
    night the row was delivered and its row number, and carry `is_quarantined`: the row stays in
    staging so every delivered row is accounted for (int_quality_row_accounting), and the models
    that compute with it (schedules, payments, contact history, flags, agents) leave it out. -#}
{% macro quarantined_rows(file) -%}
    (
        select as_of_date as quarantined_on, source_row as quarantined_row, true as is_quarantined
        from {{ quality_source('quarantine') }}
        where file = '{{ file }}'
        group by as_of_date, source_row
    )
{%- endmacro %}
