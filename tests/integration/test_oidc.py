"""Signing in with OpenID Connect (SPEC section 15) against a real
provider, the oidc-provider npm package (tests/oidc/provider.js) with
Entra-like claims: the whole flow over loopback HTTP, the session then
used on /v1; ID tokens that are wrong in any one way refused; a rotated
signing key followed; the binding of a person to their subject."""

import pytest

from harness import rmtree, tempdir
from oidcprovider import Browser, Provider, npm_ci
from staff import ORIGIN, PUBLIC, Session, cookie_of, form, make_link, token, two_teams, use_link


@pytest.fixture(scope="session")
def node_modules():
    npm_ci()


@pytest.fixture(scope="module")
def provider_process(node_modules):
    """One provider for the module's tests (on one pytest-xdist worker)."""
    logs = tempdir()
    p = Provider(logs)
    yield p
    p.stop()
    rmtree(logs)


@pytest.fixture
def provider(provider_process):
    """The provider as just started: the test before left nothing."""
    provider_process.reset()
    return provider_process


@pytest.fixture
def d(make_replyd, redis_server, tmpdir_path, provider):
    return make_replyd(two_teams(redis_server.port, tmpdir_path,
                                 auth={"oidc": provider.config()}))


def signed_in(d, account):
    """Sign in as account at the provider; replyd's Session."""
    b = Browser(d)
    status, headers, body = b.sign_in(account)
    assert status == 303, body
    return Session(d, b.session())


def refused(d, account="alice"):
    status, headers, body = Browser(d).sign_in(account)
    assert cookie_of(headers) is None
    return status


def test_sign_in_with_the_provider_then_the_session_works_on_v1(d, provider):
    b = Browser(d)
    status, headers, _ = b.sign_in("carol", return_to="/c/5-7")
    assert status == 303 and headers["location"] == "/c/5-7"
    s = Session(d, b.session())
    assert s.me["person"] == "carol" and s.me["teams"] == {"fostering": "worker"}
    assert s.get("/v1/conversations")[0] == 200
    status, body = s.request("PUT", "/v1/teams/fostering/duty/2026-06-01",
                             {"worker": "carol"}, {"Origin": PUBLIC, "X-CSRF-Token": s.csrf})
    assert status == 403        # carol works in fostering; she does not manage it
    assert "oidc: carol signed in" in d.logtext()


def test_an_id_token_signed_by_another_key_is_refused(d, provider):
    provider.tamper("signature")
    assert refused(d) == 403
    assert "bad signature" in d.logtext()


def test_an_id_token_for_another_audience_is_refused(d, provider):
    provider.tamper("audience")
    assert refused(d) == 403
    assert "wrong audience" in d.logtext()


def test_an_id_token_from_another_issuer_is_refused(d, provider):
    provider.tamper("issuer")
    assert refused(d) == 403
    assert "wrong issuer" in d.logtext()


def test_an_id_token_with_another_nonce_is_refused(d, provider):
    provider.tamper("nonce")
    assert refused(d) == 403
    assert "wrong nonce" in d.logtext()


def test_an_expired_id_token_is_refused(d, provider):
    provider.tamper("expired")
    assert refused(d) == 403
    assert "expired" in d.logtext()


def test_an_id_token_of_another_tenant_is_refused(d, provider):
    provider.tamper("tenant")
    assert refused(d) == 403
    assert "wrong tenant" in d.logtext()


def test_the_provider_rotating_its_signing_key_is_followed(d, provider):
    signed_in(d, "alice")
    assert provider.stats()["jwks"] == 1
    provider.rotate()
    assert signed_in(d, "bob").me["person"] == "bob"
    assert provider.stats()["jwks"] == 2
    assert signed_in(d, "carol").me["person"] == "carol"    # cached again
    # replyd fetched discovery once (the counts start at the reset).
    assert provider.stats() == {"discovery": 1, "jwks": 2, "token": 3}


def test_a_renamed_mailbox_cannot_take_over_another_account(d, provider):
    assert signed_in(d, "alice").me["person"] == "alice"
    assert signed_in(d, "bob").me["person"] == "bob"
    # alice's mailbox now claims bob's address: she is still alice.
    provider.account("alice", email="bob@example.gov.uk")
    assert signed_in(d, "alice").me["person"] == "alice"


def test_a_second_identity_claiming_a_bound_persons_email_is_refused(d, provider):
    assert signed_in(d, "alice").me["person"] == "alice"
    provider.account("mallory", email="alice@example.gov.uk")
    assert refused(d, "mallory") == 403
    assert "a second identity claims the email of alice" in d.logtext()


def test_the_binding_is_to_oid_not_preferred_username(d, provider):
    provider.account("alice", preferred_username="carol@example.gov.uk")
    assert signed_in(d, "alice").me["person"] == "alice"
    provider.account("carol2", email="carol@example.gov.uk", oid=provider.account("carol")["oid"])
    # The same oid is the same subject, whatever the account's name.
    assert signed_in(d, "carol").me["person"] == "carol"
    assert signed_in(d, "carol2").me["person"] == "carol"


def test_someone_who_is_no_configured_person_is_refused(d, provider):
    assert refused(d, "zed") == 403
    assert "zed@example.gov.uk" not in d.logtext()


def test_an_admin_can_remove_a_binding(d, provider):
    signed_in(d, "alice")
    provider.account("alice-new", email="alice@example.gov.uk")
    assert refused(d, "alice-new") == 403
    assert d.api("DELETE", "/v1/people/alice/oidc-binding", token=token("dora"))[0] == 403
    assert d.api("DELETE", "/v1/people/alice/oidc-binding", token=token("ash"))[0] == 204
    assert signed_in(d, "alice-new").me["person"] == "alice"


def test_the_state_must_come_back_to_the_browser_that_started(d, provider):
    b = Browser(d)
    status, headers, _ = b.replyd_get("/auth/oidc")
    location = headers["location"]
    assert "code_challenge_method=S256" in location and "nonce=" in location
    # Another browser (without the state cookie) brings the state back.
    other = Browser(d)
    state = location.split("state=", 1)[1].split("&", 1)[0]
    status, headers, _ = other.replyd_get("/auth/oidc/callback?code=x&state=" + state)
    assert status == 400 and cookie_of(headers) is None


def test_a_state_is_used_once(d, provider):
    b = Browser(d)
    status, headers, _ = b.sign_in("bob")
    assert status == 303
    # The same callback again, with the browser's state cookie as it was.
    b.cookies = dict(b.callback_cookies)
    status, headers, body = b.replyd_get(b.callback)
    assert status == 400 and cookie_of(headers) is None and b"expired" in body
    assert provider.stats()["token"] == 1


def test_with_oidc_configured_sign_in_links_are_for_admins_only(d, provider):
    status, body = d.api("POST", "/v1/signin-links", {"person": "alice"})
    assert status == 409 and "admin" in body["detail"]
    status, headers, _ = use_link(d, make_link(d, "ash"))
    assert status == 303 and Session(d, cookie_of(headers)).me["person"] == "ash"
    status, _, body = form(d, "/signin", {"email": "alice@example.gov.uk"}, ORIGIN)
    assert status == 200 and b"Check your email" in body
    assert "links are for admins only" in d.logtext()


def test_the_sign_in_page_offers_the_council_account(d, provider):
    status, headers, body = d.request("GET", "/signin?return=/c/1-2")
    assert status == 200
    assert b'href="/auth/oidc?return=/c/1-2">Sign in with your council account</a>' in body


def test_sign_in_links_still_work_without_oidc(make_replyd, redis_server, tmpdir_path):
    d = make_replyd(two_teams(redis_server.port, tmpdir_path))
    status, headers, _ = use_link(d, make_link(d, "alice"))
    assert Session(d, cookie_of(headers)).me["person"] == "alice"
    status, _, body = d.request("GET", "/auth/oidc")
    assert status == 404
