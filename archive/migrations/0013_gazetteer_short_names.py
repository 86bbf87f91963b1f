"""Re-derive the gazetteer's short names after the rule learnt 新区 (浦东新区 → 浦东): the same
loader as ``load_gazetteer``, which upserts on code and keeps staff aliases."""

from django.db import migrations


def reload(apps, schema_editor):
    from archive.extraction.gazetteer import load_regions

    load_regions(apps.get_model("archive", "Region"))


class Migration(migrations.Migration):
    dependencies = [("archive", "0012_import_batch_error")]

    operations = [migrations.RunPython(reload, migrations.RunPython.noop)]
