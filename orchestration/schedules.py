"""Schedules: the weekly refresh of the running quarter, the yearly survey cycle, the daily look at the landing
zone.

The first two run the `refresh_*` jobs (validate new files, load the partition); `build_after_loads` then rebuilds the
warehouse. Times are Dutch (Europe/Amsterdam), outside office hours, so analysts' morning reports are fresh.
"""

import datetime as dt

from dagster import RunRequest, ScheduleEvaluationContext, schedule

from assets.common.quarters import quarter_of
from orchestration.automation import schedule_status
from orchestration.jobs import observe_job, refresh_hours_job, refresh_survey_job
from assets.ingest.partitions import quarter_partition_key
from orchestration.tags import TRIGGER_TAG

TIMEZONE = "Europe/Amsterdam"
#: The SWM's fieldwork runs four weeks from early May; the survey export is delivered by mid-June.
SURVEY_CYCLE_CRON = "0 6 20 6 *"


def _local_date(context: ScheduleEvaluationContext) -> dt.date:
    return context.scheduled_execution_time.date()


@schedule(name="weekly_current_quarter", cron_schedule="0 5 * * 1", job=refresh_hours_job,
          execution_timezone=TIMEZONE, default_status=schedule_status(),
          description="Mondays 05:00: reload the running quarter's hours (late files, corrections), then rebuild.")
def weekly_current_quarter(context: ScheduleEvaluationContext) -> RunRequest:
    quarter = quarter_of(_local_date(context))
    return RunRequest(run_key=f"weekly-{_local_date(context).isoformat()}", partition_key=quarter_partition_key(quarter),
                      tags={TRIGGER_TAG: "weekly_current_quarter", "wellbeing/quarter": quarter})


@schedule(name="yearly_survey_cycle", cron_schedule=SURVEY_CYCLE_CRON, job=refresh_survey_job,
          execution_timezone=TIMEZONE, default_status=schedule_status(),
          description="20 June 06:00, after the survey's fieldwork: load this year's survey export, then rebuild "
                      "(indicators, feedback, charts).")
def yearly_survey_cycle(context: ScheduleEvaluationContext) -> RunRequest:
    year = str(_local_date(context).year)
    return RunRequest(run_key=f"survey-{year}", partition_key=year, tags={TRIGGER_TAG: "yearly_survey_cycle"})


@schedule(name="daily_landing_freshness", cron_schedule="0 7 * * *", job=observe_job, execution_timezone=TIMEZONE,
          default_status=schedule_status(),
          description="Daily 07:00: observe the landing folders and evaluate every source's freshness check "
                      "(a source that stopped delivering is alerted once per overdue delivery).")
def daily_landing_freshness(context: ScheduleEvaluationContext) -> RunRequest:
    return RunRequest(run_key=f"freshness-{_local_date(context).isoformat()}",
                      tags={TRIGGER_TAG: "daily_landing_freshness"})


SCHEDULES = [weekly_current_quarter, yearly_survey_cycle, daily_landing_freshness]
