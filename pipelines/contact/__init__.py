"""The contact strategy (issue 5): who is contacted on D+1, how and when, inside the contact rules.

The per-row rules are dbt models (dbt_project/models/intermediate/contact/, marts contact_log,
overdue_accountability, contact_timeliness); this package holds the per-batch work: the policy's
`contact:` section (policy.py), message templates and rendering (render.py, sms.py, templates/),
the night's files (outbox.py) and the letters hand-off (letters.py). See docs/contact.md.
"""
