"""Browse pages. Thin: queries live on the models' QuerySets and in archive.browse."""

from django.shortcuts import get_object_or_404, render

from archive.models import Agency, Article, Initiative, Region


def home(request):
    articles = Article.objects.published()[:20]
    return render(request, "archive/home.html", {"articles": articles})


def article_detail(request, pk):
    article = get_object_or_404(Article.objects.published(), pk=pk)
    return render(request, "archive/article_detail.html", {"article": article})


def region_detail(request, code):
    region = get_object_or_404(Region, code=code)
    return render(request, "archive/region_detail.html", {"region": region})


def agency_detail(request, pk):
    agency = get_object_or_404(Agency, pk=pk)
    return render(request, "archive/agency_detail.html", {"agency": agency})


def initiative_detail(request, slug):
    initiative = get_object_or_404(Initiative, slug=slug)
    return render(request, "archive/initiative_detail.html", {"initiative": initiative})
