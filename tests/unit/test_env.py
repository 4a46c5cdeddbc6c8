"""Settings fail loudly on bad values."""

import pytest

from factcheck.env import ConfigError, env_bool, env_choice, env_float, env_int, env_rate


def test_a_non_numeric_threshold_names_the_variable():
    with pytest.raises(ConfigError, match="FACTCHECK_CLUSTER_THRESHOLD"):
        env_float("FACTCHECK_CLUSTER_THRESHOLD", 0.5, environ={"FACTCHECK_CLUSTER_THRESHOLD": "high"})


def test_out_of_range_values_are_refused():
    with pytest.raises(ConfigError, match="maximum"):
        env_float("X", 0.5, maximum=1.0, environ={"X": "1.5"})
    with pytest.raises(ConfigError, match="minimum"):
        env_int("Y", 5, minimum=1, environ={"Y": "0"})


def test_booleans_accept_the_usual_words_and_nothing_else():
    assert env_bool("B", False, environ={"B": "yes"}) is True
    assert env_bool("B", True, environ={"B": "0"}) is False
    with pytest.raises(ConfigError):
        env_bool("B", True, environ={"B": "maybe"})


def test_unset_means_the_default():
    assert env_int("Z", 7, environ={}) == 7


def test_a_rate_is_a_count_per_period_or_off():
    assert env_rate("R", "600/minute", environ={}) == "600/minute"
    assert env_rate("R", "600/minute", environ={"R": "5/Second"}) == "5/second"
    assert env_rate("R", "600/minute", environ={"R": "off"}) is None
    with pytest.raises(ConfigError, match="R='fast' is not a rate"):
        env_rate("R", "600/minute", environ={"R": "fast"})
    with pytest.raises(ConfigError, match="not a rate"):
        env_rate("R", "600/minute", environ={"R": "10/fortnight"})


def test_a_choice_is_one_of_its_words_whatever_the_case():
    choices = ("auto", "float32", "bfloat16")
    assert env_choice("P", "auto", choices, environ={}) == "auto"
    assert env_choice("P", "auto", choices, environ={"P": " BFloat16 "}) == "bfloat16"
    with pytest.raises(ConfigError, match="P='fp8' is not one of auto, float32, bfloat16"):
        env_choice("P", "auto", choices, environ={"P": "fp8"})
