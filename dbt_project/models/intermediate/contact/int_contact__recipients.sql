{#- Every customer of D's snapshot as a contact recipient: usable phone (E.164), e-mail and postal
    address, message language, the person (linked customer ids count as one person), and the
    allowed contact window on D+1.

    Window: the customer's own zone when it is a valid IANA name; else (policy unknown_timezone =
    intersection) the configured region's zones, else the country's zones, else every zone the
    book's customers use; the intersection of their windows (hours allowed in all of them). With
    unknown_timezone = skip, a customer without a valid zone has no window. -#}
{{ config(materialized='table') }}
{%- set cp = var('contact_policy') -%}
{%- set languages = cp['languages'] -%}
{#- address_required: {default: [fields], <ISO country>: [fields]}, the destination country's rule -#}
{%- set required = cp['address_required'] -%}
{%- set has_address = namespace(by_country=[]) -%}
{%- for cc, fields in required.items() | sort -%}
    {%- set test = namespace(parts=[]) -%}
    {%- for f in fields -%}{%- set test.parts = test.parts + ["coalesce(trim(" ~ f ~ "), '') <> ''"] -%}{%- endfor -%}
    {%- set has_address.by_country = has_address.by_country + [(cc, test.parts | join(' and ') or 'true')] -%}
{%- endfor %}
{%- set regions = cp['timezones_by_region'] -%}
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
        trim(timezone) as timezone,
        phone_is_valid,
        email_is_valid
    from {{ ref('stg_customers') }}
    where as_of_date = {{ as_of_date() }}

),

reported as (

    -- what the lender's own contact attempts (delivered by D) said about a contact point: a number
    -- that reached someone else (wrong_number) or cannot receive (bounced) is never used again while
    -- the customer keeps it; opted_out blocks the channel for that customer for good. The point is
    -- the customer's phone / e-mail in the snapshot of the attempt's delivery (else today's).
    select
        a.customer_id,
        a.channel,
        a.outcome,
        coalesce(trim(then_.phone), trim(now_.phone)) as phone,
        coalesce(lower(trim(then_.email)), lower(trim(now_.email))) as email,
        a.delivered_on
    from {{ ref('stg_contact_attempts') }} a
    left join {{ ref('stg_customers') }} then_
        on then_.customer_id = a.customer_id and then_.as_of_date = a.delivered_on
    left join {{ ref('stg_customers') }} now_
        on now_.customer_id = a.customer_id and now_.as_of_date = {{ as_of_date() }}
    where a.delivered_on <= {{ as_of_date() }}
        and a.outcome in ('wrong_number', 'bounced', 'opted_out')

),

bad_phones as (

    select customer_id, phone, min(outcome) as outcome, max(delivered_on) as reported_on
    from reported
    where outcome in ('wrong_number', 'bounced') and channel in ('call', 'sms')
    group by customer_id, phone

),

bad_emails as (

    select customer_id, email, min(outcome) as outcome, max(delivered_on) as reported_on
    from reported
    where outcome in ('wrong_number', 'bounced') and channel = 'email'
    group by customer_id, email

),

opt_outs as (

    select
        customer_id,
        ';' || {{ dbt.listagg('channel', "';'", 'order by channel') }} || ';' as opted_out_channels
    from (select distinct customer_id, channel from reported where outcome = 'opted_out') opted
    group by customer_id

),

problems as (

    select
        c.*,
        case
            when c.phone_is_valid = false then 'marked invalid by validation'
            when bp.phone is not null then bp.outcome || ' reported on ' || cast(bp.reported_on as {{ dbt.type_string() }})
        end as phone_problem,
        case
            when c.email_is_valid = false then 'marked invalid by validation'
            when be.email is not null then be.outcome || ' reported on ' || cast(be.reported_on as {{ dbt.type_string() }})
        end as email_problem,
        o.opted_out_channels
    from customers c
    left join bad_phones bp on bp.customer_id = c.customer_id and bp.phone = c.phone
    left join bad_emails be on be.customer_id = c.customer_id and be.email = c.email
    left join opt_outs o on o.customer_id = c.customer_id

),

checked as (

    select
        *,
        case
            when phone_problem is null
                and phone like '+%'
                and {{ digits_removed.expr }} = ''
                and length(phone) between 8 and 16
                and substr(phone, 2, 1) <> '0'
                then phone
        end as e164_phone,
        case
            when email_problem is null
                and email like '%_@_%._%'
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
    from problems

),

keyed as (

    select
        c.*,
        case
            when tz.zone_key is not null then tz.zone_key
            {%- if cp['unknown_timezone'] == 'intersection' %}
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

alternates as (

    -- the person's other usable numbers (linked customer ids; never one marked invalid or reported
    -- wrong): the call list and the placement file show them
    select
        k.customer_id,
        {{ dbt.listagg('o.phone', "';'", 'order by o.phone') }} as alternate_phones
    from keyed k
    inner join (select distinct person_id, e164_phone as phone from keyed where e164_phone is not null) o
        on o.person_id = k.person_id and o.phone <> coalesce(k.e164_phone, '')
    group by k.customer_id

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
    k.phone_problem,
    k.email_problem,
    k.opted_out_channels,
    a.alternate_phones,
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
left join alternates a on a.customer_id = k.customer_id
