{#- The day the letters of a night are handed to the post: contact.letters.mailing_lag_days business
    days after the night on the contact calendar (Monday-Friday minus contact.calendar.holidays, plus
    its workdays); a lag of 0: the night itself, or the next business day when it is none (macro
    contact_mailing_date). The one place of the rule: the letters print this date and count their
    deadlines from it (marts.letter_mailing_dates, read by pipelines/contact/letters.py), and a notice
    letter counts from it before a field visit (int_contact__visit_due). One row per night from D back
    over the nights whose notice letter can still count (contact.visits.notice.valid_days, plus room
    for the lag). Computed when the model compiles: the SQL holds only literals and runs anywhere. -#}
{{ config(materialized='view') }}
{%- set cp = var('contact_policy') -%}
{%- set visits = cp['visits'] -%}
{%- set lag = visits['mailing_lag_days'] -%}
{%- set dt = modules.datetime -%}
{%- set as_of = dt.datetime.strptime(as_of_date_string(), '%Y-%m-%d').date() -%}
{%- set nights = [] -%}
{%- for i in range(0, visits['notice']['valid_days'] + 3 * lag + 15) -%}
    {%- set night = as_of - dt.timedelta(days=i) -%}
    {%- set _ = nights.append((night.isoformat(), contact_mailing_date(night, lag, cp['calendar']).isoformat())) -%}
{%- endfor %}

{%- for night, mailed in nights %}
select cast('{{ night }}' as date) as night, cast('{{ mailed }}' as date) as mailed_on
{{ 'union all' if not loop.last }}
{%- endfor %}
