{#- The day the letters of each night are handed to the post (int_contact__mailing_dates: the one
    place of the rule), kept for every night run: the letters print it and count their deadlines
    from it, tonight's and an evidence pack's letter of an earlier night rendered again. Each night
    writes the nights of its window (delete+insert by night): a rerun writes the same rows.
    `full_refresh: false`: a --full-refresh never wipes the dates of letters already sent. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='night',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}

select night, mailed_on
from {{ ref('int_contact__mailing_dates') }}
