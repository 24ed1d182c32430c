{#- Every customer of D's snapshot as a contact recipient: usable phone (E.164), e-mail and postal
    address, message language, the person (linked customer ids count as one person), and the
    allowed contact window on D+1.

    Window: the customer's own zone when it is a valid IANA name; else (policy unknown_timezone =
    intersection) the configured region's zones, else the country's zones, else every zone the
    book's customers use; the intersection of their windows (hours allowed in all of them). With
    unknown_timezone = skip, a customer without a valid zone has no window. -#}
{{ config(materialized='table') }}
{%- set cp = var('contact_policy', {}) -%}
{%- if execute and not cp -%}
    {{ exceptions.raise_compiler_error("var contact_policy is missing: pass pipelines.contact.policy.contact_dbt_vars(policy file)") }}
{%- endif -%}
{%- set languages = cp.get('languages', ['zh-CN']) -%}
{#- address_required: {default: [fields], <ISO country>: [fields]}, the destination country's rule -#}
{%- set required = cp.get('address_required', {}) -%}
{%- set has_address = namespace(by_country=[]) -%}
{%- for cc, fields in required.items() | sort -%}
    {%- set test = namespace(parts=[]) -%}
    {%- for f in fields -%}{%- set test.parts = test.parts + ["coalesce(trim(" ~ f ~ "), '') <> ''"] -%}{%- endfor -%}
    {%- set has_address.by_country = has_address.by_country + [(cc, test.parts | join(' and ') or 'true')] -%}
{%- endfor %}
{%- set regions = cp.get('timezones_by_region', {}) -%}
{%- set digits_removed = namespace(expr="substr(phone, 2)") -%}
{%- for d in range(10) -%}{%- set digits_removed.expr = "replace(" ~ digits_removed.expr ~ ", '" ~ d ~ "', '')" -%}{%- endfor %}

with customers as (

    select
        customer_id,
        -- customer ids of one person (same valid national id) share a person_id: limits count per person
        coalesce(person_id, customer_id) as person_id,
        full_name,
        national_id,
        trim(phone) as phone,
        lower(trim(email)) as email,
        address_line1, address_line2, city, region, postal_code,
        upper(trim(country)) as country,
        lower(trim(preferred_language)) as preferred_language,
        trim(timezone) as timezone
    from {{ ref('stg_customers') }}
    where as_of_date = {{ as_of_date() }}

),

checked as (

    select
        *,
        case
            when phone like '+%'
                and {{ digits_removed.expr }} = ''
                and length(phone) between 8 and 16
                and substr(phone, 2, 1) <> '0'
                then phone
        end as e164_phone,
        case
            when email like '%_@_%._%'
                and email not like '% %'
                and length(email) - length(replace(email, '@', '')) = 1
                and length(email) <= 254
                then email
        end as usable_email,
        case
            {%- for cc, test in has_address.by_country if cc != 'default' %}
            when country = '{{ cc }}' then {{ test }}
            {%- endfor %}
            else {{ (has_address.by_country | selectattr(0, 'equalto', 'default') | map(attribute=1) | first) or 'true' }}
        end as has_address,
        case
            {%- for lang in languages %}
            {%- set primary = lang.split('-')[0] | lower %}
            when preferred_language = '{{ lang | lower }}' or preferred_language = '{{ primary }}'
                or preferred_language like '{{ primary }}-%' then '{{ lang }}'
            {%- endfor %}
            else '{{ languages[0] }}'
        end as language
    from customers

),

keyed as (

    select
        c.*,
        case
            when tz.zone_key is not null then tz.zone_key
            {%- if cp.get('unknown_timezone', 'intersection') == 'intersection' %}
            {%- for cc, per_region in regions.items() | sort %}
            {%- for region in per_region | sort %}
            when c.country = '{{ cc }}' and upper(trim(c.region)) = '{{ region | upper }}' then 'region:{{ cc }}:{{ region }}'
            {%- endfor %}
            {%- endfor %}
            when cz.zone_key is not null then cz.zone_key
            else 'book'
            {%- endif %}
        end as zone_key,
        tz.zone_key is not null as has_timezone
    from checked c
    left join {{ ref('int_contact__zone_windows') }} tz
        on tz.zone_key = 'tz:' || c.timezone
    left join {{ ref('int_contact__zone_windows') }} cz
        on cz.zone_key = 'country:' || c.country

),

book as (

    -- every zone the book's customers use: hours allowed in all of them
    select
        'book' as zone_key,
        'UTC' as display_zone,
        count(*) as candidate_zones,
        max(w.window_start_utc) as window_start_utc,
        min(w.window_end_utc) as window_end_utc,
        min(w.lookback_start_utc) as lookback_start_utc,
        max(w.pause_boundary_utc) as pause_boundary_utc
    from (select distinct zone_key from keyed where has_timezone) used
    inner join {{ ref('int_contact__zone_windows') }} w on w.zone_key = used.zone_key
    having count(*) > 0

),

windows as (

    select zone_key, display_zone, candidate_zones, window_start_utc, window_end_utc, lookback_start_utc,
        pause_boundary_utc
    from {{ ref('int_contact__zone_windows') }}
    union all
    select * from book

)

select
    k.customer_id,
    k.person_id,
    k.full_name,
    k.e164_phone as phone,
    k.phone as phone_as_delivered,
    k.usable_email as email,
    k.has_address,
    k.address_line1, k.address_line2, k.city, k.region, k.postal_code, k.country,
    k.language,
    k.timezone,
    k.has_timezone,
    k.zone_key,
    w.display_zone,
    w.candidate_zones,
    w.window_start_utc,
    w.window_end_utc,
    w.lookback_start_utc,
    w.pause_boundary_utc,
    case
        when k.zone_key is null then 'window:unknown_timezone (policy unknown_timezone = skip)'
        when w.window_start_utc is null or not (w.window_start_utc < w.window_end_utc)
            then 'window:no_common_hours (' || k.zone_key || ')'
    end as window_problem
from keyed k
left join windows w on w.zone_key = k.zone_key
