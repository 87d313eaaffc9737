"""Inputs from INPUT_* in both spellings, validated with errors that name the input."""

import pytest

from devops_agent.errors import ConfigError
from devops_agent.settings import ActionsEnv, Settings, read_input


def test_both_spellings_are_read():
    assert read_input({"INPUT_GITHUB-TOKEN": " t1 "}, "github-token") == "t1"
    assert read_input({"INPUT_GITHUB_TOKEN": "t2"}, "github-token") == "t2"
    assert read_input({}, "github-token") == ""


def test_defaults_follow_the_contract():
    s = Settings.from_env({})
    assert s.trigger == "/devops"
    assert s.min_permission == "write"
    assert s.aws_region == "us-east-1"
    assert s.regions == ("us-east-1",)
    assert s.max_turns == 10
    assert s.timeout_seconds == 600
    assert s.fail_on == "never"
    assert s.dry_run is False
    assert s.config_file == ".github/devops-agent.yml"


def test_values_are_parsed():
    s = Settings.from_env(
        {
            "INPUT_ALLOWED-USERS": "Alice, @bob\ncarol",
            "INPUT_AWS-REGIONS": "us-east-1,eu-west-1",
            "INPUT_MIN-PERMISSION": "Maintain",
            "INPUT_DRY-RUN": "true",
            "INPUT_MAX-TURNS": "5",
        }
    )
    assert s.allowed_users == ("alice", "bob", "carol")
    assert s.regions == ("us-east-1", "eu-west-1")
    assert s.min_permission == "maintain"
    assert s.dry_run is True
    assert s.max_turns == 5


def test_secrets_do_not_show_in_repr():
    s = Settings.from_env(
        {"INPUT_GITHUB-TOKEN": "ghs_supersecretvalue1234567890", "INPUT_OPENAI-API-KEY": "sk-x"}
    )
    assert "ghs_supersecret" not in repr(s)
    assert "ghs_supersecret" not in str(s.model_dump())
    assert s.github_token.get_secret_value().startswith("ghs_")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"INPUT_MIN-PERMISSION": "writ"}, "min-permission"),
        ({"INPUT_MAX-TURNS": "lots"}, "max-turns"),
        ({"INPUT_DRY-RUN": "maybe"}, "dry-run"),
        ({"INPUT_FAIL-ON": "sometimes"}, "fail-on"),
        ({"INPUT_TRIGGER": "/dev ops"}, "trigger"),
    ],
)
def test_bad_input_names_the_input(env, named):
    with pytest.raises(ConfigError) as err:
        Settings.from_env(env)
    assert named in err.value.message
    assert err.value.exit_code == 2


def test_local_token_fallback():
    assert Settings.from_env({"GH_TOKEN": "abc"}).github_token.get_secret_value() == "abc"


def test_actions_env():
    env = ActionsEnv.from_env(
        {
            "GITHUB_REPOSITORY": "acme/app",
            "GITHUB_RUN_ID": "7",
            "GITHUB_SERVER_URL": "https://ghe.example.com/",
            "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
            "GITHUB_RUN_ATTEMPT": "2",
        }
    )
    assert env.api_url == "https://ghe.example.com/api/v3"
    assert env.run_url == "https://ghe.example.com/acme/app/actions/runs/7"
    assert env.run_attempt == 2
