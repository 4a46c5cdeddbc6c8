"""Integrations for clients: ClaimReview JSON-LD, signed webhooks, and RSS/Atom feeds to follow.

models      WebhookSubscription, WebhookDelivery (one row per attempt), Feed, FeedEntry
services    emit, deliver, follow_feed, poll_feed, claimreview_for: the operations
signing     sign / verify_signature: the X-Factcheck-Signature header (receivers can copy it)
http        one bounded HTTP request (timeouts, overall deadline, size cap, http(s) redirects only)
tasks       thin Celery tasks: ids in, a service call, retry
api         the ClaimReview endpoints and the webhook subscriptions' API
"""
