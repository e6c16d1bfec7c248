"""The Debian package and `make install` (issue 16): what each puts where,
that they install the same files, that the package's replyd checks the
package's configuration in a root it was installed into, and that the
installed unit refuses the example's placeholders.

`make test` builds the package first (`make deb`, with lintian, which
must report no error) and runs these tests once, in the suite of the
package's own build tree (they are marked "package": tools/run-tests);
run alone, they use the .deb of the last `make deb` and are skipped
without one."""

import fcntl
import glob
import os
import shutil
import stat
import subprocess

import pytest

from harness import BUILD, ROOT, tempdir, rmtree

pytestmark = pytest.mark.package

DEB_DIR = os.path.join(ROOT, "build", "deb")
PLACES = ["PREFIX=/usr", "SBINDIR=/usr/sbin", "SYSCONFDIR=/etc"]

# The layout the issue asks for (plugins are added from plugins/).
EXPECTED = {
    "etc/replyd/replyd.json",
    "etc/replyd/calendars",
    "lib/systemd/system/replyd.service",
    "usr/bin/replyctl",
    "usr/sbin/replyd",
    "usr/lib/sysusers.d/replyd.conf",
    "usr/share/bash-completion/completions/replyctl",
    "usr/share/doc/replyd/README.md",
    "usr/share/man/man1/replyctl.1",
    "usr/share/man/man5/replyd.json.5",
    "usr/share/man/man8/replyd.8",
    "usr/share/replyd/calendars/uk-bank-holidays.json",
    "usr/share/replyd/redis.conf.example",
    "usr/share/replyd/first-steps-to-due.lua",
    "usr/share/replyd/texts-to-ids.lua",
    "usr/share/replyd/replyd.json.example",
}
# What debhelper adds to a package beside what `make install` installs.
DEBIAN_ONLY = {"usr/share/doc/replyd/changelog", "usr/share/doc/replyd/copyright",
               "usr/share/lintian/overrides/replyd"}


def asset_files():
    """The staff pages' assets: the compiled CSS, GOV.UK Frontend's script
    and assets/ but the Sass source."""
    names = ["replyd.css", "govuk-frontend.min.js"] + [
        n for n in os.listdir(os.path.join(ROOT, "assets")) if not n.endswith(".scss")]
    return {"usr/share/replyd/assets/" + n for n in names}


def plugin_files():
    return {"usr/lib/replyd/plugins/%s.so" % p for p in os.listdir(os.path.join(ROOT, "plugins"))
            if p != "shared" and os.path.isdir(os.path.join(ROOT, "plugins", p))}


def files_under(root):
    """Every file and link under root, relative, without directories."""
    out = set()
    for d, dirs, names in os.walk(root):
        for n in names + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
            out.add(os.path.relpath(os.path.join(d, n), root))
    return out


def normalise(paths):
    """dh_compress's .gz off man pages and docs; debhelper's own docs out."""
    out = set()
    for p in paths:
        if p.startswith(("usr/share/man/", "usr/share/doc/")) and p.endswith(".gz"):
            p = p[:-3]
        if p not in DEBIAN_ONLY:
            out.add(p)
    return out


PKG_TREE = os.path.join(DEB_DIR, "replyd")


def make_install(root):
    """make install of the package's tree into root.  Several workers can
    run these tests at once: one make at a time in that tree."""
    with open(os.path.join(DEB_DIR, "install.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return subprocess.run(["make", "--no-print-directory", "-C", PKG_TREE, "install",
                               "DESTDIR=" + root] + PLACES,
                              capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def installed():
    """`make install DESTDIR=... PREFIX=/usr` of the tree the package was
    built from (built for /usr, so the installed replyd finds its plugins
    where make install put them)."""
    if not os.path.isdir(os.path.join(PKG_TREE, "build")):
        pytest.skip("no package build tree: run make deb")
    root = tempdir()
    out = make_install(root)
    assert out.returncode == 0, out.stdout + out.stderr
    yield root
    rmtree(root)


def the_deb():
    debs = [d for d in glob.glob(os.path.join(DEB_DIR, "replyd_*.deb"))]
    if not debs:
        pytest.skip("no package: run `make deb` (make test does)")
    return max(debs, key=os.path.getmtime)


def deb_files(deb):
    out = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], capture_output=True, check=True)
    names = subprocess.run(["tar", "-t"], input=out.stdout, capture_output=True, check=True)
    return {n[2:].rstrip("/") for n in names.stdout.decode().split("\n")
            if n and not n.endswith("/")}


HOST_STATE = ["/etc/passwd", "/etc/group", "/var/lib/dpkg/statoverride"]


def host_state():
    return {f: open(f, "rb").read() if os.path.exists(f) else None for f in HOST_STATE}


@pytest.fixture(scope="module")
def deb_root():
    """The package installed into a fresh root with dpkg --root.  The root
    has no shell, so the maintainer scripts run outside it with DPKG_ROOT
    set (--force-script-chrootless), as they are written to: nothing
    outside the root may change."""
    deb = the_deb()
    root = tempdir()
    for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "etc"):
        os.makedirs(os.path.join(root, d))
    for f in ("var/lib/dpkg/status", "var/lib/dpkg/available"):
        open(os.path.join(root, f), "w").close()
    before = host_state()
    out = subprocess.run(["dpkg", "--root=" + root, "--log=/dev/null", "--force-depends",
                          "--force-script-chrootless", "--install", deb],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert host_state() == before, "installing into a root changed this system"
    yield root, out.stdout + out.stderr
    rmtree(root)


def in_root(root, *argv):
    """Run argv chrooted into root, with this machine's shared libraries
    and time zones mounted in, in a mount namespace of its own, so that
    the root's absolute paths (/usr/share/replyd, /usr/lib/replyd/plugins)
    are the installed ones."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to chroot")
    # A copy, so that the mount points made in it leave root as it was.
    copy = tempdir()
    shutil.copytree(root, os.path.join(copy, "r"), symlinks=True)
    root = os.path.join(copy, "r")
    binds = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64", "usr/share/zoneinfo"]
    script = ["set -e"]
    for b in binds:
        if os.path.isdir("/" + b):
            script.append('mkdir -p "$R/%s" && mount --bind "/%s" "$R/%s"' % (b, b, b))
    script.append('touch "$R/etc/ld.so.cache" && mount --bind /etc/ld.so.cache "$R/etc/ld.so.cache"')
    # /proc: the sanitizer build's leak checker reads it.
    script.append('mkdir -p "$R/proc" && mount -t proc proc "$R/proc"')
    script.append('exec chroot "$R" "$@"')
    out = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                          "\n".join(script), "sh"] + list(argv),
                         capture_output=True, text=True, timeout=60, env=dict(os.environ, R=root))
    rmtree(copy)
    if "unshare failed" in out.stderr or "Operation not permitted" in out.stderr:
        pytest.skip("cannot make a mount namespace here: " + out.stderr.strip())
    return out.returncode, out.stdout, out.stderr


# make install


def test_make_install_puts_every_file_where_the_package_does(installed):
    assert files_under(installed) == EXPECTED | plugin_files() | asset_files()


def test_make_install_keeps_the_configuration_private_and_points_it_at_the_system_redis(installed):
    conf = os.path.join(installed, "etc", "replyd", "replyd.json")
    assert stat.S_IMODE(os.stat(conf).st_mode) == 0o640
    text = open(conf).read()
    assert '"url": "redis://127.0.0.1:6379/0"' in text
    assert os.readlink(os.path.join(installed, "etc", "replyd", "calendars")) == \
        "/usr/share/replyd/calendars"
    unit = open(os.path.join(installed, "lib", "systemd", "system", "replyd.service")).read()
    assert "ExecStartPre=/usr/sbin/replyd -c /etc/replyd/replyd.json -n -p\n" in unit
    assert "ExecStart=/usr/sbin/replyd -c /etc/replyd/replyd.json\n" in unit
    assert "/usr/local" not in unit
    assert "User=replyd\nGroup=replyd\n" in unit


def test_make_install_keeps_an_existing_configuration(installed):
    out = make_install(installed)
    assert out.returncode == 0 and "kept %s/etc/replyd/replyd.json" % installed in out.stdout


def test_the_installed_replyd_checks_the_installed_configuration(installed):
    rc, out, err = in_root(installed, "/usr/sbin/replyd", "-c", "/etc/replyd/replyd.json", "-n")
    assert (rc, out) == (0, "configuration OK\n"), err
    assert "placeholder" in err


def test_the_sysusers_file_makes_the_replyd_user_and_group(installed):
    if shutil.which("systemd-sysusers") is None:
        pytest.skip("systemd-sysusers is not installed")
    root = tempdir()
    os.makedirs(os.path.join(root, "etc"))
    out = subprocess.run(["systemd-sysusers", "--root=" + root,
                          os.path.join(installed, "usr/lib/sysusers.d/replyd.conf")],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    passwd = open(os.path.join(root, "etc", "passwd")).read()
    group = open(os.path.join(root, "etc", "group")).read()
    rmtree(root)
    [user] = [l for l in passwd.splitlines() if l.startswith("replyd:")]
    assert user.endswith(":/:/usr/sbin/nologin") and int(user.split(":")[2]) < 1000
    assert any(l.startswith("replyd:") for l in group.splitlines())


def test_bash_completion_completes_commands_and_options(installed):
    lib = "/usr/share/bash-completion/bash_completion"
    if not os.path.exists(lib):
        pytest.skip("bash-completion is not installed")
    comp = os.path.join(installed, "usr/share/bash-completion/completions/replyctl")

    def complete(*words):
        script = ('source %s; source %s; COMP_WORDS=(%s); COMP_CWORD=%d; '
                  'COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; _replyctl; '
                  'echo "${COMPREPLY[*]}"' % (lib, comp, " ".join("'%s'" % w for w in words),
                                              len(words) - 1))
        return subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                              timeout=30).stdout.split()

    assert complete("replyctl", "con") == ["conversations", "contacts"]
    assert complete("replyctl", "duty", "") == ["show", "set", "clear"]
    assert "--mine" in complete("replyctl", "conversations", "--")
    assert complete("replyctl", "conversations", "--format", "") == ["table", "csv", "json"]
    assert complete("replyctl", "responded", "1-1", "--how", "") == ["phone", "in-person", "other"]
    assert complete("replyctl", "closures", "") == ["add", "remove", "list"]
    assert complete("replyctl", "closures", "add", "office", "2026-12-02", "--r") == ["--reason"]


# the package


def test_the_package_holds_exactly_what_make_install_installs(installed):
    assert normalise(deb_files(the_deb())) == files_under(installed)


def test_the_package_depends_on_its_libraries_and_recommends_redis():
    deb = the_deb()
    field = lambda f: subprocess.run(["dpkg-deb", "-f", deb, f], capture_output=True,
                                     text=True, check=True).stdout.strip()
    depends = field("Depends")
    for lib in ("libevent-2.1-7", "libhiredis0.14", "libcurl4", "libcjson1", "libssl3"):
        assert lib in depends, depends
    assert field("Recommends") == "redis-server"


def test_the_package_installs_into_a_fresh_root_starting_nothing(deb_root):
    root, output = deb_root
    status = subprocess.run(["dpkg", "--root=" + root, "-s", "replyd"],
                            capture_output=True, text=True, check=True).stdout
    assert "Status: install ok installed" in status
    assert "Conffiles:\n /etc/replyd/replyd.json " in status
    # The system user of sysusers.d, and the configuration in its group.
    [group] = [l for l in open(os.path.join(root, "etc", "group")).read().splitlines()
               if l.startswith("replyd:")]
    conf = os.stat(os.path.join(root, "etc", "replyd", "replyd.json"))
    assert stat.S_IMODE(conf.st_mode) == 0o640 and conf.st_uid == 0
    assert conf.st_gid == int(group.split(":")[2])
    # Nothing enabled or started; the administrator is told what to do.
    wants = os.path.join(root, "etc", "systemd", "system", "multi-user.target.wants")
    assert not os.path.lexists(os.path.join(wants, "replyd.service"))
    assert "installed but not started" in output and "systemctl enable --now replyd" in output
    postinst = open(os.path.join(root, "var", "lib", "dpkg", "info", "replyd.postinst")).read()
    assert "deb-systemd-invoke" not in postinst


def test_purging_the_package_removes_its_override(deb_root):
    root, _ = deb_root
    copy = tempdir()
    shutil.copytree(root, os.path.join(copy, "r"), symlinks=True)
    r = os.path.join(copy, "r")
    out = subprocess.run(["dpkg", "--root=" + r, "--log=/dev/null", "--force-script-chrootless",
                          "--purge", "replyd"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not os.path.exists(os.path.join(r, "etc", "replyd", "replyd.json"))
    overrides = os.path.join(r, "var", "lib", "dpkg", "statoverride")
    assert not os.path.exists(overrides) or "replyd.json" not in open(overrides).read()
    rmtree(copy)


def test_the_packages_replyd_checks_the_packages_configuration(deb_root):
    rc, out, err = in_root(deb_root[0], "/usr/sbin/replyd", "-c", "/etc/replyd/replyd.json", "-n")
    assert (rc, out) == (0, "configuration OK\n"), err
    assert "api.tokens.dev-token-change-me-0123456789: the key is a placeholder" in err


def test_the_packages_unit_refuses_the_example_naming_each_placeholder(deb_root):
    root = deb_root[0]
    unit = open(os.path.join(root, "lib/systemd/system/replyd.service")).read()
    [pre] = [l for l in unit.splitlines() if l.startswith("ExecStartPre=")]
    rc, out, err = in_root(root, *pre.split("=", 1)[1].split())
    assert rc == 1
    assert "api.tokens.dev-token-change-me-0123456789" in err and "receipt.out_of_hours" in err
    assert "replace every CHANGE-ME placeholder before starting replyd" in err


def test_the_packages_replyd_loads_its_plugins_from_usr_lib(deb_root):
    root = deb_root[0]
    conf = os.path.join(root, "etc", "replyd", "with-twilio.json")
    text = open(os.path.join(root, "etc", "replyd", "replyd.json")).read()
    text = text.replace('"channels": {', '"channels": { "twilio": {"auth_token": "t0ken"},', 1)
    open(conf, "w").write(text)
    rc, out, err = in_root(root, "/usr/sbin/replyd", "-c", "/etc/replyd/with-twilio.json", "-n")
    assert (rc, out) == (0, "configuration OK\n"), err
    assert "no channel can receive" not in err
