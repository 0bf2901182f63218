"""Disclosure control of the participation marts (docs/disclosure.md): for every cell of
int_participation_cells_unpivoted, whether it is suppressed and why, chosen by optimisation (HiGHS) over all
published relations of each quarter at once. The rules, the solver and its audit are the project's library
(assets/common/disclosure); the marts join this table. A quarter whose cells are unchanged since the last build
keeps its decisions. (dbt's PostgreSQL target has no Python models: models/intermediate/disclosure/postgres/.)"""


def model(dbt, session):
    dbt.config(materialized="table")
    from assets.common.disclosure.store import decisions_frame

    return decisions_frame(session, "participation", dbt.ref("int_participation_cells_unpivoted"), str(dbt.this))
