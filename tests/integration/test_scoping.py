"""Need to know (SPEC section 15): a person sees and acts on their own
teams only; another team's conversations, contacts, rota, absences and
reports answer 404, exactly as missing ones do.  by follows SPEC section 9.
Every reading of a conversation's text, and of a contact's details, is
recorded."""

import pytest

from harness import TOKEN
from staff import BOARD, WORKER_SERVICE, conversation_of, sign_in, token, two_teams

LC_PHONE = "+447700900201"      # a young person of leaving-care
FO_PHONE = "+447700900301"      # a young person of fostering


@pytest.fixture
def d(make_replyd, redis_server, tmpdir_path):
    return make_replyd(two_teams(redis_server.port, tmpdir_path))


@pytest.fixture
def convs(d):
    """One conversation in each team: {team: id}."""
    return {"leaving-care": conversation_of(d, "leaving-care", LC_PHONE),
            "fostering": conversation_of(d, "fostering", FO_PHONE)}


def as_(d, person, method, path, body=None):
    return d.api(method, path, body, token=token(person))


def test_a_worker_of_one_team_gets_404_for_another_teams_conversation(d, convs):
    missing = as_(d, "alice", "GET", "/v1/conversations/1-999999")
    status, body = as_(d, "alice", "GET", "/v1/conversations/" + convs["fostering"])
    assert (status, body) == missing == (404, {"error": "not found",
                                               "detail": "no such conversation"})
    assert as_(d, "carol", "GET", "/v1/conversations/" + convs["fostering"])[0] == 200


def test_a_worker_of_one_team_gets_404_for_another_teams_contact(d, convs):
    missing = as_(d, "alice", "GET", "/v1/contacts/yp-nobody")
    assert as_(d, "alice", "GET", "/v1/contacts/yp-" + FO_PHONE[-4:]) == missing
    assert missing[0] == 404
    assert as_(d, "alice", "GET", "/v1/contacts/yp-" + LC_PHONE[-4:])[0] == 200


def test_lists_show_only_the_callers_teams(d, convs):
    def ids(who):
        status, body = as_(d, who, "GET", "/v1/conversations")
        assert status == 200
        return sorted(c["id"] for c in body["conversations"])
    assert ids("alice") == [convs["leaving-care"]]
    assert ids("carol") == [convs["fostering"]]
    assert ids("ash") == sorted(convs.values())
    status, body = d.api("GET", "/v1/conversations")     # a service token
    assert sorted(c["id"] for c in body["conversations"]) == sorted(convs.values())
    assert as_(d, "alice", "GET", "/v1/conversations?team=fostering")[0] == 404


def test_the_contact_list_shows_only_the_callers_teams(d, convs):
    def ids(who, query=""):
        status, body = as_(d, who, "GET", "/v1/contacts" + query)
        assert status == 200, body
        return sorted(c["id"] for c in body["contacts"])
    lc, fo = "yp-" + LC_PHONE[-4:], "yp-" + FO_PHONE[-4:]
    assert ids("alice") == [lc]
    assert ids("carol") == [fo]
    assert ids("alice", "?q=" + FO_PHONE[-4:]) == []       # search too
    assert ids("ash") == sorted([lc, fo])


def test_a_worker_cannot_act_on_another_teams_conversation(d, convs):
    other = convs["fostering"]
    assert as_(d, "alice", "POST", "/v1/conversations/%s/ack" % other, {})[0] == 404
    assert as_(d, "alice", "POST", "/v1/conversations/%s/responded" % other,
               {"how": "phone"})[0] == 404
    assert as_(d, "alice", "POST", "/v1/conversations/%s/reply" % other,
               {"text": "hello"})[0] == 404
    assert d.api("GET", "/v1/conversations/" + other)[1]["state"] == "awaiting"


def test_a_manager_cannot_set_another_teams_rota(d):
    status, body = as_(d, "dora", "PUT", "/v1/teams/fostering/duty/2026-06-01",
                       {"worker": "carol"})
    assert (status, body["detail"]) == (404, "no such team")
    assert as_(d, "dora", "GET", "/v1/teams/fostering/duty/2026-06-01")[0] == 404
    assert as_(d, "dora", "PUT", "/v1/teams/leaving-care/duty/2026-06-01",
               {"worker": "bob"})[0] == 200
    assert as_(d, "gina", "PUT", "/v1/teams/fostering/duty/2026-06-01",
               {"worker": "carol"})[0] == 200


def test_a_worker_cannot_change_the_rota(d):
    assert as_(d, "alice", "PUT", "/v1/teams/leaving-care/duty/2026-06-01",
               {"worker": "alice"})[0] == 403
    assert as_(d, "alice", "DELETE", "/v1/teams/leaving-care/duty/2026-06-01")[0] == 403
    assert as_(d, "alice", "GET", "/v1/teams/leaving-care/duty/2026-06-01")[0] == 200


def test_by_naming_someone_else_is_403(d, convs):
    mine = convs["leaving-care"]
    for path, body in (("ack", {"by": "bob"}),
                       ("responded", {"by": "bob", "how": "phone"}),
                       ("reply", {"by": "dora", "text": "hello"})):
        status, data = as_(d, "alice", "POST", "/v1/conversations/%s/%s" % (mine, path), body)
        assert status == 403 and "by" in data["detail"], (path, data)
    # Even an admin acts only as themselves.
    assert as_(d, "ash", "POST", "/v1/conversations/%s/ack" % mine, {"by": "dora"})[0] == 403


def test_by_left_out_is_the_person_acting(d, convs):
    mine = convs["leaving-care"]
    status, body = as_(d, "alice", "POST", "/v1/conversations/%s/ack" % mine, {})
    assert status == 200 and body["by"] == "alice"
    status, body = as_(d, "bob", "POST", "/v1/conversations/%s/responded" % mine,
                       {"by": "bob", "how": "phone"})
    assert status == 200
    assert d.api("GET", "/v1/conversations/" + mine)[1]["responded_by"] == "bob"


def test_a_service_token_without_by_is_400(d, convs):
    status, body = d.api("POST", "/v1/conversations/%s/ack" % convs["fostering"], {},
                         token=BOARD)
    assert status == 400 and "by" in body["detail"]
    assert d.api("POST", "/v1/conversations/%s/ack" % convs["fostering"], {"by": "frank"},
                 token=BOARD)[0] == 200


def test_a_service_token_sees_every_team_at_its_role(d, convs):
    assert d.api("GET", "/v1/conversations/" + convs["fostering"],
                 token=WORKER_SERVICE)[0] == 200
    assert d.api("PUT", "/v1/teams/fostering/duty/2026-06-01", {"worker": "carol"},
                 token=WORKER_SERVICE)[0] == 403
    assert d.api("PUT", "/v1/teams/fostering/duty/2026-06-01", {"worker": "carol"},
                 token=BOARD)[0] == 200


def test_absences_of_other_teams_are_hidden(d):
    assert as_(d, "dora", "POST", "/v1/absences",
               {"person": "bob", "from": "2026-06-01", "to": "2026-06-02"})[0] == 201
    assert as_(d, "gina", "POST", "/v1/absences",
               {"person": "carol", "from": "2026-06-01", "to": "2026-06-02"})[0] == 201
    assert as_(d, "dora", "POST", "/v1/absences",
               {"person": "carol", "from": "2026-06-03", "to": "2026-06-04"})[0] == 404
    people = lambda who: sorted(a["person"] for a in as_(d, who, "GET", "/v1/absences")[1]["absences"])
    assert people("alice") == ["bob"]
    assert people("frank") == ["carol"]
    assert people("ash") == ["bob", "carol"]
    [carols] = [a for a in d.api("GET", "/v1/absences")[1]["absences"] if a["person"] == "carol"]
    assert as_(d, "dora", "DELETE", "/v1/absences/carol/%d" % carols["id"])[0] == 404
    assert as_(d, "alice", "POST", "/v1/absences",
               {"person": "bob", "from": "2026-06-05", "to": "2026-06-06"})[0] == 403


def test_a_managers_report_covers_their_own_teams(d, convs):
    q = "/v1/report?from=2020-01-01&to=2099-12-31"
    assert as_(d, "dora", "GET", q + "&team=fostering")[0] == 404
    status, body = as_(d, "dora", "GET", q)
    assert status == 200 and list(body["teams"]) == ["leaving-care"]
    assert body["received"] == 1
    assert as_(d, "alice", "GET", q)[0] == 403
    status, body = as_(d, "ash", "GET", q)
    assert sorted(body["teams"]) == ["fostering", "leaving-care"] and body["received"] == 2


def test_contacts_are_changed_by_their_teams_managers_only(d, convs):
    fo = "/v1/contacts/yp-" + FO_PHONE[-4:]
    # Moving another team's contact into one's own: it does not exist.
    assert as_(d, "dora", "PUT", fo, {"phone": FO_PHONE, "team": "leaving-care"})[0] == 404
    assert as_(d, "dora", "DELETE", fo)[0] == 404
    assert as_(d, "bob", "PUT", "/v1/contacts/yp-new", {"phone": "+447700900401"})[0] == 403
    # A manager's new contact is in the one team they manage.
    status, body = as_(d, "gina", "PUT", "/v1/contacts/yp-new", {"phone": "+447700900401"})
    assert status == 201 and body["team"] == "fostering"
    assert as_(d, "gina", "PUT", fo, {"phone": FO_PHONE, "name": "Sam"})[0] == 200


def test_opening_a_conversation_is_recorded_as_viewed(d, convs):
    cid = convs["leaving-care"]
    status, body = as_(d, "alice", "GET", "/v1/conversations/" + cid)
    [seen] = [e for e in body["events"] if e["type"] == "viewed"]
    assert seen["by"] == "alice" and "service" not in seen and seen["at"].startswith("20")
    status, body = d.api("GET", "/v1/conversations/" + cid)
    viewed = [e for e in body["events"] if e["type"] == "viewed"]
    assert [(e["by"], e.get("service", False)) for e in viewed] == \
        [("alice", False), ("tests", True)]
    # Another team's worker, refused, leaves no view behind.
    as_(d, "carol", "GET", "/v1/conversations/" + cid)
    viewed = [e for e in d.api("GET", "/v1/conversations/" + cid)[1]["events"]
              if e["type"] == "viewed"]
    assert [e["by"] for e in viewed] == ["alice", "tests", "tests"]


def test_reading_a_contact_is_recorded_in_its_read_trail(d, convs):
    path = "/v1/contacts/yp-" + LC_PHONE[-4:]
    assert as_(d, "bob", "GET", path)[0] == 200
    status, body = as_(d, "dora", "GET", path + "/reads")
    assert status == 200 and [r["by"] for r in body["reads"]] == ["bob"]
    assert as_(d, "alice", "GET", path + "/reads")[0] == 403
    assert as_(d, "gina", "GET", path + "/reads")[0] == 404
    status, body = as_(d, "ash", "GET", path + "/reads")
    assert [r["by"] for r in body["reads"]] == ["bob"]


def test_the_session_cookie_authorizes_v1_for_its_person(d, convs):
    s = sign_in(d, "carol")
    status, body = s.get("/v1/conversations")
    assert [c["id"] for c in body["conversations"]] == [convs["fostering"]]
    assert s.get("/v1/conversations/" + convs["leaving-care"])[0] == 404
    status, body = s.post("/v1/conversations/%s/ack" % convs["fostering"], {})
    assert status == 200 and body["by"] == "carol"
