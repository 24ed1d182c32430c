{#- Incremental restatement of the reporting intermediates (docs/performance.md, "Incremental
    reporting intermediates").

    reporting_restated_since(nights, rules_key): the night whose build the incremental table now holds
    (its `restated_on`, 'YYYY-MM-DD') when tonight may restate only what changed since then, else ''
    (build in full). Incremental only when all of these hold:
    - the table exists and this is not a --full-refresh (is_incremental());
    - it was last built for the warehouse's night immediately before D (the latest night of `nights`,
      marts.loan_delinquency, before D) and no night after D has been processed: a rerun of an older
      night, a reverse-order backfill and `arrears rebuild --from` build in full, and so does the next
      newer night after them (the table's stored night is then not the night before);
    - every row was written under tonight's rules (`rules_key`: the policy values and the model's
      code), so a changed policy or a new version of the model restates everything. -#}
{% macro reporting_restated_since(nights, rules_key) -%}
    {%- if not execute or not is_incremental() -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if 'restated_on' not in columns or 'rules_key' not in columns -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set probe -%}
        select
            (select max(restated_on) from {{ this }}) as stored_night,
            (select min(rules_key) from {{ this }}) as first_key,
            (select max(rules_key) from {{ this }}) as last_key,
            (select max(as_of_date) from {{ nights }} where as_of_date < {{ as_of_date() }}) as previous_night,
            (select count(*) from {{ nights }} where as_of_date > {{ as_of_date() }}) as later_nights
    {%- endset -%}
    {%- set row = run_query(probe).rows[0] -%}
    {%- if row[0] is none or row[3] is none or row[4] != 0
            or row[1] != rules_key or row[2] != rules_key
            or (row[0] | string) != (row[3] | string) -%}
        {{- return('') -}}
    {%- endif -%}
    {{- return(row[0] | string) -}}
{%- endmacro %}

{#- The rows of an incremental reporting table are replaced whole when tonight builds it in full
    (pre-hook): nothing of an older build (months after D on a rerun, a loan's months before a
    corrected disbursement) survives it. -#}
{% macro reporting_clear_for_full_build(nights, rules_key) -%}
    {%- if execute and is_incremental() and reporting_restated_since(nights, rules_key) == '' -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}

{#- Strings aggregated in a fixed order, so the same rows always give the same text (a fingerprint).
    Spark's collect_list ignores an order by: sort the collected array instead. -#}
{% macro ordered_listagg(measure, order_by) -%}
    {{ return(adapter.dispatch('ordered_listagg')(measure, order_by)) }}
{%- endmacro %}

{% macro default__ordered_listagg(measure, order_by) -%}
    {{ dbt.listagg(measure, "'~'", 'order by ' ~ order_by) }}
{%- endmacro %}

{% macro spark__ordered_listagg(measure, order_by) -%}
    array_join(array_sort(collect_list({{ measure }})), '~')
{%- endmacro %}

{#- A value as text for a fingerprint: '' for null. -#}
{% macro fingerprint_text(expression) -%}
    coalesce(cast({{ expression }} as {{ dbt.type_string() }}), '')
{%- endmacro %}

{#- What int_reporting_month_end_book's rows were derived under: the DPD rule's policy values and
    the model's own code. A row written under another key is restated (the table is rebuilt). -#}
{% macro month_end_book_rules_key() -%}
    {{- return(local_md5(policy_amount('delinquency_tolerance_amount') ~ '|' ~ (var('delinquency_minimum_days') | string)
                         ~ '|' ~ policy_amount('delinquency_minimum_amount') ~ '|' ~ delinquency_bucket('dpd', 'is_overdue')
                         ~ '|' ~ reporting_bucket_position(delinquency_bucket('dpd', 'is_overdue'))
                         ~ '|' ~ (model.raw_code if model is mapping and model.raw_code else ''))) -}}
{%- endmacro %}

{#- After an incremental night (post-hook): a loan that was restated whole tonight (its row of the
    disbursement month was written tonight) keeps no row of an earlier build (months before a
    corrected disbursement), and a loan no longer disbursed by D keeps none at all (every loan that
    is gets D's month tonight). -#}
{% macro month_end_book_drop_stale_months() -%}
    {%- if execute and is_incremental() -%}
        delete from {{ this }}
        where restated_on < {{ as_of_date() }}
            and (loan_id not in (select loan_id from {{ this }} where restated_on = {{ as_of_date() }})
                or loan_id in (select loan_id from {{ this }}
                               where restated_on = {{ as_of_date() }} and observation_month = disbursement_month))
    {%- endif -%}
{%- endmacro %}
