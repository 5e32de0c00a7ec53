from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from kenesh.incidents.reference import iccs_load

    iccs_load(apps.get_model("incidents", "IccsCategory"))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
