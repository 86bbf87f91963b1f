"""The off_topic review flag and staff's scope decision (archive.extraction.scope); topics
leave the initiatives.

反诈 was a seed initiative, linked as if it were a campaign; it is a topic (a field of police
work), so it goes, with its links and its browse counts. The search index lists an article's
initiatives: ``manage.py check_index --fix`` brings those documents up to date.
"""

import django.contrib.postgres.fields
from django.db import migrations, models


# The seed topics, as migration 0003 created them.
SEEDED_TOPICS = ["反诈"]


def remove_topic_initiatives(apps, schema_editor):
    Initiative = apps.get_model("archive", "Initiative")
    BrowseCount = apps.get_model("archive", "BrowseCount")
    CountedKey = apps.get_model("archive", "CountedKey")
    ids = list(Initiative.objects.filter(name__in=SEEDED_TOPICS).values_list("pk", flat=True))
    BrowseCount.objects.filter(scope="initiative", object_id__in=ids).delete()
    CountedKey.objects.filter(scope="initiative", object_id__in=ids).delete()
    Initiative.objects.filter(pk__in=ids).delete()  # and, by cascade, their article links


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0009_link_newest_copies"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="in_scope",
            field=models.BooleanField(blank=True, null=True, verbose_name="属公安新闻（人工认定）"),
        ),
        migrations.AddField(
            model_name="historicalarticle",
            name="in_scope",
            field=models.BooleanField(blank=True, null=True, verbose_name="属公安新闻（人工认定）"),
        ),
        migrations.AlterField(
            model_name="article",
            name="review_flags",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(
                    choices=[
                        ("inferred_title", "标题系推断"),
                        ("unknown_date", "日期不详"),
                        ("encoding_damage", "疑有乱码"),
                        ("no_region", "未识别地区"),
                        ("no_agency", "未识别单位"),
                        ("ambiguous_region", "地名有歧义"),
                        ("suspected_duplicate", "疑似重复"),
                        ("off_topic", "疑非公安新闻"),
                    ],
                    max_length=32,
                ),
                blank=True,
                default=list,
                size=None,
            ),
        ),
        migrations.AlterField(
            model_name="historicalarticle",
            name="review_flags",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(
                    choices=[
                        ("inferred_title", "标题系推断"),
                        ("unknown_date", "日期不详"),
                        ("encoding_damage", "疑有乱码"),
                        ("no_region", "未识别地区"),
                        ("no_agency", "未识别单位"),
                        ("ambiguous_region", "地名有歧义"),
                        ("suspected_duplicate", "疑似重复"),
                        ("off_topic", "疑非公安新闻"),
                    ],
                    max_length=32,
                ),
                blank=True,
                default=list,
                size=None,
            ),
        ),
        migrations.RunPython(remove_topic_initiatives, migrations.RunPython.noop),
    ]
