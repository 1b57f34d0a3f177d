"""Why an export or an import was refused."""

from __future__ import annotations

from helpdesk.core.errors import Conflict, ValidationFailed


class DirectoryNotEmpty(Conflict):
    """An export would mix its files with files already in the target directory."""


class TargetNotEmpty(Conflict):
    """The database to import into already holds data; an import only fills an empty instance."""


class SchemaMismatch(Conflict):
    """The export was written by another schema version (or format) than this instance runs."""


class CorruptExport(ValidationFailed):
    """The export directory is incomplete or was changed after it was written (a checksum differs)."""
