"""python manage.py setup_roles: the `editors` and `viewers` groups with exactly their permissions.

Safe to repeat: each group's permissions are set to the list below (quickstart runs it).
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

# app_label.codename. Editors decide (verdicts, merges, splits, links, locks: the admin actions need
# change on clusters and claims), add articles and read the audit log; decisions go through the
# audited actions, so links are not edited directly. Viewers read everything and change nothing.
EDITORS = [
    "claims.view_cluster", "claims.change_cluster", "claims.view_claim", "claims.change_claim",
    "claims.view_claimlink", "claims.view_auditentry", "sources.view_source", "sources.add_source",
]  # fmt: skip
VIEWERS = [
    "claims.view_cluster", "claims.view_claim", "claims.view_claimlink", "claims.view_auditentry",
    "sources.view_source",
]  # fmt: skip
ROLES = {"editors": EDITORS, "viewers": VIEWERS}


def permissions(names: list[str]) -> list[Permission]:
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query))
    if len(found) != len(names):
        have = {f"{p.content_type.app_label}.{p.codename}" for p in found}
        raise CommandError(f"Missing permissions (run migrate first): {sorted(set(names) - have)}")
    return found


def setup_roles() -> dict[str, Group]:
    groups = {}
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions(perms))
        groups[name] = group
    return groups


class Command(BaseCommand):
    help = "Create or update the editors and viewers groups with exactly their permissions."

    def handle(self, *args, **options):
        for name, group in setup_roles().items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")
