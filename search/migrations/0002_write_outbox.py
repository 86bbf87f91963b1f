import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_search_query_log"),
    ]

    operations = [
        migrations.CreateModel(
            name="OwedIndexUpdate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("article_id", models.BigIntegerField(verbose_name="文章")),
                (
                    "owed_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="登记时间"
                    ),
                ),
            ],
            options={
                "verbose_name": "待更新索引",
                "verbose_name_plural": "待更新索引",
                "ordering": ["id"],
            },
        ),
    ]
