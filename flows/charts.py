"""Charts for the run's summary artifact: rows added per district and quarantined files by stage, as inline
PNG images (`data:` URIs, which Prefect's markdown artifacts show) with Chinese labels.

matplotlib draws Chinese only with a CJK font named explicitly: Debian's `fonts-wqy-microhei` (`make` installs
it). matplotlib is imported only when there is something to chart."""
from __future__ import annotations

import base64
import io
from collections import Counter
from pathlib import Path

from cppcc.errors import CppccError

FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT_NAME = "WenQuanYi Micro Hei"
MAX_BARS = 40


class FontMissing(CppccError):
    """No CJK font: charts would show boxes for every Chinese character."""


def _figure(size: tuple[float, float]):
    """A matplotlib Figure with the CJK font: the object interface, without pyplot (whose import and global state
    a server has no use for: matplotlib's advice for web servers), rendered by the Agg canvas."""
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.figure import Figure

    if not FONT_FILE.exists():
        raise FontMissing(f"{FONT_FILE} is missing: install Debian's fonts-wqy-microhei (make does)")
    if FONT_NAME not in {f.name for f in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(FONT_FILE))
    matplotlib.rcParams.update({"font.family": FONT_NAME, "axes.unicode_minus": False, "svg.fonttype": "path"})
    return Figure(figsize=size, dpi=96)


def bar_chart(title: str, counts: dict[str, int], xlabel: str) -> str:
    """A horizontal bar chart, largest first, as a data: URI of a PNG."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_BARS][::-1]
    figure = _figure((6.4, 0.8 + 0.28 * len(items)))
    axes = figure.subplots()
    axes.barh([k for k, _ in items], [v for _, v in items], color="#3b6fb6")
    for y, (_, v) in enumerate(items):
        axes.text(v, y, f" {v:,}", va="center", fontsize=8)
    axes.set_title(title, fontsize=11)
    axes.set_xlabel(xlabel, fontsize=9)
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def run_charts(articles_by_district: dict[str, int], quarantined: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(alt text, data URI) of the run's charts; none when the run added and quarantined nothing."""
    charts = []
    if articles_by_district:
        charts.append(("articles added per district", bar_chart("本次新增文章（按区县）", articles_by_district, "文章数")))
    if quarantined:
        by_stage = Counter(stage for _, stage, _ in quarantined)
        charts.append(("quarantined files by stage", bar_chart("本次隔离文件（按阶段）", dict(by_stage), "文件数")))
    return charts
