from django.apps import AppConfig
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = _("Partnerships")

    def ready(self):
        from partnerships import audit
        from partnerships.services import record_deletion

        # Every write to a business record, and every security event, goes to the audit trail.
        audit.connect()

        # Deleting a record that was public must reach the API deletions feed.
        for name in ("Institution", "Agreement", "Project"):
            post_delete.connect(
                record_deletion, sender=self.get_model(name), dispatch_uid=f"deletion-{name}"
            )
