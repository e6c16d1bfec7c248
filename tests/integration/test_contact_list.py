"""GET /v1/contacts (SPEC §9): every contact, found by name, id or number,
paged with limit and an opaque cursor until next_cursor is null."""


def put(replyd, cid, **fields):
    assert replyd.api("PUT", "/v1/contacts/" + cid, fields)[0] == 201


def walk(replyd, query=""):
    """Every page of a list: (contacts, number of pages)."""
    got, cursor, pages = [], None, 0
    while True:
        path = "/v1/contacts?" + query + ("&cursor=" + cursor if cursor else "")
        status, body = replyd.api("GET", path)
        assert status == 200, body
        got += body["contacts"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return got, pages


def test_the_list_holds_every_contact_once_in_pages(replyd):
    for i in range(60):
        put(replyd, "yp-%02d" % i, name="Person %d" % i, phone="+4477009%05d" % (500 + i))
    got, pages = walk(replyd, "limit=10")
    assert sorted(c["id"] for c in got) == ["yp-%02d" % i for i in range(60)]
    assert pages > 1
    first = replyd.api("GET", "/v1/contacts?limit=10")[1]
    assert len(first["contacts"]) <= 20
    ids = [c["id"] for c in first["contacts"]]
    assert ids == sorted(ids)


def test_a_contact_in_the_list_has_every_field(replyd):
    put(replyd, "yp-1", name="Sam", phone="07700 900123", worker="alice", receipt=False)
    [c] = walk(replyd)[0]
    assert c == {"id": "yp-1", "name": "Sam", "phone": "+447700900123", "email": None,
                 "worker": "alice", "team": "leaving-care", "receipt": False}


def test_q_finds_by_name_id_email_or_number_in_any_form(replyd):
    put(replyd, "yp-1", name="Sam Smith", phone="+447700900123")
    put(replyd, "yp-2", name="Jo", email="jo@example.org")
    find = lambda q: sorted(c["id"] for c in walk(replyd, "q=" + q)[0])
    assert find("smith") == ["yp-1"]
    assert find("yp-2") == ["yp-2"]
    assert find("EXAMPLE.org") == ["yp-2"]
    assert find("07700%20900123") == ["yp-1"]
    assert find("nobody") == []


def test_a_bad_limit_or_cursor_is_400(replyd):
    for q in ("limit=0", "limit=1001", "limit=x", "cursor=abc", "cursor="):
        status, body = replyd.api("GET", "/v1/contacts?" + q)
        assert status == 400, q
        assert body["error"] == "bad request"


def test_a_forged_cursor_is_400_naming_the_cursor(replyd):
    for i in range(60):
        put(replyd, "yp-%02d" % i, name="Person %d" % i, phone="+4477009%05d" % (500 + i))
    good = replyd.api("GET", "/v1/contacts?limit=10")[1]["next_cursor"]
    assert good is not None
    for cursor in ("123", good[:-1] + ("0" if good[-1] != "0" else "1"), good + "00"):
        status, body = replyd.api("GET", "/v1/contacts?cursor=" + cursor)
        assert status == 400, cursor
        assert "cursor" in body["detail"]


def test_the_list_needs_a_token(replyd):
    assert replyd.request("GET", "/v1/contacts")[0] == 401
