"""Template helpers of the browse pages: the article body's last sanitizing pass, and the
charts, drawn as server-rendered SVG (no script, no CDN, allowed by a strict CSP)."""

import re
from datetime import date

import nh3
from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

register = template.Library()

# What an article body may contain. The importer already sanitizes with nh3; this second
# pass at render time means a staff edit in the admin cannot bring in script either.
BODY_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "sub", "sup",
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
    cleaned = _IMG_WITHOUT_ALT.sub('<img alt="文章配图"', cleaned)
    return mark_safe(cleaned)  # noqa: S308 - sanitized just above


@register.filter
def cn_month(value):
    """date(2021, 3, 1) → 2021年3月"""
    return f"{value.year}年{value.month}月"


# Charts

CHART_HEIGHT = 120
CHART_TOP = 8
CHART_BOTTOM = 22
BAR_WIDTH = 10


def _months_between(first, last):
    months, current = [], first
    while current <= last:
        months.append(current)
        current = date(current.year + (current.month == 12), current.month % 12 + 1, 1)
    return months


@register.inclusion_tag("includes/timeline_chart.html")
def timeline_chart(timeline, title="每月文章数", link_months=False):
    """Articles per month as an SVG bar chart; months without articles are drawn empty so the
    time axis stays true. With ``link_months`` each bar links to the month's archive page."""
    if not timeline.months:
        return {"empty": True, "title": title, "undated": timeline.undated}
    per_month = dict(timeline.months)
    months = _months_between(timeline.months[0][0], timeline.months[-1][0])
    peak = max(per_month.values())
    plot = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    bars, ticks = [], []
    for index, month in enumerate(months):
        count = per_month.get(month, 0)
        height = round(plot * count / peak, 1) if count else 0
        bar = {
            "x": index * BAR_WIDTH + 1,
            "y": round(CHART_TOP + plot - height, 1),
            "width": BAR_WIDTH - 2,
            "height": height,
            "label": f"{month.year}年{month.month}月：{count} 篇",
            "url": reverse("archive:month_archive", args=[month.year, month.month])
            if link_months and count
            else "",
        }
        bars.append(bar)
        if month.month == 1 or index == 0:
            ticks.append({"x": index * BAR_WIDTH + 1, "label": f"{month.year}"})
    busiest = max(timeline.months, key=lambda pair: pair[1])
    return {
        "empty": False,
        "title": title,
        "bars": bars,
        "ticks": ticks,
        "width": len(months) * BAR_WIDTH + 2,
        "height": CHART_HEIGHT,
        "axis_y": CHART_HEIGHT - CHART_BOTTOM,
        "label_y": CHART_HEIGHT - 6,
        "summary": (
            f"{cn_month(months[0])}至{cn_month(months[-1])}共 {timeline.dated} 篇，"
            f"{cn_month(busiest[0])}最多（{busiest[1]} 篇）"
        ),
        "undated": timeline.undated,
    }


ROW_HEIGHT = 22
LABEL_WIDTH = 96
BAR_AREA = 300


@register.inclusion_tag("includes/ranked_chart.html")
def ranked_chart(pairs, title):
    """[(object with get_absolute_url and name, count)] as a ranked horizontal SVG bar chart."""
    if not pairs:
        return {"empty": True, "title": title}
    peak = max(count for _, count in pairs)
    rows = []
    for index, (obj, count) in enumerate(pairs):
        rows.append(
            {
                "y": index * ROW_HEIGHT,
                "text_y": index * ROW_HEIGHT + 15,
                "name": obj.name,
                "url": obj.get_absolute_url(),
                "count": count,
                "bar_x": LABEL_WIDTH,
                "bar_width": max(1, round(BAR_AREA * count / peak, 1)),
                "count_x": LABEL_WIDTH + round(BAR_AREA * count / peak, 1) + 6,
            }
        )
    return {
        "empty": False,
        "title": title,
        "rows": rows,
        "width": LABEL_WIDTH + BAR_AREA + 60,
        "height": len(rows) * ROW_HEIGHT,
        "label_x": LABEL_WIDTH - 6,
    }
