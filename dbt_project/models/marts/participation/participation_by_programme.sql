-- Participation per quarter × programme × location (warehouse contract), with the programme's name and
-- domain and the key of dim_programme. Complementary suppression within each location, each domain and
-- the institution (finer parents first).
{{ participation_mart(
    group_columns=['programme_location_key', 'programme_code', 'programme_name', 'domain', 'location'],
    breakdowns=[{'parent': ['location']}, {'parent': ['domain']}, {'parent': []}]
) }}
