"""replyctl contacts import: each CSV row goes through the API's checks."""

import os
import subprocess

from harness import BUILD


def run_import(replyd, csv_text, tmpdir_path):
    path = os.path.join(tmpdir_path, "contacts.csv")
    open(path, "w").write(csv_text)
    out = subprocess.run([os.path.join(BUILD, "replyctl"), "contacts", "import", "-c",
                          replyd.path, path], capture_output=True, text=True, timeout=60)
    return out.returncode, out.stdout, out.stderr, path


def test_import_adds_every_valid_row(replyd, tmpdir_path):
    rc, out, err, _ = run_import(replyd, "id,name,phone,email,worker,receipt\n"
                                 "yp-1,Sam,07700 900123,,alice,true\n"
                                 "yp-2,\"Jo, Jr\",,jo@example.org,alice,no\n", tmpdir_path)
    assert rc == 0, err
    assert "2 imported, 0 failed" in out
    assert replyd.api("GET", "/v1/contacts/yp-1")[1]["phone"] == "+447700900123"
    jo = replyd.api("GET", "/v1/contacts/yp-2")[1]
    assert (jo["name"], jo["receipt"]) == ("Jo, Jr", False)


def test_import_names_the_line_of_each_bad_row(replyd, tmpdir_path):
    rc, out, err, path = run_import(replyd, "id,phone,worker\n"
                                    "yp-1,07700 900123,alice\n"
                                    "yp-2,not-a-phone,alice\n"
                                    "yp-3,07700 900125,nobody\n", tmpdir_path)
    assert rc == 1
    assert "%s:3: yp-2: 400" % path in err and "phone" in err
    assert "%s:4: yp-3: 400" % path in err and "worker" in err
    assert "1 imported, 2 failed" in out


def test_import_refuses_an_unknown_column(replyd, tmpdir_path):
    rc, out, err, path = run_import(replyd, "id,phon\nyp-1,07700 900123\n", tmpdir_path)
    assert rc == 1 and 'unknown column "phon"' in err
    assert replyd.api("GET", "/v1/contacts/yp-1")[0] == 404
