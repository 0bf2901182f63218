-- Participation per quarter × domain (warehouse contract); a programme the register does not know is in
-- domain `Onbekend`. Disclosure control shared with the other participation marts, over all levels together
-- (macro participation_disclosure, macros/participation.sql).
{{ participation_mart('domain') }}
