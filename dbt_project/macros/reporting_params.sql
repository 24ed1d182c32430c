{#- Parameters of the management reporting marts (models/marts/reporting), one place: the policy
    file. The reports' own parameters and the lender's time zone come from its `reporting:` section
    (var reporting_policy), the contact-rule figures from its `contact:` section (var
    contact_policy), so the breaches reported are the rules the schedule applies. dbt has no
    fallback of its own: the pipeline passes both vars (pipelines.policy.Policy.dbt_vars());
    docs/reporting.md explains each one. -#}
{% macro reporting_param(name) -%}
    {%- set rp = var('reporting_policy', none) -%}
    {%- set cp = var('contact_policy', none) -%}
    {%- if rp is none or cp is none -%}
        {{ exceptions.raise_compiler_error("vars reporting_policy and contact_policy are missing: pass pipelines.policy.load_policy(file).dbt_vars()") }}
    {%- endif -%}
    {%- set from_contact = {
        'contact_window_start_minute': cp['window']['start_minute'],
        'contact_window_end_minute': cp['window']['end_minute'],
        'calls_per_debt_per_7_days': cp['limits']['calls_per_debt_per_7_days'],
        'pause_days_after_conversation': cp['limits']['pause_days_after_conversation'],
        'connected_calls_per_person_per_day': cp['limits']['connected_calls_per_person_per_day'],
    } -%}
    {%- if name in from_contact -%}
        {{- return(from_contact[name]) -}}
    {%- elif name in rp -%}
        {{- return(rp[name]) -}}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("unknown reporting parameter " ~ name) }}
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
