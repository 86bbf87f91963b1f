from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0011_agency_units"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="error",
            field=models.TextField(blank=True, verbose_name="中断原因"),
        ),
    ]
