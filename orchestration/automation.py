"""Whether the sensors and schedules start running when a Dagster process loads the definitions.

`WB_AUTOMATION=on` is the deployment (`make serve`, `deploy/serve`, the systemd units of docs/deploy.md): new
landing files load by themselves, failures alert. Anything else, `make ui` included, starts them stopped, so that
opening the UI to look around never loads a file, writes an alert or sends a mail; each one can still be switched
on in the UI's Automation tab.
"""

from __future__ import annotations

import os

from dagster import DefaultScheduleStatus, DefaultSensorStatus


def automation_on() -> bool:
    return os.environ.get("WB_AUTOMATION", "").strip().lower() == "on"


def sensor_status() -> DefaultSensorStatus:
    return DefaultSensorStatus.RUNNING if automation_on() else DefaultSensorStatus.STOPPED


def schedule_status() -> DefaultScheduleStatus:
    return DefaultScheduleStatus.RUNNING if automation_on() else DefaultScheduleStatus.STOPPED
