from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class CompaniesConfig(AppConfig):
    name = "companies"
    verbose_name = _("Companies")

    def ready(self):
        from partnerships.services import record_deletion

        # Deleting a record that was public must reach the API deletions feed.
        for name in ("Enterprise",):
            post_delete.connect(
                record_deletion, sender=self.get_model(name), dispatch_uid=f"deletion-{name}"
            )
