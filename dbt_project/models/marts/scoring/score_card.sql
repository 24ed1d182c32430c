{#- The scorecard that scored the night (int_score_card: the promoted model in force on D, else the
    packaged default seed), for the score monitoring in the KPI report: the Python applies these bins
    to the history exactly as collection_scores does in SQL. A view: it costs nothing at night. -#}
{{ config(materialized='view') }}

select * from {{ ref('int_score_card') }}
