"""Names the search index's segmenter must keep whole (周口市, 山城区公安分局, 海燕直通车)."""

from archive.models import Agency, Initiative, Region


def entity_names():
    """Sorted names of regions (with short names and aliases), agencies (with aliases) and
    accepted initiatives (with aliases), for ``jieba.add_word``. Two characters at least:
    shorter entries would only split words jieba already knows."""
    names = set()
    for name, short, aliases in Region.objects.values_list("name", "short_name", "aliases"):
        names.update([name, short, *aliases])
    for name, aliases in Agency.objects.values_list("name", "aliases"):
        names.update([name, *aliases])
    accepted = Initiative.objects.filter(status=Initiative.Status.ACCEPTED)
    for name, aliases in accepted.values_list("name", "aliases"):
        names.update([name, *aliases])
    return sorted(name for name in names if len(name) >= 2)
