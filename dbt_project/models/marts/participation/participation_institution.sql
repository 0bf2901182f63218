-- Participation per quarter for the whole institution (warehouse contract). Primary suppression only: the
-- institution has no parent.
{{ participation_mart(group_columns=[], breakdowns=[]) }}
