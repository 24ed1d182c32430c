{#- Generic test: the row's bucket and stage are the policy's (var delinquency_buckets) for its
    DPD and overdue flag. -#}
{% test bucket_matches_policy(model, dpd='dpd', is_overdue='is_overdue') %}
select * from {{ model }}
where bucket <> {{ delinquency_bucket(dpd, is_overdue) }}
    or stage <> {{ delinquency_stage(dpd, is_overdue) }}
{% endtest %}
