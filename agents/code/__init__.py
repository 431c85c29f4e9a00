"""The code agent: from an issue to a patch — localization, planning, editing, checking."""
