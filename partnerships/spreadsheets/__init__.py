"""Shared machinery of spreadsheet import and export in the back office.

`checks` refuses hostile files and reads tables, `templates` names the columns of each kind of
record, `resources` turns cells into records (rights per row), `admin` is the admin mixin with
the import and export pages.
"""
