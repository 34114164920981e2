"""CUSTOM_AUTH through the define / create / verify auth challenge triggers (fake Lambda).

moto behind the real front door with the local cloud's Cognito hooks (`cognito_rig`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cognito_rig import Rig, cognito_rig

WRONG = ("NotAuthorizedException", "Incorrect username or password.")


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with cognito_rig(tmp_path, timeout_s=2.0) as rig:
        yield rig


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def _define(event: dict[str, Any]) -> dict[str, Any]:
    session = event["request"]["session"]
    if session and session[-1]["challengeResult"] is True:
        event["response"].update(issueTokens=True, failAuthentication=False)
    elif len(session) >= 2:
        event["response"].update(issueTokens=False, failAuthentication=True)
    else:
        event["response"].update(challengeName="CUSTOM_CHALLENGE", issueTokens=False)
    return event


def _create(event: dict[str, Any]) -> dict[str, Any]:
    event["response"] = {
        "publicChallengeParameters": {"question": "2+2"},
        "privateChallengeParameters": {"answer": "4"},
        "challengeMetadata": "MATHS",
    }
    return event


def _verify(event: dict[str, Any]) -> dict[str, Any]:
    request = event["request"]
    event["response"]["answerCorrect"] = (
        request["challengeAnswer"] == request["privateChallengeParameters"]["answer"]
    )
    return event


def test_custom_auth_runs_the_define_create_and_verify_triggers(rig: Rig) -> None:
    pool, client = rig.pool(
        DefineAuthChallenge="define",
        CreateAuthChallenge="create",
        VerifyAuthChallengeResponse="verify",
    )
    rig.fake.handlers.update(define=_define, create=_create, verify=_verify)
    rig.confirmed_user(pool)
    start = rig.idp.initiate_auth(
        ClientId=client, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "alice"}
    )
    assert start["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert start["ChallengeParameters"] == {"question": "2+2", "USERNAME": "alice"}
    wrong = rig.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=start["Session"],
        ChallengeResponses={"USERNAME": "alice", "ANSWER": "5"},
    )
    assert wrong["ChallengeName"] == "CUSTOM_CHALLENGE"  # define asked again
    done = rig.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=wrong["Session"],
        ChallengeResponses={"USERNAME": "alice", "ANSWER": "4"},
    )
    assert "AuthenticationResult" in done
    define_events = rig.fake.sent("define")
    assert define_events[0]["triggerSource"] == "DefineAuthChallenge_Authentication"
    assert [s["challengeResult"] for s in define_events[-1]["request"]["session"]] == [
        False,
        True,
    ]
    assert define_events[-1]["request"]["session"][0]["challengeMetadata"] == "MATHS"
    verify_event = rig.fake.sent("verify")[0]
    assert verify_event["request"]["privateChallengeParameters"] == {"answer": "4"}


def test_custom_auth_fails_when_define_says_so(rig: Rig) -> None:
    pool, client = rig.pool(
        DefineAuthChallenge="define",
        CreateAuthChallenge="create",
        VerifyAuthChallengeResponse="verify",
    )
    rig.fake.handlers.update(define=_define, create=_create, verify=_verify)
    rig.confirmed_user(pool)
    start = rig.idp.initiate_auth(
        ClientId=client, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "alice"}
    )
    again = rig.idp.respond_to_auth_challenge(
        ClientId=client,
        ChallengeName="CUSTOM_CHALLENGE",
        Session=start["Session"],
        ChallengeResponses={"USERNAME": "alice", "ANSWER": "5"},
    )
    with pytest.raises(ClientError) as exc:
        rig.idp.respond_to_auth_challenge(
            ClientId=client,
            ChallengeName="CUSTOM_CHALLENGE",
            Session=again["Session"],
            ChallengeResponses={"USERNAME": "alice", "ANSWER": "5"},
        )
    assert _error(exc) == WRONG
