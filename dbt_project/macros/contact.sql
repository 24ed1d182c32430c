{#- The allowed [start, end) of local hours on a day, per time-zone key, as UTC datetimes: computed
    when a model compiles, with the IANA zone database dbt exposes as modules.pytz, so the SQL holds
    only literals and runs on any engine. Used by int_contact__zone_windows (the contact window) and
    int_contact__visit_windows (the visiting hours).

    hours: {start_minute, end_minute, by_country: {ISO: [start, end]}}; day: a datetime (midnight);
    keys: the zone keys to compute (contact_window_keys(): those the night's customers can use), or
    none for every key. Returns a list of {key, display, n, start, end} for
        tz:<IANA zone>          the customer's own zone
        country:<ISO code>      no valid zone: every zone of the country (pytz.country_timezones)
        region:<ISO>:<region>   no valid zone: the zones policy timezones_by_region lists (always all)
    A key of `keys` that is no IANA zone or no country of the zone database is left out, as it is
    from the whole list. A key with several candidate zones gets the intersection (only hours allowed
    in every candidate zone); an empty intersection has start and end none. Ambiguous local times
    resolve to the later start and the earlier end (the stricter reading). -#}
{% macro contact_zone_window_rows(hours, timezones_by_region, day, keys=none) %}
{%- set pytz = modules.pytz -%}
{%- set dt = modules.datetime -%}
{%- set default_window = [hours['start_minute'], hours['end_minute']] -%}
{%- if keys is none -%}
    {%- set zone_names = pytz.all_timezones | sort -%}
    {%- set countries = pytz.country_timezones | sort -%}
{%- else -%}
    {%- set zone_names = [] -%}{%- set countries = [] -%}
    {%- for k in keys | sort -%}
        {%- if k[:3] == 'tz:' and k[3:] in pytz.all_timezones_set -%}{%- set _ = zone_names.append(k[3:]) -%}
        {%- elif k[:8] == 'country:' and k[8:] in pytz.country_timezones -%}{%- set _ = countries.append(k[8:]) -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{#- a zone's country (for its policy hours): the first country of the zone database listing it -#}
{%- set zone_country = {} -%}
{%- for cc, zones in (pytz.country_timezones.items() if zone_names else []) -%}
    {%- for z in (zones if keys is none else zones | select('in', zone_names)) -%}
        {%- if z not in zone_country -%}{%- set _ = zone_country.update({z: cc}) -%}{%- endif -%}
    {%- endfor -%}
{%- endfor -%}
{%- set cache = {} -%}
{%- set rows = [] -%}
{%- set groups = [] -%}
{%- for zone in zone_names -%}
    {%- set _ = groups.append({'key': 'tz:' ~ zone, 'country': zone_country.get(zone), 'zones': [zone]}) -%}
{%- endfor -%}
{%- for cc in countries -%}
    {%- set _ = groups.append({'key': 'country:' ~ cc, 'country': cc, 'zones': pytz.country_timezones[cc]}) -%}
{%- endfor -%}
{%- for cc, regions in timezones_by_region.items() | sort -%}
    {%- for region, zones in regions.items() | sort -%}
        {%- set _ = groups.append({'key': 'region:' ~ cc ~ ':' ~ region, 'country': cc, 'zones': zones}) -%}
    {%- endfor -%}
{%- endfor -%}
{%- for g in (groups if execute else []) -%}  {#- parsing needs no windows -#}
    {%- set w = hours['by_country'].get(g['country'], default_window) -%}
    {%- set starts = [] -%}{%- set ends = [] -%}
    {%- for zone in g['zones'] -%}
        {%- set key = zone ~ '|' ~ w[0] ~ '|' ~ w[1] -%}
        {%- if key not in cache -%}
            {%- set tz = pytz.timezone(zone) -%}
            {%- set _ = cache.update({key: [
                tz.normalize(tz.localize(day + dt.timedelta(minutes=w[0]), is_dst=False)).astimezone(pytz.utc),
                tz.normalize(tz.localize(day + dt.timedelta(minutes=w[1]), is_dst=True)).astimezone(pytz.utc)]}) -%}
        {%- endif -%}
        {%- set _ = starts.append(cache[key][0]) -%}{%- set _ = ends.append(cache[key][1]) -%}
    {%- endfor -%}
    {%- set common = (starts | max) < (ends | min) -%}
    {%- set _ = rows.append({'key': g['key'], 'display': g['zones'][0], 'n': g['zones'] | length,
                        'start': (starts | max) if common else none, 'end': (ends | min) if common else none}) -%}
{%- endfor -%}
{{ return(rows) }}
{% endmacro %}

{#- The zone keys the night's customers can use (int_contact__recipients joins the windows on
    tz:<trimmed zone as delivered> and country:<trimmed upper-case country> of D's customers; the
    configured regions' keys come from the policy), read from stg_customers when the model runs:
    the two window models then compute and hold only these, so they cost what the book uses. The
    keys are only ever matched against the zone database (a value no zone or country names is left
    out), never written into SQL as delivered.

    none (every key, the whole zone database) when there is nothing of the night to read: while
    parsing, in a dbt unit test (its given rows are not a table a query can read), before
    stg_customers exists, and with var contact_window_keys = all (a compile whose SQL is run later
    on other customers: tests/test_contact_rules.py). That var is a build switch, not a policy value
    (dbt_project.yml declares none but the date): unset, it means night. Each model that calls this names
    `-- depends_on: ref('stg_customers')` so dbt builds it after the customers. -#}
{% macro contact_window_keys() %}
{%- if not execute or model.resource_type == 'unit_test' or var('contact_window_keys', 'night') == 'all' -%}
    {{ return(none) }}
{%- endif -%}
{%- set customers = load_relation(ref('stg_customers')) -%}
{%- if customers is none -%}
    {{ return(none) }}
{%- endif -%}
{%- set used -%}
    select distinct 'tz:' || trim(timezone) as zone_key
    from {{ customers }}
    where as_of_date = {{ as_of_date() }} and timezone is not null
    union
    select distinct 'country:' || upper(trim(country)) as zone_key
    from {{ customers }}
    where as_of_date = {{ as_of_date() }} and country is not null
{%- endset -%}
{{ return(run_query(used).columns[0].values() | list) }}
{% endmacro %}

{#- The mailing date of the letters of night `night` (a date): contact.letters.mailing_lag_days
    business days after it on the contact calendar (Monday-Friday minus holidays, plus workdays); a
    lag of 0: the night itself, or the next business day when it is none. Called by
    int_contact__mailing_dates only: every reader of a mailing date reads that model. -#}
{% macro contact_mailing_date(night, lag, calendar) %}
{%- set dt = modules.datetime -%}
{%- set day = namespace(d=night, steps=lag) -%}
{%- if not (day.d.isoformat() in calendar['workdays'] or (day.d.weekday() < 5 and day.d.isoformat() not in calendar['holidays'])) -%}
    {%- set day.steps = [lag, 1] | max -%}
{%- endif -%}
{%- for _ in range(day.steps) -%}
    {%- set day.d = day.d + dt.timedelta(days=1) -%}
    {%- for _ in range(366) -%}  {#- to the next business day: a year at most -#}
        {%- if day.d.isoformat() in calendar['workdays'] or (day.d.weekday() < 5 and day.d.isoformat() not in calendar['holidays']) -%}
            {%- break -%}
        {%- endif -%}
        {%- set day.d = day.d + dt.timedelta(days=1) -%}
    {%- endfor -%}
{%- endfor -%}
{{ return(day.d) }}
{% endmacro %}

{#- True while the loan (expression) is placed with an agency or lawyer and not recalled
    (int_contact__placements): the lender sends nothing of its own, and the loan takes no place under
    the daily caps or in a field agent's day. -#}
{% macro contact_is_placed(loan_id) -%}
exists (
            select 1 from {{ ref('int_contact__placements') }} p
            where p.loan_id = {{ loan_id }} and p.recalled_on is null
        )
{%- endmacro %}

{#- The recipient's name and postal address, in the order the files print them, then `extra`
    contact points (phones, e-mail) of int_contact__recipients (`alias`): the one column list of
    every mart that names the person (contact_recipients, field_visits, placement_handover), so a
    field added to the address reaches all of them. -#}
{% macro contact_recipient_columns(alias, extra=[]) -%}
{%- for c in ['full_name', 'address_line1', 'address_line2', 'city', 'region', 'postal_code', 'country'] + extra -%}
    {{ alias }}.{{ c }}{{ ',\n    ' if not loop.last }}
{%- endfor -%}
{%- endmacro %}

{#- marts.placements, the placements of every night run (none before the first night, or while
    parsing), read by relation in int_contact__placements: only earlier nights count. A macro so a
    unit test can give earlier nights of its own (overrides: macros:). -#}
{% macro contact_placements_of_earlier_nights() %}
{{ return(adapter.get_relation(database=target.database, schema='marts', identifier='placements') if execute else none) }}
{% endmacro %}
