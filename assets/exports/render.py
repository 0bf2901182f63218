"""Charts rendered to PNG files and to the small previews the Dagster UI shows, in worker processes.

Rendering a chart is matplotlib's Python (~0.4 s each: `constrained` layout draws it twice) and uses one core;
a full refresh renders two dozen while the machine's other core waits. The figures travel to the workers
pickled (the tick formatters of charts.py are module functions for that). A few charts (an increment redraws
three) are rendered here: starting a worker (~1 s of imports) would cost more than it saves.

This module imports matplotlib and Pillow only, which is all a worker loads besides the Python start.
"""

from __future__ import annotations

import base64
import io
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from matplotlib.figure import Figure

#: fewer charts than this are rendered in this process
POOL_FROM = 6
#: at most this many worker processes (one per core beyond that only adds start-up time)
MAX_WORKERS = 4


def render(figures: dict[str, Figure], dpi: int, preview_scale: float,
           workers: int | None = None) -> dict[str, tuple[bytes, str]]:
    """Each figure as (PNG at `dpi`, Markdown preview at `preview_scale` of that), in the order given.

    Workers are spawned, not forked: this process runs DuckDB's and Dagster's threads, and a fork copies
    whatever locks those hold. (Like every spawned process, a worker imports the main module as `__mp_main__`:
    the entry points, `wellbeing`, `dagster` and pytest, keep their work under `if __name__ == "__main__"`.)"""
    workers = min(workers or os.cpu_count() or 1, MAX_WORKERS, len(figures))
    if workers < 2 or len(figures) < POOL_FROM:
        return {name: render_one(figure, dpi, preview_scale) for name, figure in figures.items()}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {name: pool.submit(render_one, figure, dpi, preview_scale) for name, figure in figures.items()}
        return {name: future.result() for name, future in futures.items()}


def render_one(figure: Figure, dpi: int, preview_scale: float) -> tuple[bytes, str]:
    """The PNG, drawn once, and the preview made by shrinking it."""
    png = png_bytes(figure, dpi)
    return png, markdown_preview(png, figure_title(figure), preview_scale)


def png_bytes(figure: Figure, dpi: int) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def markdown_preview(png: bytes, alt: str, scale: float) -> str:
    """The chart rendered as `png`, shrunk by `scale` (0.5: what half the dpi gives), as Markdown with an inline
    PNG (Dagster shows it in the asset's metadata).

    Shrinking the published PNG takes a twentieth of the time of drawing the figure again at a lower dpi; the
    preview keeps to a palette of 128 colours, so it stays small enough for the event log."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        small = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    small.quantize(colors=128).save(buffer, format="PNG", optimize=True)
    return f"![{alt}](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode('ascii')})"


def figure_title(figure: Figure) -> str:
    if figure.get_suptitle():
        return figure.get_suptitle()
    return next((ax.get_title() for ax in figure.axes if ax.get_title()), "")
