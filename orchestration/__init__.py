"""The Dagster code location of wellbeing-warehouse."""
