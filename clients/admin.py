"""Tokens in the admin: created here (the token is shown once, in a message after saving) and revoked
with an action. Only the hash is stored, so a lost token is revoked and replaced, never recovered."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients import services
from clients.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scope", "created_by", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "scope"]
        return ["name", "scope", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj: ApiToken, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        new = services.create_token(obj.name, obj.scope, request.user)
        obj.pk = new.token.pk
        obj.refresh_from_db()
        obj._state.adding = False
        messages.warning(
            request,
            gettext("The token for “%(name)s” is %(token)s — copy it now: it is not stored and is not shown again.")
            % {"name": obj.name, "token": new.plaintext},
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset: QuerySet[ApiToken]) -> None:
        count = services.revoke_tokens(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, gettext("Revoked %(count)d token(s).") % {"count": count}, messages.SUCCESS)
