"""Why an export, an import, a backup or a restore was refused or failed."""

from __future__ import annotations

from helpdesk.core.errors import Conflict, DomainError, ValidationFailed


class DirectoryNotEmpty(Conflict):
    """An export would mix its files with files already in the target directory."""


class TargetNotEmpty(Conflict):
    """The database to import into already holds data; an import only fills an empty instance."""


class SchemaMismatch(Conflict):
    """The export was written by another schema version (or format) than this instance runs."""


class CorruptExport(ValidationFailed):
    """The export directory is incomplete or was changed after it was written (a checksum differs)."""


class CorruptBackup(ValidationFailed):
    """A backup directory is unfinished, of another engine, or was changed after it was written."""


class BackupFailed(DomainError):
    """A backup or restore could not be carried out (a tool missing or failing, a target not usable),
    or the restored data did not verify."""
