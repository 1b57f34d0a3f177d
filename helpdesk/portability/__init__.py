"""Contractor-neutral export and import: every table as JSON Lines, the attachment files, a manifest.

``export.export_all`` writes a directory a successor can read without our code
(``docs/export-format.md``); ``loading.import_all`` loads such a directory into an empty instance.
"""
