"""What went wrong in a run, as sentences a user can act on: for `wellbeing materialize` (runner.py) and the
alerts of failed runs (sensors.py)."""

from __future__ import annotations

from dagster import DagsterEventType

from assets.common.masking import safe_text


def root_cause(error):
    """The innermost cause, which says what went wrong: of an exception (`__cause__`) or of the error of a
    Dagster event (`SerializableErrorInfo.cause`). None stays None."""
    attr = "__cause__" if isinstance(error, BaseException) else "cause"
    while error is not None and getattr(error, attr, None) is not None:
        error = getattr(error, attr)
    return error


def describe_failures(events) -> list[str]:
    """Failed checks (with their description, which names file and problem) and failed steps."""
    problems: list[str] = []
    for event in events:
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed and evaluation.severity.value == "ERROR":
                key = "/".join(evaluation.asset_key.path)
                text = evaluation.description or ""
                problems.append(f"check {evaluation.check_name} on {key} failed: {text}".rstrip(": "))
        elif event.event_type == DagsterEventType.STEP_FAILURE:
            error = root_cause(event.event_specific_data.error)
            message = error.message.strip().splitlines()[0] if error and error.message else "unknown error"
            if "blocking" in message.lower() and problems:
                continue  # the check above already says why
            problems.append(f"step {event.step_key} failed: {message}")
    return [safe_text(p) for p in problems] or ["the run failed (see the Dagster UI for the event log)"]
