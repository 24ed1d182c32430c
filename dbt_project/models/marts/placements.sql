{#- Agency placements and legal referrals as a state of the loan: one row per placed loan per
    as-of date while the placement lasts (and on the night it is recalled, with recalled_on).
    Built from int_contact__placements (which reads this table's earlier nights). Each night replaces
    its own date (delete+insert of as_of_date): a rerun never duplicates, and a rerun of an old date
    reads only the nights before it. `full_refresh: false`: a --full-refresh never wipes the state. -#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='as_of_date',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}

select
    as_of_date,
    loan_id,
    customer_id,
    placement_type,
    referral_channel,
    placed_on,
    episode_start,
    holder,
    escalated_from,
    recalled_on,
    recall_reason,
    reason,
    is_new
from {{ ref('int_contact__placements') }}
