"""Student counts in the institution's own format (`students/`, files directly in that folder only)."""

from assets.common.quarters import quarter_sql
from assets.ingest.engine import Source
from expectations.specs import PROGRAMME_REGISTER, STUDENT_COUNTS

COUNTS = Source(STUDENT_COUNTS, derived={"quarter": quarter_sql("reference_date")})

#: Optional replacement of the shipped programme × location register.
REGISTER = Source(PROGRAMME_REGISTER, names=("programmes.csv", "programmes.xlsx"))
