-- Participation per quarter for the whole institution (warehouse contract). Disclosure control shared with
-- the other participation marts (macro participation_disclosure, macros/participation.sql).
{{ participation_mart('institution') }}
