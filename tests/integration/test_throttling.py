"""Failed admin logins are throttled per username and address; the API answers 429 over its rate."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

RIGHT = "correct-horse-battery-staple"
LOCKED = "Too many failed logins"
WRONG = "Please enter the correct username and password"


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    # a cheap hasher: a dozen logins per test, each one checked the way production checks it
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", password=RIGHT, is_staff=True)


def log_in(client, password: str, address: str = "10.0.0.1", username: str = "editor"):
    client.logout()
    response = client.post("/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address)
    return response, SESSION_KEY in client.session


def test_ten_wrong_passwords_lock_that_username_from_that_address_with_a_clear_message(client, editor):
    for _ in range(9):
        response, logged_in = log_in(client, "guess")
        assert WRONG in response.content.decode() and not logged_in
    response, _ = log_in(client, "guess")
    assert LOCKED in response.content.decode()


def test_the_right_password_is_refused_until_the_lockout_ends(client, editor):
    for _ in range(10):
        log_in(client, "guess")
    response, logged_in = log_in(client, RIGHT)
    assert not logged_in and LOCKED in response.content.decode() and "15 minutes" in response.content.decode()
    later = time.time() + 16 * 60
    with mock.patch("time.time", return_value=later):
        _, logged_in = log_in(client, RIGHT)
    assert logged_in


def test_forty_wrong_passwords_are_not_all_checked(client, editor):
    with mock.patch("django.contrib.auth.backends.ModelBackend.authenticate", return_value=None) as checked:
        for _ in range(40):
            log_in(client, "guess")
    assert checked.call_count == 10


def test_a_successful_login_starts_the_count_afresh(client, editor):
    for _ in range(9):
        log_in(client, "guess")
    assert log_in(client, RIGHT)[1]
    for _ in range(9):
        response, _ = log_in(client, "guess")
    assert WRONG in response.content.decode()


def test_a_lockout_from_one_address_does_not_lock_the_editor_out_everywhere(client, editor):
    for _ in range(10):
        log_in(client, "guess", address="203.0.113.9")
    assert log_in(client, RIGHT, address="10.0.0.1")[1]


def test_an_unknown_username_is_throttled_like_a_known_one(client, db):
    for _ in range(10):
        response, _ = log_in(client, "guess", username="nobody")
    assert LOCKED in response.content.decode()


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def three_a_minute(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": None}}


def test_an_anonymous_client_over_the_rate_gets_429_with_retry_after(three_a_minute):
    api = APIClient()
    assert [api.get("/api/v1/sources/").status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/api/v1/sources/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60


def test_the_rate_counts_per_client_address(three_a_minute):
    api = APIClient()
    for _ in range(4):
        api.get("/api/v1/sources/", REMOTE_ADDR="192.0.2.1")
    assert api.get("/api/v1/sources/", REMOTE_ADDR="192.0.2.2").status_code == 200


def test_the_default_rates_leave_room_for_a_busy_reader(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates == {"anon": "600/minute", "user": "2400/minute", "token": "2400/minute"}
