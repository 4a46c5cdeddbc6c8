"""The read-only REST API (DRF): serializers, views, pagination and the router. May import
Django, DRF, claims and sources."""
