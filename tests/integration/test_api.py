"""The staff API's rules: tokens and roles, JSON errors, contacts."""

import pytest

from harness import TOKEN


def test_api_without_a_token_is_401(replyd):
    status, _, body = replyd.request("GET", "/v1/conversations")
    assert status == 401 and b"error" in body


def test_api_with_an_unknown_token_is_401(replyd):
    status, data = replyd.api("GET", "/v1/conversations", token="not-a-token-0123456789")
    assert status == 401 and data["error"] == "unauthorized"


def test_worker_role_cannot_change_contacts(tmpdir_path, redis_server, make_replyd):
    from harness import base_config
    cfg = base_config(redis_server.port, tmpdir_path)
    cfg["api"]["tokens"]["worker-token-0123456789"] = {"name": "w", "role": "worker"}
    d = make_replyd(cfg)
    status, data = d.api("PUT", "/v1/contacts/x", {"phone": "+447700900123"},
                         token="worker-token-0123456789")
    assert status == 403


def test_unknown_conversation_is_404(replyd):
    status, data = replyd.api("GET", "/v1/conversations/3-999")
    assert status == 404 and data["error"] == "not found"


def test_bad_state_filter_is_400(replyd):
    status, data = replyd.api("GET", "/v1/conversations?state=lost")
    assert status == 400 and "state" in data["detail"]


def test_contact_round_trip_and_delete(replyd):
    status, c = replyd.api("PUT", "/v1/contacts/yp-2",
                           {"name": "Sam", "phone": "447700900321", "email": "Sam@Example.org",
                            "worker": "alice", "receipt": False})
    assert status == 201
    assert (c["phone"], c["email"], c["team"], c["receipt"]) == \
        ("+447700900321", "sam@example.org", "leaving-care", False)
    status, got = replyd.api("GET", "/v1/contacts/yp-2")
    assert status == 200 and got["phone"] == "+447700900321" and got["receipt"] is False
    assert replyd.api("PUT", "/v1/contacts/yp-2", {"phone": "+447700900321"})[0] == 200
    assert replyd.api("DELETE", "/v1/contacts/yp-2")[0] == 204
    assert replyd.api("GET", "/v1/contacts/yp-2")[0] == 404


@pytest.mark.parametrize("body,field", [
    ({"phone": "not a number"}, "phone"),
    ({"email": "nobody"}, "email"),
    ({"phone": "+447700900123", "worker": "zed"}, "worker"),
    ({"phone": "+447700900123", "receipt": "yes"}, "receipt"),
    ({}, "phone"),
])
def test_bad_contact_fields_are_400_naming_the_field(replyd, body, field):
    status, data = replyd.api("PUT", "/v1/contacts/yp-3", body)
    assert status == 400 and field in data["detail"]


def test_responded_needs_a_known_person_and_how(replyd):
    status, data = replyd.api("POST", "/v1/conversations/1-1/responded", {"by": "zed", "how": "phone"})
    assert status == 400 and "by" in data["detail"]
    status, data = replyd.api("POST", "/v1/conversations/1-1/responded", {"by": "alice", "how": "fax"})
    assert status == 400 and "how" in data["detail"]


def test_malformed_json_body_is_400(replyd):
    status, _, body = replyd.request("POST", "/v1/conversations/1-1/responded", b"{nope",
                                     {"Authorization": "Bearer " + TOKEN})
    assert status == 400
