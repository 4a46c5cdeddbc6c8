"""API clients: per-client tokens with scopes, their authentication, permissions and throttles,
and the records that make writes idempotent. May import Django, DRF, claims and sources."""
