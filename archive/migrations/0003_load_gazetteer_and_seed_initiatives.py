"""Load the vendored gazetteer and the seed initiatives (the load_gazetteer command reruns
the same loaders after a gazetteer update)."""

from django.db import migrations


def load(apps, schema_editor):
    from archive.extraction.gazetteer import load_regions
    from archive.extraction.initiatives import load_seed_initiatives

    load_regions(apps.get_model("archive", "Region"))
    load_seed_initiatives(apps.get_model("archive", "Initiative"))


class Migration(migrations.Migration):
    dependencies = [("archive", "0002_extraction_minhash_and_flags")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
