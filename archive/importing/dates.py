"""Publication dates and how precisely they are known.

A date is only ever read from the file (front matter, a ``发布时间`` line, a page's own
publication metadata); nothing is inferred from context, so an undated file stays undated.
Times without a zone are Beijing time, the zone every source in this archive writes in.
"""

import re
from datetime import date, datetime, time
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

EXACT, DAY, MONTH, UNKNOWN = "exact", "day", "month", "unknown"
BEIJING = ZoneInfo("Asia/Shanghai")

_NUMERIC = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*(?:[-/.月]\s*(?P<d>\d{1,2})\s*日?)?"
    r"(?:[\sT]*(?P<H>\d{1,2})[:：时](?P<M>\d{1,2})(?:[:：分](?P<S>\d{1,2}))?)?"
)


def parse_date(value):
    """``(aware datetime, precision)`` from a front-matter value or text, or ``(None, UNKNOWN)``."""
    if isinstance(value, datetime):
        return _aware(value), EXACT
    if isinstance(value, date):
        return datetime.combine(value, time(), BEIJING), DAY
    if not isinstance(value, str) or not value.strip():
        return None, UNKNOWN
    value = value.strip()
    if re.match(r"^[A-Za-z]{3},\s", value) or re.search(
        r"\d\d:\d\d(:\d\d)?\s+(GMT|[+-]\d{4})", value
    ):
        try:
            return _aware(parsedate_to_datetime(value)), EXACT
        except (TypeError, ValueError):
            pass
    match = _NUMERIC.search(value)
    if not match:
        return None, UNKNOWN
    parts = {key: int(number) for key, number in match.groupdict().items() if number}
    try:
        if "d" not in parts:
            return datetime(parts["y"], parts["m"], 1, tzinfo=BEIJING), MONTH
        if "H" not in parts:
            return datetime(parts["y"], parts["m"], parts["d"], tzinfo=BEIJING), DAY
        moment = datetime(
            parts["y"], parts["m"], parts["d"], parts["H"], parts["M"], parts.get("S", 0)
        )
    except ValueError:
        return None, UNKNOWN
    return moment.replace(tzinfo=BEIJING), EXACT


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)
