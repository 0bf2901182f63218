-- Participation per quarter × domain (warehouse contract); a programme the register does not know is in
-- domain `Onbekend`. Complementary suppression within the institution.
{{ participation_mart(
    group_columns=['domain'],
    breakdowns=[{'parent': []}]
) }}
