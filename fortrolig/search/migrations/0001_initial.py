import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("candidates", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CandidateSearchEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("full_name", models.CharField(max_length=201)),
                ("roles_text", models.TextField(blank=True)),
                ("summary_text", models.TextField(blank=True)),
                ("documents_text", models.TextField(blank=True)),
                ("skills", models.JSONField(blank=True, default=list)),
                ("skill_keys", models.JSONField(blank=True, default=list)),
                ("city", models.CharField(blank=True, max_length=100)),
                (
                    "availability",
                    models.CharField(
                        choices=[
                            ("immediately", "Available now"),
                            ("notice_period", "After a notice period"),
                            ("from_date", "From a given date"),
                            ("unavailable", "Not available"),
                            ("unknown", "Unknown"),
                        ],
                        default="unknown",
                        max_length=20,
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("application", "Application on our site"),
                            ("consultant", "Entered by a consultant"),
                            ("import", "Import"),
                            ("campaign", "Social media campaign by a partner"),
                        ],
                        max_length=20,
                    ),
                ),
                ("restricted", models.BooleanField(default=False)),
                ("last_activity_at", models.DateTimeField()),
                (
                    "search_vector",
                    django.contrib.postgres.search.SearchVectorField(blank=True, null=True),
                ),
                (
                    "profile_vector",
                    django.contrib.postgres.search.SearchVectorField(blank=True, null=True),
                ),
                (
                    "agency",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="core.agency",
                    ),
                ),
                (
                    "candidate",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="candidates.candidate",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["agency", "restricted", "-last_activity_at", "id"],
                        name="search_entry_list_idx",
                    )
                ],
            },
        ),
    ]
