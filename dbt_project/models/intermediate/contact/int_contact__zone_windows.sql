{#- The allowed contact window on D+1 for every time zone and country D's customers can use and
    every configured region, as UTC instants (var contact_policy.window; computed when the model
    compiles, with the IANA zone database dbt exposes as modules.pytz, so the SQL holds only literals
    and runs on any engine). The keys are read from stg_customers when the model runs (macro
    contact_window_keys): a book using three zones costs three zones, not the ~900 keys of the zone
    database (every key while parsing, in a unit test, or with var contact_window_keys = all).

    zone_key:  tz:<IANA zone>          the customer's own zone
               country:<ISO code>      no valid zone: every zone of the country (pytz.country_timezones)
               region:<ISO>:<region>   no valid zone: the zones policy timezones_by_region lists
    A key with several candidate zones gets the intersection of their windows (only hours allowed in
    every candidate zone); a key whose intersection is empty has null window columns (contact
    withheld, reason window:no_common_hours). The book-wide intersection (no zone, no country) is computed from the
    data in int_contact__recipients.

    lookback_start_utc = window end - 7 x 24 h (calls per debt in 7 days are counted after it);
    pause_boundary_utc = window start - pause days x 24 h (a conversation after it pauses calls).
    display_zone: the zone the window is shown in (the principal zone of a country). -#}
{{ config(materialized='table') }}
-- depends_on: {{ ref('stg_customers') }}
{%- set cp = var('contact_policy') -%}
{%- set pytz = modules.pytz -%}
{%- set dt = modules.datetime -%}
{%- set window = cp['window'] -%}
{%- set pause_days = cp['limits']['pause_days_after_conversation'] -%}
{%- set tomorrow = dt.datetime.strptime(as_of_date_string(), '%Y-%m-%d') + dt.timedelta(days=1) -%}
{%- set rows = contact_zone_window_rows(window, cp['timezones_by_region'], tomorrow, contact_window_keys()) -%}
{%- set fmt = "'%Y-%m-%d %H:%M:%S+00:00'" %}

select
    cast(zone_key as {{ dbt.type_string() }}) as zone_key,
    cast(display_zone as {{ dbt.type_string() }}) as display_zone,
    cast(candidate_zones as {{ dbt.type_int() }}) as candidate_zones,
    cast(window_start_utc as timestamp with time zone) as window_start_utc,
    cast(window_end_utc as timestamp with time zone) as window_end_utc,
    cast(lookback_start_utc as timestamp with time zone) as lookback_start_utc,
    cast(pause_boundary_utc as timestamp with time zone) as pause_boundary_utc
from (values
{%- for r in rows %}
    ('{{ r["key"] }}', '{{ r["display"] }}', {{ r['n'] }},
     {{ r['start'].strftime(fmt) if r['start'] else 'null' }}, {{ r['end'].strftime(fmt) if r['end'] else 'null' }},
     {{ (r['end'] - dt.timedelta(days=7)).strftime(fmt) if r['end'] else 'null' }},
     {{ (r['start'] - dt.timedelta(days=pause_days)).strftime(fmt) if r['start'] else 'null' }}){{ ',' if not loop.last }}
{%- else %}
    (null, null, 0, null, null, null, null)
{%- endfor %}
) as zones (zone_key, display_zone, candidate_zones, window_start_utc, window_end_utc, lookback_start_utc,
            pause_boundary_utc)
where zone_key is not null  -- the placeholder row of a night no key is used on (no customer zone, country or region)
