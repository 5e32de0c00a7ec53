"""The concern categories: the prevention categories of incidents and those only concerns need
(data/concern_categories.csv, with the documented default severity weights)."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "concern_categories.csv"


def load(apps, schema_editor):
    ConcernCategory = apps.get_model("consultations", "ConcernCategory")
    with DATA.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            ConcernCategory.objects.update_or_create(
                code=row["code"],
                defaults={
                    "incident_category": row["incident_category"],
                    "severity": row["severity"],
                    "order": int(row["order"]),
                    "name_ky": row["name_ky"],
                    "name_ru": row["name_ru"],
                    "name_en": row["name_en"],
                },
            )


class Migration(migrations.Migration):
    dependencies = [("consultations", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
