"""Seeded demo landing zone: a realistic, reproducible stand-in for the institution's source files.

`generate_landing(out_dir, scale, seed, progress)` writes every landing source of the landing contract
(DUO and own student counts, the staffing agency's hours and pool, four years of survey exports) from the
real DUO enrolment of Inholland, so that calendar 2023 reproduces the published participation figures.
"""

from .generate import generate_landing

__all__ = ["generate_landing"]
