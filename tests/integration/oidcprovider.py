"""A real OpenID Connect provider for the sign-in tests: the `oidc-provider`
npm package (pinned in tests/package.json and package-lock.json) run by
tests/oidc/provider.js, and a browser's part of the authorization-code flow
(cookies, redirects, the provider's development login form), written with
the standard library."""

import fcntl
import http.cookiejar
import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request

from harness import ROOT, wait_for

TESTS = os.path.join(ROOT, "tests")
PUBLIC = "https://replyd.test"
CLIENT_ID = "replyd-tests"
CLIENT_SECRET = "oidc-client-secret-for-tests-0123"
TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"


def npm_ci():
    """npm ci --prefix tests, unless node_modules already matches the lock
    file (npm ci writes node_modules/.package-lock.json)."""
    lock = os.path.join(TESTS, "package-lock.json")
    done = os.path.join(TESTS, "node_modules", ".package-lock.json")
    with open(os.path.join(TESTS, ".npm-ci.lock"), "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if os.path.exists(done) and os.path.getmtime(done) >= os.path.getmtime(lock):
            return
        subprocess.run(["npm", "ci", "--prefix", TESTS, "--no-audit", "--no-fund",
                        "--loglevel=error"], check=True, timeout=600)


class Provider:
    """tests/oidc/provider.js on a free loopback port."""

    def __init__(self, tmpdir, redirect=PUBLIC + "/auth/oidc/callback"):
        self.log = open(os.path.join(tmpdir, "oidc-provider.log"), "ab")
        self.proc = subprocess.Popen(
            ["node", os.path.join(TESTS, "oidc", "provider.js"), "--redirect", redirect,
             "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET, "--tenant", TENANT],
            stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError("tests/oidc/provider.js did not start")
        info = json.loads(line)
        self.port = info["port"]
        self.issuer = info["issuer"]
        wait_for(self.serving, timeout=30, what="the OpenID provider's discovery document")

    def serving(self):
        try:
            with urllib.request.urlopen(self.issuer + "/.well-known/openid-configuration",
                                        timeout=5) as r:
                return r.status == 200
        except OSError:
            return False

    def control(self, path, body=None):
        req = urllib.request.Request(self.issuer + "/__test/" + path,
                                     data=json.dumps(body or {}).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def account(self, id, **claims):
        """Change an account's claims (email, oid, ...)."""
        return self.control("account", dict(id=id, **claims))

    def tamper(self, mode):
        """Spoil the next ID token: signature, audience, issuer, nonce,
        expired or tenant."""
        self.control("tamper", {"mode": mode})

    def rotate(self):
        """A new signing key, published first; the old one stays."""
        return self.control("rotate")["kids"]

    def reset(self):
        """Back to the state it started in (one process serves a module's
        tests: starting node costs more than a test)."""
        self.control("reset")

    def stats(self):
        with urllib.request.urlopen(self.issuer + "/__test/stats", timeout=10) as r:
            return json.loads(r.read())

    def config(self, **extra):
        cfg = {"issuer": self.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
               "tenant": TENANT}
        cfg.update(extra)
        return cfg

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """What a browser does in a sign-in: keeps the provider's cookies (a
    real cookie jar) and replyd's (by name, since replyd is reached on
    loopback while its cookies are for public_url), follows redirects."""

    def __init__(self, replyd):
        self.replyd = replyd
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)
        self.cookies = {}

    def keep(self, headers):
        for line in headers.get_all("Set-Cookie") if hasattr(headers, "get_all") else \
                [v for k, v in headers if k.lower() == "set-cookie"]:
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Max-Age=0" not in line:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)

    def cookie_header(self):
        return "; ".join("%s=%s" % kv for kv in self.cookies.items())

    def replyd_get(self, path):
        """GET on replyd with our cookies; (status, headers, body)."""
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", self.replyd.port, timeout=30)
        try:
            conn.request("GET", path, headers={"Cookie": self.cookie_header()})
            resp = conn.getresponse()
            body = resp.read()
            self.keep(resp.getheaders())
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, body
        finally:
            conn.close()

    def provider(self, url, data=None):
        """One request to the provider; (status, location, body)."""
        req = urllib.request.Request(url, data=data)
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, None, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Location"), e.read()

    def sign_in(self, account, return_to="/"):
        """Sign in at the provider as account; returns replyd's answer to
        the callback: (status, headers, body)."""
        status, headers, body = self.replyd_get("/auth/oidc?return=" +
                                                urllib.parse.quote(return_to, safe=""))
        assert status == 303, (status, body, self.replyd.logtext()[-2000:])
        url = headers["location"]
        for _ in range(10):
            status, location, body = self.provider(url)
            if status == 200 and b"name=\"login\"" in body:
                # The development login form: any account name signs in.
                status, location, body = self.provider(url, urllib.parse.urlencode(
                    {"prompt": "login", "login": account, "password": "any"}).encode())
            assert status in (302, 303), (status, body[:500])
            url = urllib.parse.urljoin(url, location)
            if url.startswith(PUBLIC):
                break
        assert url.startswith(PUBLIC + "/auth/oidc/callback"), url
        self.callback = url[len(PUBLIC):]
        self.callback_cookies = dict(self.cookies)
        return self.replyd_get(self.callback)

    def session(self):
        return next((v for k, v in self.cookies.items() if k.endswith("replyd-session")), None)
