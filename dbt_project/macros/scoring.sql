{#- The collection score's feature columns of int_score_features, in one list: collection_scores
    unpivots exactly these, and a scorecard (seed score_card_default or a trained one) may use any
    of them. Training reads the same names from marts.score_training_examples. -#}
{% macro score_feature_names() -%}
    {{ return([
        'dpd', 'overdue_amount_value', 'overdue_to_principal', 'principal_outstanding_share', 'months_on_book', 'annual_interest_rate',
        'price_rank_in_product',
        'max_dpd_12m', 'months_overdue_12m', 'cures_12m', 'instalments_due_12m', 'late_instalments_12m',
        'late_instalment_share_12m', 'customer_late_share_12m', 'partial_payments_12m', 'payments_12m',
        'payments_since_overdue', 'instalments_paid', 'days_since_last_payment',
        'paid_90d_to_overdue', 'share_of_due_paid', 'contact_attempts_90d', 'right_party_contacts_90d',
        'days_since_right_party_contact', 'refusals', 'promises_kept', 'promises_broken', 'open_promises',
        'customer_tenure_days', 'other_open_loans', 'other_overdue_loans', 'other_loans_max_dpd', 'has_hardship_flag',
        'has_dispute_flag', 'has_block_flag'
    ]) }}
{%- endmacro %}
