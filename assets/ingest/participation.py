"""The staffing agency's two exports: worked hours (partitioned by the quarter of `work_date`) and its pool."""

from assets.common.quarters import quarter_sql
from assets.ingest.engine import Source
from expectations.specs import PARTICIPATION_HOURS, PARTICIPATION_POOL

HOURS = Source(PARTICIPATION_HOURS, partition_sql=quarter_sql("t.work_date"))

#: Pool registrations span quarters, so the pool is one unpartitioned table (small: one row per registration).
POOL = Source(PARTICIPATION_POOL)
