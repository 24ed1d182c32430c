{#- Oldest-first allocation, the one rule behind both the nightly engine
    (int_installment_allocation) and the month-end re-derivation of the reporting marts
    (int_reporting_month_end_book): a schedule's installments in due-date order (installment_no
    breaks ties) take the loan's net paid amount while the cumulative amount due before them is
    covered, so the oldest due date is paid first and any overpayment carries forward. -#}

{#- The schedule columns of the installments `i` (a relation alias): the amounts with missing parts
    as 0, `amount_due`, and `cumulative_due` up to and including the installment within one
    schedule (`partition_by`: the columns that identify a schedule, e.g. "i.as_of_date, i.loan_id"). -#}
{% macro schedule_due_columns(i, partition_by) -%}
    {%- set amount = "coalesce(" ~ i ~ ".fee_due, 0) + coalesce(" ~ i ~ ".interest_due, 0) + coalesce(" ~ i ~ ".principal_due, 0)" -%}
    coalesce({{ i }}.fee_due, 0) as fee_due,
    coalesce({{ i }}.interest_due, 0) as interest_due,
    coalesce({{ i }}.principal_due, 0) as principal_due,
    {{ amount }} as amount_due,
    sum({{ amount }}) over (
        partition by {{ partition_by }}
        order by {{ i }}.due_date, {{ i }}.installment_no
        rows between unbounded preceding and current row
    ) as cumulative_due
{%- endmacro %}

{#- What an installment receives of the loan's net paid amount `paid`: nothing while the earlier
    installments absorb it, all of `amount_due` once `cumulative_due` is covered, else the rest. -#}
{% macro oldest_first_paid(paid, cumulative_due, amount_due) -%}
    case
        when {{ paid }} <= {{ cumulative_due }} - {{ amount_due }} then 0
        when {{ paid }} >= {{ cumulative_due }} then {{ amount_due }}
        else {{ paid }} - ({{ cumulative_due }} - {{ amount_due }})
    end
{%- endmacro %}

{#- A payment of int_reporting_payments (alias `p`) that counts on date `at`: value-dated by then and
    not cancelled by a reversal value-dated by then (a reversal cancels from its own value date on). -#}
{% macro payment_in_force(p, at) -%}
    {{ p }}.value_date <= {{ at }}
        and (not {{ p }}.is_reversed or {{ p }}.reversal_value_date > {{ at }})
{%- endmacro %}
