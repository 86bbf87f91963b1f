"""历史上的今天: what was reported on one day of the year, in every year.

Only articles whose date is known to the day count: one known only to the month has no day
to fall on. The day is the local one (Asia/Shanghai), as every date the archive shows.
"""

from datetime import date, timedelta

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from archive.models import Article
from archive.pagecache import for_readers

# A leap year: 2月29日 is a day of the year too.
_ANY_YEAR = 2000
# Per year, the newest this many; the month's archive holds the rest.
PER_YEAR = 30


def day_of_year(month, day):
    """date(2000, month, day), or Http404 when no year has that day."""
    try:
        return date(_ANY_YEAR, month, day)
    except ValueError:
        raise Http404("没有这一天") from None


def on_this_day(month, day):
    """[(year, [articles], how many in all)] of the published articles dated ``month``/
    ``day``, newest year first, up to ``PER_YEAR`` of each year."""
    articles = (
        Article.objects.published()
        .filter(
            published_at__month=month,
            published_at__day=day,
            date_precision__in=[Article.DatePrecision.DAY, Article.DatePrecision.EXACT],
        )
        .newest()
        .for_listing()
        .with_region_names()
    )
    years = {}
    for article in articles:
        years.setdefault(article.local_published_at.year, []).append(article)
    return [(year, found[:PER_YEAR], len(found)) for year, found in years.items()]


def this_day_url(when=None):
    """The page of ``when``'s day (today's by default)."""
    when = when or timezone.localdate()
    return reverse("archive:this_day", args=[when.month, when.day])


@require_safe
@for_readers
def this_day(request, month, day):
    chosen = day_of_year(int(month), int(day))
    years = on_this_day(chosen.month, chosen.day)
    return render(
        request,
        "archive/this_day.html",
        {
            "day": chosen,
            "years": years,
            "total": sum(n for _, _, n in years),
            "previous": this_day_url(chosen - timedelta(days=1)),
            "next": this_day_url(chosen + timedelta(days=1)),
            "breadcrumbs": [
                ("按日期", reverse("archive:date_archive")),
                (f"历史上的今天：{chosen.month}月{chosen.day}日", None),
            ],
        },
    )
