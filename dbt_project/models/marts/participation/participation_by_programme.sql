-- Participation per quarter × programme × location (warehouse contract), with the programme's name and
-- domain and the key of dim_programme. Disclosure control shared with the other participation marts, over all
-- levels together (macro participation_disclosure, macros/participation.sql): complementary suppression within
-- each location, each domain and the institution, and across the tables.
{{ participation_mart('programme') }}
