"""The collection score (docs/scoring.md): features and nightly scores are dbt models; this package
trains the scorecard (`arrears score train`), exports it as data and evaluates it."""
