"""Template helpers of the browse pages: the article body's last sanitizing pass, and the
charts, drawn as server-rendered SVG (no script, no CDN, allowed by a strict CSP)."""

import hashlib
import re
from datetime import date

import nh3
from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from archive import counts

register = template.Library()

# What an article body may contain. The importer already sanitizes with nh3; this second
# pass at render time means a staff edit in the admin cannot bring in script either.
BODY_TAGS = {
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "sub", "sup",
    "ul", "ol", "li", "blockquote", "figure", "figcaption", "img", "a", "table", "thead",
    "tbody", "tr", "th", "td", "hr", "span", "div",
}  # fmt: skip
BODY_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)")
_HEADING_ONE = re.compile(r"<(/?)h1>")


@register.filter
def clean_body(html):
    """The article body, safe to render: allow-listed tags only, images lazy and sent without
    a referrer, links marked nofollow, and every image given alt text."""
    cleaned = nh3.clean(
        html or "",
        tags=BODY_TAGS,
        clean_content_tags={"script", "style"},
        attributes=BODY_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={
            "img": {"loading": "lazy", "referrerpolicy": "no-referrer", "decoding": "async"}
        },
    )
    # nh3 serializes uniformly, so these textual fixes are reliable.
    # The page has one <h1>, the title: the body's own become <h2>.
    cleaned = _HEADING_ONE.sub(r"<\1h2>", cleaned)
    cleaned = _IMG_WITHOUT_ALT.sub('<img alt="文章配图"', cleaned)
    return mark_safe(cleaned)  # noqa: S308 - sanitized just above


@register.filter
def cn_month(value):
    """date(2021, 3, 1) → 2021年3月"""
    return f"{value.year}年{value.month}月"


# Charts. Drawn in a fixed coordinate space and scaled to the page width by CSS; the sizes
# keep labels legible from a 360-pixel phone to a desktop.

CHART_WIDTH = 480
CHART_HEIGHT = 140
CHART_TOP = 8
CHART_BOTTOM = 22
MAX_SLOT = 40


def _months_between(first, last):
    months, current = [], first
    while current <= last:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


@register.simple_tag
def timeline_chart(timeline, title="每月文章数", link_months=False):
    """Articles per month as an SVG bar chart; months without articles are drawn empty so the
    time axis stays true. With ``link_months`` each bar links to the month's archive page.
    Drawing a few hundred bars costs milliseconds, so the drawing is cached under the digest
    of its figures (``Timeline.key``)."""
    return counts.cached_fragment(
        f"{timeline.key}:{link_months}:{title}",
        lambda: render_to_string(
            "includes/timeline_chart.html", _timeline_bars(timeline, title, link_months)
        ),
    )


def _timeline_bars(timeline, title, link_months):
    if not timeline.months:
        return {"empty": True, "title": title, "undated": timeline.undated}
    per_month = dict(timeline.months)
    months = _months_between(timeline.months[0][0], timeline.months[-1][0])
    peak = max(per_month.values())
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = min(MAX_SLOT, CHART_WIDTH / len(months))
    # One label a year, or every few years when the axis spans decades.
    years_per_label = 1 + len(months) // 120
    archive_url = reverse("archive:date_archive")
    # Hundreds of bars: drawn here rather than by a template loop, which was slow for a chart
    # every region and bureau page has (docs/benchmarks.md, "Why the code is as it is");
    # coordinates go out as strings, never localized.
    bars, ticks = [], []
    for index, month in enumerate(months):
        count = per_month.get(month, 0)
        height = round(plot * count / peak, 1) if count else 0
        x = f"{index * slot + slot * 0.1:.2f}"
        bar = (
            f'<rect class="bar" x="{x}" y="{CHART_TOP + plot - height:.1f}" '
            f'width="{max(slot * 0.8, 0.5):.2f}" height="{height:.1f}">'
            f"<title>{month.year}年{month.month}月：{count} 篇</title></rect>"
        )
        if link_months and count:
            bar = f'<a href="{archive_url}{month.year}/{month.month}/">{bar}</a>'
        bars.append(bar)
        if (month.month == 1 and month.year % years_per_label == 0) or index == 0:
            ticks.append((x, month.year))
    if len(ticks) > 1 and float(ticks[1][0]) - float(ticks[0][0]) < 30:
        del ticks[0]  # the first month's label would overlap the next January's
    label_y = CHART_HEIGHT - 6
    ticks = [f'<text class="tick" x="{x}" y="{label_y}">{year}</text>' for x, year in ticks]
    busiest = max(timeline.months, key=lambda pair: pair[1])
    return {
        "empty": False,
        "title": title,
        # An image may not hold links (axe: nested-interactive): linked bars make a group.
        "linked": link_months,
        # Made above from numbers and fixed text only, nothing a user wrote.
        "bars": mark_safe("".join(bars)),  # noqa: S308
        "ticks": mark_safe("".join(ticks)),  # noqa: S308
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "axis_y": CHART_HEIGHT - CHART_BOTTOM,
        "summary": (
            f"{cn_month(months[0])}至{cn_month(months[-1])}共 {timeline.dated} 篇，"
            f"{cn_month(busiest[0])}最多（{busiest[1]} 篇）"
        ),
        "undated": timeline.undated,
    }


ROW_HEIGHT = 24
LABEL_WIDTH = 84
BAR_AREA = 220


@register.simple_tag
def ranked_chart(pairs, title):
    """[(object with get_absolute_url and name, count)] as a ranked horizontal SVG bar chart,
    drawn at its natural size (about 350 pixels wide: a phone's width). Cached under a digest
    of what it draws: the 34 provinces' bars were a noticeable part of the home page's template
    work (docs/benchmarks.md, "Why the code is as it is")."""
    drawn = repr([(type(obj).__name__, obj.pk, obj.name, count) for obj, count in pairs])
    digest = hashlib.blake2b(f"{title}\n{drawn}".encode(), digest_size=12).hexdigest()
    return counts.cached_fragment(
        f"ranked:{digest}",
        lambda: render_to_string("includes/ranked_chart.html", _ranked_bars(pairs, title)),
    )


def _ranked_bars(pairs, title):
    if not pairs:
        return {"empty": True, "title": title}
    peak = max(count for _, count in pairs)
    rows = []
    for index, (obj, count) in enumerate(pairs):
        length = max(1, round(BAR_AREA * count / peak, 1))
        rows.append(
            {
                "y": index * ROW_HEIGHT + 4,
                "text_y": index * ROW_HEIGHT + 17,
                "name": obj.name,
                "url": obj.get_absolute_url(),
                "count": count,
                "bar_width": length,
                "count_x": LABEL_WIDTH + length + 4,
            }
        )
    return {
        "empty": False,
        "title": title,
        "rows": rows,
        "bar_x": LABEL_WIDTH,
        "width": LABEL_WIDTH + BAR_AREA + 48,
        "height": len(rows) * ROW_HEIGHT,
        "label_x": LABEL_WIDTH - 6,
    }
