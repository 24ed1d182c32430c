{#- The policy's contact actions as rows (var `contact_policy`, from pipelines/contact/policy.py):
    one row per step of an `on_dpd` action, one row per recurring (`from_dpd`) action.

    trigger_key names the trigger across nights: a step fires once per overdue episode, a recurring
    action at most once per `every_days` nights. next_trigger_dpd is the next step of the same action
    (a missed or withheld step is caught up only until the next step is reached). fallback_channel:
    the channel a message goes by when the customer has no usable address for its own (policy
    channel_fallback, only where the template has a text for it). risk_bands: ';low;medium;' when the
    action is only for loans scored in those bands (marts.collection_scores), null for every loan.
    no_right_party_days: a visit is due only when no call reached the debtor in that many days (0
    for every other action). -#}
{%- set cp = var('contact_policy') -%}
{%- set rows = [] -%}
{%- for a in cp['actions'] -%}
    {%- set key = a['variant'] ~ ':' ~ a['stage'] ~ ':' ~ a['channel'] ~ ':' ~ a['template'] -%}
    {%- set countries = (';' ~ (a['countries'] | join(';')) ~ ';') if a['countries'] else none -%}
    {%- set bands = (';' ~ (a['risk_bands'] | join(';')) ~ ';') if a.get('risk_bands') else none -%}
    {%- if a['on_dpd'] -%}
        {%- for d in a['on_dpd'] -%}
            {%- set _ = rows.append({'a': a, 'kind': 'step', 'dpd': d, 'next': a['on_dpd'][loop.index] if not loop.last else none,
                                'key': key ~ '@' ~ d, 'countries': countries, 'bands': bands}) -%}
        {%- endfor -%}
    {%- else -%}
        {%- set _ = rows.append({'a': a, 'kind': 'recurring', 'dpd': a['from_dpd'], 'next': none,
                            'key': key ~ '/' ~ a['every_days'] ~ 'd', 'countries': countries, 'bands': bands}) -%}
    {%- endif -%}
{%- endfor %}

{% for r in rows %}
select
    '{{ r['a']['variant'] }}' as variant,
    '{{ r['a']['stage'] }}' as stage,
    cast({{ r['a']['order'] }} as {{ dbt.type_int() }}) as action_order,
    '{{ r['a']['channel'] }}' as channel,
    '{{ r['a']['template'] }}' as template,
    '{{ r['kind'] }}' as kind,
    cast({{ r['dpd'] }} as {{ dbt.type_int() }}) as trigger_dpd,
    cast({{ 'null' if r['next'] is none else r['next'] }} as {{ dbt.type_int() }}) as next_trigger_dpd,
    cast({{ r['a']['every_days'] }} as {{ dbt.type_int() }}) as every_days,
    cast('{{ r['a']['min_amount'] }}' as decimal(18, 2)) as min_amount,
    {{ "'" ~ r['countries'] ~ "'" if r['countries'] else 'null' }} as countries,
    {{ "'" ~ r['bands'] ~ "'" if r['bands'] else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as risk_bands,
    {{ "'" ~ r['a']['fallback'] ~ "'" if r['a'].get('fallback') else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as fallback_channel,
    cast({{ r['a'].get('no_right_party_days', 0) }} as {{ dbt.type_int() }}) as no_right_party_days,
    '{{ r['key'] }}' as trigger_key
{{ 'union all' if not loop.last }}
{%- else %}
select
    cast(null as {{ dbt.type_string() }}) as variant, cast(null as {{ dbt.type_string() }}) as stage,
    cast(null as {{ dbt.type_int() }}) as action_order, cast(null as {{ dbt.type_string() }}) as channel,
    cast(null as {{ dbt.type_string() }}) as template, cast(null as {{ dbt.type_string() }}) as kind,
    cast(null as {{ dbt.type_int() }}) as trigger_dpd, cast(null as {{ dbt.type_int() }}) as next_trigger_dpd,
    cast(null as {{ dbt.type_int() }}) as every_days, cast(null as decimal(18, 2)) as min_amount,
    cast(null as {{ dbt.type_string() }}) as countries, cast(null as {{ dbt.type_string() }}) as risk_bands,
    cast(null as {{ dbt.type_string() }}) as fallback_channel,
    cast(null as {{ dbt.type_int() }}) as no_right_party_days,
    cast(null as {{ dbt.type_string() }}) as trigger_key
where 1 = 0
{% endfor %}
