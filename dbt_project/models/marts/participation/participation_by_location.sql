-- Participation per quarter × location (warehouse contract). Disclosure control shared with the other
-- participation marts, over all levels together (macro participation_disclosure, macros/participation.sql).
{{ participation_mart('location') }}
