-- Participation per quarter × location (warehouse contract). Complementary suppression within the
-- institution.
{{ participation_mart(
    group_columns=['location'],
    breakdowns=[{'parent': []}]
) }}
