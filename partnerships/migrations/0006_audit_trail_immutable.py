"""The database itself refuses to change audit entries, or to delete young ones (PostgreSQL).

The model and its queryset refuse too, but a trail is only trustworthy when raw SQL and other
clients are held to the same rule. A row may be deleted only after 180 days, the legal minimum
(settings.AUDIT_MINIMUM_RETENTION_DAYS); `manage.py purge_audit` deletes after the configured
retention. TRUNCATE (a test database being reset, a full restore) is not a row delete and is not
affected. SQLite, the embedded demo database, has no such guard: Django's test runner empties
its tables with DELETE.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION audit_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit entries cannot be changed';
    END IF;
    IF OLD.at > now() - interval '180 days' THEN
        RAISE EXCEPTION 'audit entries younger than 180 days cannot be deleted';
    END IF;
    RETURN OLD;
END;
$$;
CREATE TRIGGER audit_entry_guard BEFORE UPDATE OR DELETE ON partnerships_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_entry_guard ON partnerships_auditentry;
DROP FUNCTION IF EXISTS audit_entry_guard();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0005_audit_trail")]

    operations = [migrations.RunPython(create_guard, drop_guard)]
