from django.db import migrations, models

# The emoji the demo and editors used, and the SVG icon that replaces each (intranet.templatetags.icons).
# Anything else is cleared: an emoji shows as an empty box where no emoji font is installed.
EMOJI_TO_ICON = {
    "🧑‍💼": "people",
    "👥": "people",
    "💶": "euro",
    "💰": "euro",
    "🧾": "euro",
    "🚗": "car",
    "💻": "laptop",
    "🖥️": "laptop",
    "🏗️": "building",
    "🏛️": "building",
    "⚖️": "scales",
    "📣": "megaphone",
    "📢": "megaphone",
    "📁": "folder",
    "📚": "book",
    "📖": "book",
}
ICON_TO_EMOJI = {
    "people": "🧑‍💼",
    "euro": "💶",
    "car": "🚗",
    "laptop": "💻",
    "building": "🏗️",
    "scales": "⚖️",
    "megaphone": "📣",
    "folder": "📁",
    "book": "📚",
}


def to_icons(apps, schema_editor):
    ThemePage = apps.get_model("kotje", "ThemePage")
    for theme in ThemePage.objects.exclude(icon=""):
        icon = EMOJI_TO_ICON.get(theme.icon.strip(), "")
        ThemePage.objects.filter(pk=theme.pk).update(icon=icon)


def to_emoji(apps, schema_editor):
    ThemePage = apps.get_model("kotje", "ThemePage")
    for theme in ThemePage.objects.exclude(icon=""):
        ThemePage.objects.filter(pk=theme.pk).update(icon=ICON_TO_EMOJI.get(theme.icon, ""))


class Migration(migrations.Migration):
    dependencies = [("kotje", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="themepage",
            name="icon",
            field=models.CharField(
                blank=True,
                choices=[
                    ("folder", "Dossier"),
                    ("people", "Personnes"),
                    ("euro", "Finances"),
                    ("car", "Véhicules"),
                    ("laptop", "Numérique"),
                    ("building", "Bâtiments et urbanisme"),
                    ("scales", "Juridique"),
                    ("megaphone", "Communication"),
                    ("book", "Guides"),
                ],
                help_text="Un pictogramme décoratif affiché devant le titre ; facultatif.",
                max_length=20,
                verbose_name="pictogramme",
            ),
        ),
        migrations.RunPython(to_icons, to_emoji),
    ]
