{#- Bucket and stage from the policy's bucket list (var `delinquency_buckets`: ordered, contiguous,
    the first is the current bucket starting at 0, the last open-ended; validated by
    pipelines/policy.py). A loan that is not overdue (below the minimum days or amount) is in the
    first bucket whatever its DPD. -#}
{% macro _delinquency_case(dpd, is_overdue, field) -%}
    {%- set buckets = var('delinquency_buckets') -%}
    case
        when not ({{ is_overdue }}) then '{{ buckets[0][field] | replace("'", "''") }}'
        {%- for b in buckets[1:] | reverse %}
        when {{ dpd }} >= {{ b['from_dpd'] | int }} then '{{ b[field] | replace("'", "''") }}'
        {%- endfor %}
        else '{{ buckets[0][field] | replace("'", "''") }}'
    end
{%- endmacro %}

{% macro delinquency_bucket(dpd, is_overdue) -%}
    {{ _delinquency_case(dpd, is_overdue, 'bucket') }}
{%- endmacro %}

{% macro delinquency_stage(dpd, is_overdue) -%}
    {{ _delinquency_case(dpd, is_overdue, 'stage') }}
{%- endmacro %}
