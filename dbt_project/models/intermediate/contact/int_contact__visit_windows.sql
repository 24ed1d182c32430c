{#- The visiting hours on D+1 (the visit day) for every time-zone key D's customers can use (macro
    contact_window_keys, as int_contact__zone_windows), as UTC instants: the policy's
    contact.visits.hours (by_country per ISO code) in the customer's local time, computed with the
    same zone machinery as the contact window (macro contact_zone_window_rows: own zone, country's
    zones, configured region's zones; several candidate zones: only the hours allowed in all).

    is_visiting_day / day_problem: D+1 is not a visiting day when it is a Saturday or Sunday (unless
    contact.visits.saturdays / sundays allow it) or one of contact.calendar.holidays (unless
    contact.visits.holidays allows it); a weekend day listed in contact.calendar.workdays (worked in
    lieu) is a working day. The calendar is the lender's, so the answer is the same for every key. -#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('stg_customers') }}
{%- set cp = var('contact_policy') -%}
{%- set visits = cp['visits'] -%}
{%- set dt = modules.datetime -%}
{%- set tomorrow = dt.datetime.strptime(as_of_date_string(), '%Y-%m-%d') + dt.timedelta(days=1) -%}
{%- set iso = tomorrow.strftime('%Y-%m-%d') -%}
{%- set weekday = tomorrow.weekday() -%}
{%- if iso in cp['calendar']['holidays'] and not visits['holidays'] -%}
    {%- set day_problem = 'window:no_visiting_day (' ~ iso ~ ' is a holiday of contact.calendar)' -%}
{%- elif weekday == 6 and not visits['sundays'] and iso not in cp['calendar']['workdays'] -%}
    {%- set day_problem = 'window:no_visiting_day (' ~ iso ~ ' is a Sunday)' -%}
{%- elif weekday == 5 and not visits['saturdays'] and iso not in cp['calendar']['workdays'] -%}
    {%- set day_problem = 'window:no_visiting_day (' ~ iso ~ ' is a Saturday)' -%}
{%- else -%}
    {%- set day_problem = none -%}
{%- endif -%}
{%- set rows = contact_zone_window_rows(visits['hours'], cp['timezones_by_region'], tomorrow, contact_window_keys()) -%}
{%- set fmt = "'%Y-%m-%d %H:%M:%S+00:00'" %}

select
    zone_key,
    display_zone,
    cast(visit_start_utc as timestamp with time zone) as visit_start_utc,
    cast(visit_end_utc as timestamp with time zone) as visit_end_utc,
    {{ 'true' if day_problem is none else 'false' }} as is_visiting_day,
    {{ "'" ~ day_problem ~ "'" if day_problem else 'cast(null as ' ~ dbt.type_string() ~ ')' }} as day_problem
from (values
{%- for r in rows %}
    ('{{ r["key"] }}', '{{ r["display"] }}',
     {{ r['start'].strftime(fmt) if r['start'] else 'null' }}, {{ r['end'].strftime(fmt) if r['end'] else 'null' }}){{ ',' if not loop.last }}
{%- else %}
    (null, null, null, null)
{%- endfor %}
) as zones (zone_key, display_zone, visit_start_utc, visit_end_utc)
