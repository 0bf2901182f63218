"""Disclosure control of the wellbeing marts (docs/disclosure.md): for every cell of int_wellbeing_cells_unioned,
whether it is suppressed and why, chosen by optimisation (HiGHS) over all published relations of each survey
year and indicator at once. The rules, the solver and its audit are the project's library
(assets/common/disclosure); both wellbeing marts join this table. A pattern whose cells are unchanged since the
last build keeps its decisions. (dbt's PostgreSQL target has no Python models: ../postgres/.)"""


def model(dbt, session):
    dbt.config(materialized="table")
    from assets.common.disclosure.store import decisions_frame

    return decisions_frame(session, "wellbeing", dbt.ref("int_wellbeing_cells_unioned"), str(dbt.this))
