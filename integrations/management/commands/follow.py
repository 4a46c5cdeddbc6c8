"""python manage.py follow FEED_URL: follow an RSS or Atom feed; its new entries are ingested on
every poll (FACTCHECK_FEED_POLL_MINUTES)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from integrations import services


class Command(BaseCommand):
    help = (
        "Follow an RSS or Atom feed: the URL is fetched once and parsed, then registered; the beat job "
        "polls it (FACTCHECK_FEED_POLL_MINUTES) and ingests each new entry's page once. --poll polls it now."
    )

    def add_arguments(self, parser):
        parser.add_argument("url", metavar="FEED_URL")
        parser.add_argument("--poll", action="store_true", help="Poll the feed now, after registering it.")

    def handle(self, *args, url: str, poll: bool = False, **options):
        try:
            feed, created = services.follow_feed(url)
        except services.FeedError as exc:
            raise CommandError(_("%(url)s: %(reason)s") % {"url": url, "reason": exc}) from None
        state = _("following") if created else _("already following")
        self.stdout.write(f"{state} feed {feed.pk}: {feed.title or _('(untitled)')} <{feed.url}>")
        if poll:
            report = services.poll_feed(feed.pk)
            if report.error:
                raise CommandError(report.error)
            self.stdout.write(
                _("polled: %(new)d new entries ingested, %(failed)d failed, %(seen)d seen before")
                % {"new": len(report.ingested), "failed": len(report.failed), "seen": report.already_seen}
            )
