"""The configuration's documentation cannot drift from the code (issue 16):
the keys replyd reads, the keys replyd.json(5) lists and the keys the
example configuration shows are one set.

What replyd reads comes from the reader itself: build/tools/config-keys
loads a file and prints the path of every key conf/, the calendars and the
plugins look up (SPEC §14), on the example configuration with every
plugin enabled.  A key added to a section the example has (or to a
plugin) is listed at once; a key of a section the example lacks is caught
by the source scan below, which finds every literal key name the readers
ask for.  So a key added anywhere fails `make test` until it is in both
documents, and a key documented but no longer read fails too."""

import glob
import json
import os
import re
import shutil
import subprocess

import pytest

from harness import BUILD, FEED, ROOT

EXAMPLE = os.path.join(ROOT, "config", "replyd.json")
MANPAGE = os.path.join(ROOT, "docs", "man", "replyd.json.5")
DAYS = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
# Literal keys the readers ask for that are not configuration keys: the
# gov.uk feed's own structure, read by the calendar.
NOT_CONFIG = {("daemon/rules/calendar.c", "events"), ("daemon/rules/calendar.c", "date"),
              ("daemon/rules/calendar.c", "title")}
# Names in the example's comments that are not keys: an example notifier.
EXAMPLE_NAMES = {"duty-channel"}


def strip_comments(text):
    """JSON with comments to JSON (strings kept whole)."""
    out, i, n = [], 0, len(text)
    while i < n:
        if text[i] == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def comments(text):
    """The text of the example's comments."""
    code = strip_comments(text)
    # What strip_comments removed is what is left of text beside code:
    # take every // and /* */ part directly instead.
    parts, i, n = [], 0, len(text)
    while i < n:
        if text[i] == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j == -1 else j
            parts.append(text[i:j])
            i = j
        elif text.startswith("/*", i):
            j = text.index("*/", i) + 2
            parts.append(text[i:j])
            i = j
        else:
            i += 1
    assert code
    return "\n".join(parts)


def canonical(path):
    """A path with the names a file chooses as "*" and weekdays as DAY."""
    out = []
    for part in re.split(r"\.(?![^\[]*\])", path):
        base, arr = (part[:-2], "[]") if part.endswith("[]") else (part, "")
        if base in DAYS or base == "DAY":
            base = "DAY"
        elif base == "*" or (base.isupper() and base.isalpha()):
            base = "*"
        out.append(base + arr)
    return ".".join(out)


def plugins():
    return sorted(p for p in os.listdir(os.path.join(ROOT, "plugins"))
                  if p != "shared" and os.path.isdir(os.path.join(ROOT, "plugins", p)))


def config_keys(path):
    out = subprocess.run([os.path.join(BUILD, "tools", "config-keys"), path],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def parts(path):
    return re.findall(r"[^.\[\]]+(?:\[\])?", path)


def matches(path, pattern):
    """Whether a concrete path (canonical) fits a pattern's first parts."""
    a, b = parts(path), parts(pattern)
    return len(a) <= len(b) and all(y == x or y.startswith("*") and
                                    x.endswith("[]") == y.endswith("[]")
                                    for x, y in zip(a, b))


def live_paths(value, prefix=""):
    """Every key path present in a parsed configuration."""
    paths = []
    if isinstance(value, dict):
        for k, v in value.items():
            p = prefix + "." + k if prefix else k
            paths.append(p)
            paths += live_paths(v, p)
    elif isinstance(value, list):
        for v in value:
            paths += live_paths(v, prefix + "[]")
    return paths


@pytest.fixture(scope="module")
def read_keys(tmp_path_factory):
    """The canonical paths replyd reads: the example, every channel plugin
    under "channels" and the notifier plugin under "notifiers", each
    section filled with what its plugin asks for until it asks for
    nothing more (a plugin stops at a missing required key)."""
    tmp = str(tmp_path_factory.mktemp("config-keys"))
    cfg = json.loads(strip_comments(open(EXAMPLE).read()))
    for cal in cfg["calendars"].values():
        if "bank_holidays" in cal:
            cal["bank_holidays"]["file"] = FEED
            # The fetched feed is commented out in the example.
            cal["bank_holidays"]["url"] = "https://www.gov.uk/bank-holidays.json"
            cal["bank_holidays"]["refresh"] = "1d"
    cfg["plugin_dir"] = os.path.join(BUILD, "plugins")
    # OpenID Connect is commented out in the example: read its keys too.
    cfg.setdefault("auth", {})["oidc"] = {
        "issuer": "https://login.microsoftonline.com/tenant/v2.0",
        "client_id": "replyd", "client_secret": "x", "tenant": "tenant",
        "claim": "email"}
    notifier = [p for p in plugins() if p == "webhook"]
    cfg["channels"] = {p: {} for p in plugins() if p not in notifier}
    cfg["notifiers"] = {"NAME": {"plugin": p} for p in notifier}
    path = os.path.join(tmp, "every-plugin.json")
    for _ in range(8):
        json.dump(cfg, open(path, "w"), indent=2)
        keys = config_keys(path)
        grew = False
        for k in keys:
            parts = k.split(".")
            if len(parts) == 3 and parts[0] == "channels" and parts[1] in cfg["channels"]:
                section = cfg["channels"][parts[1]]
            elif len(parts) == 3 and parts[0] == "notifiers" and parts[1] == "*":
                section = cfg["notifiers"]["NAME"]
            else:
                continue
            if parts[2] not in section:
                section[parts[2]] = "x"
                grew = True
        if not grew:
            break
    return {canonical(k) for k in keys}


def man_keys():
    """The key entries of replyd.json(5): .TP then .B PATH or .BI PARTS."""
    lines = open(MANPAGE).read().splitlines()
    keys = {}
    for i, line in enumerate(lines[:-1]):
        nxt = lines[i + 1]
        if line != ".TP" or not re.match(r"\.BI? ", nxt):
            continue
        words = re.findall(r'"[^"]*"|\S+', nxt)[1:]
        path = "".join(w.strip('"') for w in words)
        if not re.fullmatch(r"[a-z_]+(\.[A-Za-z_]+(\[\])?)*", path):
            continue
        body = []
        for l in lines[i + 2:]:
            if l.startswith((".TP", ".SH", ".SS")):
                break
            body.append(l)
        keys[canonical(path)] = (i + 2, "\n".join(body))
    return keys


def source_keys():
    """Every literal key name the configuration readers ask for, with where."""
    found = {}
    patterns = [re.compile(r'\bjv_get\(\s*[^,;()]+,\s*"([^"]+)"\s*\)'),
                re.compile(r'\bconfig_[a-z_]+\(\s*[^,;()]+,\s*"([^"]+)"')]
    plugin_pattern = re.compile(r'->config_[a-z_]+\(\s*\w+,\s*"([^"]+)"')
    files = glob.glob(os.path.join(ROOT, "daemon", "*", "*.c"))
    files += glob.glob(os.path.join(ROOT, "plugins", "*", "*.c"))
    for f in sorted(files):
        rel = os.path.relpath(f, ROOT)
        text = open(f).read()
        pats = patterns + ([plugin_pattern] if rel.startswith("plugins/") else [])
        for p in pats:
            for m in p.finditer(text):
                name = m.group(1)
                if (rel, name) in NOT_CONFIG:
                    continue
                line = text[:m.start()].count("\n") + 1
                found.setdefault(name, "%s:%d" % (rel, line))
    return found


def test_the_man_page_lists_exactly_the_keys_replyd_reads(read_keys):
    documented = set(man_keys())
    missing = sorted(read_keys - documented)
    unread = sorted(documented - read_keys)
    assert not missing, "read by replyd but not in docs/man/replyd.json.5: %s" % missing
    assert not unread, "in docs/man/replyd.json.5 but read by no code: %s" % unread


def test_every_key_in_the_man_page_gives_its_default():
    for path, (line, body) in man_keys().items():
        assert "Default" in body or "No default" in body, \
            "docs/man/replyd.json.5:%d: %s says nothing of its default" % (line, path)


def test_the_example_shows_every_key_replyd_reads(read_keys):
    text = open(EXAMPLE).read()
    live = {canonical(p) for p in live_paths(json.loads(strip_comments(text)))}
    named = set(re.findall(r'"([A-Za-z_][A-Za-z0-9_-]*)"\s*:', comments(text)))

    def shown(key):
        if any(matches(p, key) and len(parts(p)) == len(parts(key)) for p in live):
            return True
        leaf = re.sub(r"\[\]$", "", key.split(".")[-1])
        return leaf in named or (leaf == "DAY" and named & DAYS)

    missing = sorted(k for k in read_keys if not shown(k))
    assert not missing, "read by replyd but not shown in config/replyd.json: %s" % missing


def test_the_example_shows_no_key_replyd_does_not_read(read_keys):
    text = open(EXAMPLE).read()
    live = {canonical(p) for p in live_paths(json.loads(strip_comments(text)))}
    # A live path is read when it is (the start of) a path replyd reads,
    # or lies under a key whose value is data (special_hours' dates).
    leaves = {k for k in read_keys if not any(o.startswith(k + ".") or o.startswith(k + "[")
                                              for o in read_keys)}

    def read(p):
        ps = parts(p)
        return any(matches(p, k) for k in read_keys) or any(
            matches(".".join(ps[:i]), k) and len(parts(k)) == i
            for i in range(1, len(ps)) for k in leaves)

    unread = sorted(p for p in live if not read(p))
    assert not unread, "in config/replyd.json but read by no code: %s" % unread
    words = {w for k in read_keys for w in re.split(r"[.\[\]]+", k) if w}
    named = set(re.findall(r'"([A-Za-z_][A-Za-z0-9_-]*)"\s*:', comments(text)))
    stray = sorted(named - words - set(plugins()) - DAYS - EXAMPLE_NAMES)
    assert not stray, "config/replyd.json's comments show keys nothing reads: %s" % stray


def test_every_key_name_in_the_source_is_in_the_man_page():
    documented = {w for k in man_keys() for w in re.split(r"[.\[\]]+", k) if w}
    missing = {name: where for name, where in source_keys().items()
               if name not in documented}
    assert not missing, "keys the code reads that docs/man/replyd.json.5 lacks: %s" % \
        ", ".join("%s (%s)" % (n, w) for n, w in sorted(missing.items()))


@pytest.mark.skipif(shutil.which("groff") is None, reason="groff is not installed")
@pytest.mark.parametrize("page", ["replyd.8", "replyctl.1", "replyd.json.5"])
def test_the_man_pages_render_without_warnings(page):
    out = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z",
                          os.path.join(ROOT, "docs", "man", page)],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and out.stderr == "", out.stderr
