{#- Parameters of the management reporting marts (models/marts/reporting), one place.

    Each can be overridden with a dbt var of the same name (e.g. --vars '{reporting_attribution_conversation_days: 10}');
    the contact-rule figures come from the collection policy's `contact` section (var contact_policy)
    when the pipeline passes it, so the breaches reported are the rules the schedule applies.
    docs/reporting.md explains each one. -#}
{% macro reporting_param(name) -%}
    {%- set cp = var('contact_policy', {}) or {} -%}
    {%- set window = cp.get('window', {}) or {} -%}
    {%- set limits = cp.get('limits', {}) or {} -%}
    {%- set defaults = {
        'lender_timezone': 'Asia/Shanghai',
        'attribution_conversation_days': 14,
        'attribution_promise_grace_days': 3,
        'attribution_notice_days': 7,
        'strategy_outcome_days': 14,
        'contact_window_start_minute': window.get('start_minute', 480),
        'contact_window_end_minute': window.get('end_minute', 1260),
        'calls_per_debt_per_7_days': limits.get('calls_per_debt_per_7_days', 7),
        'pause_days_after_conversation': limits.get('pause_days_after_conversation', 7),
        'connected_calls_per_person_per_day': limits.get('connected_calls_per_person_per_day', 3),
        'warning_trailing_periods': 4,
        'warning_roll_rate_ratio': 1.25,
        'warning_roll_rate_min_accounts': 20,
        'warning_broken_promise_ratio': 1.25,
        'warning_broken_promise_min_due': 10,
        'warning_loans_per_customer': 2,
    } -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error("unknown reporting parameter " ~ name) }}
    {%- endif -%}
    {{- return(var('reporting_' ~ name, defaults[name])) -}}
{%- endmacro %}

{#- The bucket's position in the policy's bucket list (0 = current, 1 = first overdue bucket, ...),
    so "M2+" means position >= 2 whatever the scheme calls its buckets. Unknown names get null. -#}
{% macro reporting_bucket_position(bucket) -%}
    {%- set buckets = var('delinquency_buckets') -%}
    case {{ bucket }}
        {%- for b in buckets %}
        when '{{ b['bucket'] | replace("'", "''") }}' then {{ loop.index0 }}
        {%- endfor %}
    end
{%- endmacro %}

{#- The first (current) bucket's name, e.g. M0. -#}
{% macro reporting_current_bucket() -%}
    '{{ var('delinquency_buckets')[0]['bucket'] | replace("'", "''") }}'
{%- endmacro %}

{#- The name of the bucket at `position` in the policy's list (for labels such as "M2+"). -#}
{% macro reporting_bucket_name(position) -%}
    {{- return(var('delinquency_buckets')[position]['bucket']) -}}
{%- endmacro %}
