"""The data model on Redis Cluster (SPEC §10): every script touches only the
keys it is given, all in one slot, so a one-node cluster serves the whole
life of a conversation: stored, joined, listed, read, escalated,
acknowledged, answered, reported; contacts, absences and rota overrides
too.  A script that touched another key would fail here with CROSSSLOT or
"non local key", which replyd would log."""

import os
import uuid

import pytest

from harness import RedisServer, base_config, free_port, rmtree, tempdir, wait_for
from providers import form_body, twilio_signature
from sink import TwilioSink

TOKEN = "twilio-auth-token-for-tests"
URL = "https://replyd.test/webhooks/twilio"
DUTY = "+447700900001"
YP = "+447700900123"


@pytest.fixture
def cluster():
    """A redis-server in cluster mode holding every slot itself."""
    path = tempdir()
    # The cluster bus port is given too: by default it is the port plus
    # 10000, which a high free port would overflow.
    r = RedisServer(path, extra=["--cluster-enabled", "yes",
                                 "--cluster-port", str(free_port()),
                                 "--cluster-config-file",
                                 os.path.join(path, "nodes.conf")]).start()
    assert r.cli("CLUSTER", "ADDSLOTSRANGE", "0", "16383") == "OK"
    wait_for(lambda: "cluster_state:ok" in r.cli("CLUSTER", "INFO"),
             what="the one-node cluster to be ok")
    yield r
    r.stop()
    rmtree(path)


@pytest.fixture
def sink():
    s = TwilioSink()
    yield s
    s.close()


def cluster_config(port, tmpdir, sink):
    cfg = base_config(port, tmpdir)
    cfg["calendars"]["office"]["hours"] = {d: ["00:00-24:00"] for d in
                                           ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    cfg["promise"]["respond_within"] = "2 working seconds"
    cfg["channels"] = {"twilio": {"auth_token": TOKEN, "account_sid": "ACtest",
                                  "from": "+447700900000", "api_base": sink.url}}
    cfg["alerts"] = {"sms": "twilio"}
    cfg["teams"]["leaving-care"]["escalation"] = [{"after": "0s", "notify": ["duty-worker"]}]
    cfg["delivery"] = {"retry_base": "1s", "retry_max": "2s", "claim_idle": "2s"}
    return cfg


def send_sms(replyd, sender=YP, body="please call me back"):
    params = [("MessageSid", "SM" + uuid.uuid4().hex), ("From", sender),
              ("To", "+447700900000"), ("Body", body)]
    status, _, _ = replyd.request("POST", "/webhooks/twilio", form_body(params),
                                  {"Content-Type": "application/x-www-form-urlencoded",
                                   "X-Twilio-Signature": twilio_signature(TOKEN, URL, params)})
    return status


def test_a_conversation_lives_its_whole_life_on_a_one_node_cluster(
        make_replyd, cluster, tmpdir_path, sink):
    d = make_replyd(cluster_config(cluster.port, tmpdir_path, sink))
    assert d.api("PUT", "/v1/contacts/yp-1", {"phone": YP, "worker": "alice"})[0] == 201
    assert d.api("GET", "/v1/contacts/yp-1")[0] == 200
    assert d.api("PUT", "/v1/teams/leaving-care/duty/2030-01-02",
                 {"worker": "alice"})[0] == 200
    assert d.api("GET", "/v1/teams/leaving-care/duty/2030-01-02")[1]["override"]
    status, absence = d.api("POST", "/v1/absences",
                            {"person": "alice", "from": "2030-01-01", "to": "2030-01-05"})
    assert status == 201
    assert d.api("GET", "/v1/absences")[1]["absences"]

    assert send_sms(d) == 200
    assert send_sms(d, body="are you there?") == 200           # joins
    [c] = d.api("GET", "/v1/conversations")[1]["conversations"]
    status, full = d.api("GET", "/v1/conversations/" + c["id"])
    assert status == 200 and len(full["messages"]) == 2

    wait_for(lambda: sink.to(DUTY), timeout=15, what="the duty worker's alert")
    assert d.api("POST", "/v1/conversations/%s/ack" % c["id"], {"by": "alice"})[0] == 200
    assert d.api("POST", "/v1/conversations/%s/reply" % c["id"],
                 {"by": "alice", "text": "I will call you at 3pm."})[0] == 200
    assert d.api("GET", "/v1/conversations/" + c["id"])[1]["state"] == "responded"
    assert d.api("GET", "/v1/conversations?state=responded")[1]["conversations"]

    status, report = d.api("GET", "/v1/report?from=2000-01-01&to=2099-12-31")
    assert status == 200 and report["received"] == 1
    assert d.api("DELETE", "/v1/absences/alice/%d" % absence["id"])[0] == 204
    assert d.api("DELETE", "/v1/teams/leaving-care/duty/2030-01-02")[0] == 200
    assert d.api("DELETE", "/v1/contacts/yp-1")[0] in (200, 204)

    log = d.logtext()
    for refusal in ("CROSSSLOT", "non local key", "do not hash to the same slot",
                    "not stored", "unexpected reply"):
        assert refusal not in log, log[-3000:]
