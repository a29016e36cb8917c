"""Every workspace has its core team (0004 made them): the field becomes required and `RosterGroup` goes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0012_team"),
        ("projects", "0004_workspace_team"),
    ]

    operations = [
        migrations.AlterField(
            model_name="workspace",
            name="team",
            field=models.OneToOneField(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="workspace",
                to="people.team",
            ),
        ),
        migrations.DeleteModel(name="RosterGroup"),
    ]
