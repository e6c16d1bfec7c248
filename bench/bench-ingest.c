/*
 * bench-ingest.c: the ingest benchmark of SPEC §13.
 *
 * Starts its own redis-server with the durability settings replyd ships
 * (appendonly yes, appendfsync always, no snapshots, noeviction), the
 * baseline (build/bench/baseline-store, bench/baseline-store.c: a minimal
 * libevent evhttp + hiredis server, one MULTI with HSET + ZADD per body,
 * answered after EXEC) and replyd, then drives both
 * with the same stream of signed Twilio webhooks from a libevent load
 * generator in this process: closed-loop maximum throughput for each,
 * then an open loop at half of replyd's maximum for each.  Afterwards it
 * counts what reached Redis.
 *
 * It prints figures and never judges them: the exit status is 0 unless
 * something could not run at all (Redis, the baseline or replyd would
 * not start, or replyd died).  Every child is killed and the temporary
 * directory removed on the way out, also on failure.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

#include "twilio-signature.h"

#define TWILIO_TOKEN	"bench-token"
#define PUBLIC_URL	"https://bench.test"
#define WEBHOOK_PATH	"/webhooks/twilio"
#define API_TOKEN	"bench-api-token-0123456789"
#define FEED		"config/calendars/uk-bank-holidays.json"

#define NSEC		1000000000ULL
#define MAX_ROUNDS	20

struct options {
	double		 seconds;	/* each measured phase */
	double		 warmup;	/* each warm-up phase */
	int		 connections;	/* closed loop */
	int		 open_connections;
	int		 senders;	/* distinct From numbers */
	double		 timeout;	/* per request, seconds */
	int		 rounds;	/* baseline max + replyd max pairs */
	int		 auto_rewrite;	/* leave Redis's automatic AOF rewrite on */
	const char	*replyd;
	int		 keep;		/* keep the temporary directory */
};

/* The children this process started, stopped in reverse order. */
enum { CHILD_REDIS, CHILD_BASELINE, CHILD_REPLYD, CHILD_MAX };
static const char *const bench_child_names[CHILD_MAX] = {
	"redis-server", "baseline", "replyd"
};
static pid_t	 bench_children[CHILD_MAX] = { -1, -1, -1 };
static pid_t	 bench_owner;
static char	 bench_dir[PATH_MAX / 2];	/* room for file names */
static int	 bench_keep;

/* The request bytes of one phase, signed and framed before it starts. */
struct pool {
	char		*buf;
	size_t		*off;		/* request i is buf[off[i]..off[i+1]) */
	size_t		 n;
};
static uint64_t	 pool_seq;		/* message number over the whole run */
static char	 pool_run[9];		/* run id, so MessageSids are fresh */

struct phase {
	const char	*name;
	int		 open_loop;
	double		 offered;	/* open loop: requests per second */
	int		 connections;
	double		 window;	/* seconds measured */
	double		 rate;		/* 200s completed in the window / s */
	size_t		 sent, ok, ok_window, errors, timeouts, io_errors;
	size_t		 status[600];
	int		 exhausted;
	int		 fatal;
	/* Milliseconds; open loop: from the scheduled send time. */
	double		 p50, p90, p99, p999, max;
	/* Open loop only: from the moment the request was written. */
	double		 s50, s99;
	double		 cpu_server, cpu_redis, cpu_gen;	/* seconds */
	double		 cpu_other;	/* everything else on the machine */
	double		 elapsed;	/* window plus drain, for cpu */
	long long	 forks;		/* Redis forks (AOF rewrites) */
	long long	 aof_bytes;	/* AOF growth, if no rewrite */
};

struct gen;

struct gen_conn {
	struct gen	*g;
	int		 fd;
	struct event	*rev, *wev;
	long		 req;		/* outstanding request, or -1 */
	size_t		 woff;
	uint64_t	 t_send;
	char		*rbuf;
	size_t		 rlen, rcap;
};

struct gen {
	struct event_base *base;
	const struct pool *pool;
	int		 port;
	struct gen_conn	*conns;
	int		 nconns;
	int		 open_loop;
	double		 rate;
	uint64_t	 t0, t_end, timeout_ns;
	size_t		 next;
	int		 stopping;
	int		 outstanding;
	int		*idle;
	int		 nidle;
	uint64_t	*lat, *lat_send;
	size_t		 nlat;
	struct phase	*res;
	struct event	*tick, *end, *watch, *drain;
};

static void	gen_next(struct gen_conn *, uint64_t);
static void	gen_conn_fail(struct gen_conn *);

/* Monotonic clock in nanoseconds. */
static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/* Sleep for ms milliseconds (the harness only, never inside a phase). */
static void
bench_sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
bench_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A message for the person running the benchmark, on stderr. */
static void
bench_warnx(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fputs("bench-ingest: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* nftw callback: remove one entry of the temporary directory. */
static int
bench_rm_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Stop one child: SIGTERM, up to 10 s, then SIGKILL. */
static void
bench_stop_child(int which)
{
	pid_t	pid = bench_children[which];
	int	i, status;

	if (pid <= 0)
		return;
	bench_children[which] = -1;
	if (kill(pid, SIGTERM) == -1)
		goto reap;
	for (i = 0; i < 200; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return;
		bench_sleep_ms(50);
	}
	bench_warnx("%s (pid %d) ignored SIGTERM for 10 s; killing it",
	    bench_child_names[which], (int)pid);
	kill(pid, SIGKILL);
reap:
	waitpid(pid, &status, 0);
}

/* Kill every child and remove the temporary directory (atexit). */
static void
bench_cleanup(void)
{
	int	i;

	if (getpid() != bench_owner)
		return;
	for (i = CHILD_MAX - 1; i >= 0; i--)
		bench_stop_child(i);
	if (bench_dir[0] != '\0' && !bench_keep)
		nftw(bench_dir, bench_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	else if (bench_dir[0] != '\0')
		bench_warnx("kept %s", bench_dir);
	bench_dir[0] = '\0';
}

/*
 * Interrupted: clean up and go.  Not strictly async-signal-safe (nftw),
 * but the process is about to exit and leaving servers behind is worse.
 */
static void
bench_on_signal(int sig)
{
	signal(sig, SIG_DFL);
	bench_cleanup();
	_exit(128 + sig);
}

/* In a freshly forked child: die with the parent, default signals. */
static void
bench_child_setup(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != bench_owner)
		_exit(1);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
}

/* Start argv with stdout and stderr appended to logpath. */
static pid_t
bench_spawn(char *const argv[], const char *logpath)
{
	pid_t	pid;
	int	fd;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		bench_warnx("fork: %s", strerror(errno));
		return -1;
	}
	if (pid != 0)
		return pid;
	bench_child_setup();
	if ((fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Whether a child is still running; says how it ended if not. */
static int
bench_alive(int which)
{
	pid_t	pid = bench_children[which];
	int	status;

	if (pid <= 0)
		return 0;
	if (waitpid(pid, &status, WNOHANG) != pid)
		return 1;
	bench_children[which] = -1;
	if (WIFSIGNALED(status))
		bench_warnx("%s (pid %d) was killed by signal %d",
		    bench_child_names[which], (int)pid, WTERMSIG(status));
	else
		bench_warnx("%s (pid %d) exited with status %d",
		    bench_child_names[which], (int)pid, WEXITSTATUS(status));
	return 0;
}

/* A loopback TCP port nothing listens on right now. */
static int
bench_free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* A blocking loopback connection (the harness's, or one to set up). */
static int
bench_connect(int port)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

/* GET path on the loopback port: the status code, or -1. */
static int
bench_http_status(int port, const char *path)
{
	struct timeval	 tv = { 2, 0 };
	char		 buf[256];
	ssize_t		 n;
	size_t		 got = 0;
	int		 fd, code = -1;

	if ((fd = bench_connect(port)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	dprintf(fd, "GET %s HTTP/1.1\r\nHost: bench.test\r\n"
	    "Connection: close\r\n\r\n", path);
	while (got < sizeof buf - 1 &&
	    (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	if (strncmp(buf, "HTTP/1.", 7) == 0 && got >= 12)
		code = atoi(buf + 9);
	return code;
}

/* A synchronous connection to the bench Redis (harness only). */
static redisContext *
bench_redis(int port)
{
	struct timeval	 tv = { 2, 0 };
	redisContext	*c;

	c = redisConnectWithTimeout("127.0.0.1", port, tv);
	if (c != NULL && c->err) {
		redisFree(c);
		c = NULL;
	}
	return c;
}

/* Whether Redis answers PING. */
static int
bench_redis_ping(int port)
{
	redisContext	*c;
	redisReply	*r;
	int		 ok;

	if ((c = bench_redis(port)) == NULL)
		return 0;
	r = redisCommand(c, "PING");
	ok = r != NULL && r->type == REDIS_REPLY_STATUS &&
	    strcmp(r->str, "PONG") == 0;
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
	return ok;
}

/* One field of INFO (e.g. "redis_version"), or "" if absent. */
static void
bench_redis_info(int port, const char *field, char *out, size_t len)
{
	redisContext	*c;
	redisReply	*r;
	const char	*p, *e;
	size_t		 flen = strlen(field);

	out[0] = '\0';
	if ((c = bench_redis(port)) == NULL)
		return;
	r = redisCommand(c, "INFO");
	if (r != NULL && r->type == REDIS_REPLY_STRING) {
		for (p = r->str; p != NULL && *p != '\0'; p = e) {
			e = strchr(p, '\n');
			if (strncmp(p, field, flen) == 0 && p[flen] == ':') {
				p += flen + 1;
				snprintf(out, len, "%.*s", (int)(e != NULL ?
				    (size_t)(e - p) : strlen(p)), p);
				out[strcspn(out, "\r\n")] = '\0';
				break;
			}
			if (e != NULL)
				e++;
		}
	}
	if (r != NULL)
		freeReplyObject(r);
	redisFree(c);
}

/* A command whose answer only matters as success; -1 on failure. */
static int
bench_redis_do(int port, const char *cmd)
{
	redisContext	*c;
	redisReply	*r;
	int		 rc = -1;

	if ((c = bench_redis(port)) == NULL)
		return -1;
	if ((r = redisCommand(c, cmd)) != NULL) {
		rc = r->type == REDIS_REPLY_ERROR ? -1 : 0;
		freeReplyObject(r);
	}
	redisFree(c);
	return rc;
}

/* Count the keys of one database matching pattern with SCAN. */
static long long
bench_redis_count(int port, int db, const char *pattern)
{
	redisContext	*c;
	redisReply	*r;
	char		 cursor[32] = "0";
	long long	 n = 0;

	if ((c = bench_redis(port)) == NULL)
		return -1;
	r = redisCommand(c, "SELECT %d", db);
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		n = -1;
	if (r != NULL)
		freeReplyObject(r);
	while (n >= 0) {
		r = redisCommand(c, "SCAN %s MATCH %s COUNT 1000", cursor,
		    pattern);
		if (r == NULL || r->type != REDIS_REPLY_ARRAY ||
		    r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING) {
			n = -1;
		} else {
			snprintf(cursor, sizeof cursor, "%s",
			    r->element[0]->str);
			n += (long long)r->element[1]->elements;
		}
		if (r != NULL)
			freeReplyObject(r);
		if (strcmp(cursor, "0") == 0)
			break;
	}
	redisFree(c);
	return n;
}

/* CPU seconds (user + system, all threads) used so far by pid. */
static double
bench_cpu(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 ut, st;
	FILE			*f;
	size_t			 n;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Fields after the command name, which may hold spaces. */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* CPU seconds all processors have spent busy since boot (/proc/stat). */
static double
bench_cpu_all(void)
{
	unsigned long long	 v[8];
	FILE			*f;
	int			 n;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	    &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return 0;
	/* user nice system [idle iowait] irq softirq steal */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
	    (double)sysconf(_SC_CLK_TCK);
}

/* The file system type of path, by name where we know it. */
static const char *
bench_fs_type(const char *path)
{
	static char	 other[32];
	struct statfs	 sf;

	if (statfs(path, &sf) == -1)
		return "unknown";
	switch ((unsigned long)sf.f_type) {
	case 0xEF53UL:
		return "ext4";
	case 0x01021994UL:
		return "tmpfs (fsync is free)";
	case 0x58465342UL:
		return "xfs";
	case 0x9123683EUL:
		return "btrfs";
	case 0x794C7630UL:
		return "overlayfs";
	}
	snprintf(other, sizeof other, "fs type 0x%lx",
	    (unsigned long)sf.f_type);
	return other;
}

/* Print the last lines of a log file to stderr. */
static void
bench_log_tail(const char *path, int lines)
{
	char	 buf[16384];
	FILE	*f;
	long	 size;
	size_t	 n;
	char	*p;
	int	 seen = 0;

	if ((f = fopen(path, "r")) == NULL)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 :
	    0, SEEK_SET);
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (p = buf + n; p > buf; p--) {
		if (p[-1] == '\n' && p != buf + n && ++seen > lines)
			break;
	}
	fprintf(stderr, "---- last lines of %s\n%s", path, p);
	if (n > 0 && buf[n - 1] != '\n')
		fputc('\n', stderr);
	fprintf(stderr, "----\n");
}

/* ------------------------------------------------------------------ */
/* Twilio signatures: the twilio plugin's own code (twilio-signature.c),
 * so the benchmark signs exactly as replyd checks. */

/* Check the signer against the vectors in SPEC §5. */
static int
twilio_selftest(void)
{
	static const struct twilio_param p[] = {
		{ "To", 2, "+18005551212", 12 },
		{ "Caller", 6, "+14158675309", 12 },
		{ "From", 4, "+14158675309", 12 },
		{ "Digits", 6, "1234", 4 },
		{ "CallSid", 7, "CA1234567890ABCDE", 17 },
	};
	char	sig[TWILIO_SIGNATURE_SIZE];

	if (twilio_signature_compute("12345",
	    "https://mycompany.com/myapp.php?foo=1&bar=2", p, 5, sig,
	    sizeof sig) == -1 || strcmp(sig, "RSOYDt4T1cUTdK1PDd93/VVr8B8=") != 0)
		return -1;
	if (twilio_signature_compute("12345",
	    "https://mycompany.com:443/myapp.php?foo=1&bar=2", p, 5, sig,
	    sizeof sig) == -1 || strcmp(sig, "kvajT1Ptam85bY51eRf/AJRuM3w=") != 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Request pools.                                                      */

static void
pool_free(struct pool *p)
{
	free(p->buf);
	free(p->off);
	memset(p, 0, sizeof *p);
}

/* Build n signed webhook requests, each with a MessageSid never used. */
static int
pool_build(struct pool *p, size_t n, int senders)
{
	size_t		 cap = n * 460 + 1024, len = 0, i;
	char		 sid[40], from[24], text[40], nfrom[16], sig[64];
	char		 body[512];
	struct twilio_param params[6];
	uint64_t	 seq;
	int		 blen, w;
	char		*nb;

	memset(p, 0, sizeof *p);
	if ((p->buf = malloc(cap)) == NULL ||
	    (p->off = calloc(n + 1, sizeof *p->off)) == NULL) {
		pool_free(p);
		return -1;
	}
	for (i = 0; i < n; i++) {
		seq = ++pool_seq;
		snprintf(sid, sizeof sid, "SM%s%024" PRIx64, pool_run, seq);
		/* A permutation of the senders, so neighbours differ. */
		snprintf(nfrom, sizeof nfrom, "%06d",
		    100000 + (int)((seq * 7919) % (uint64_t)senders));
		snprintf(from, sizeof from, "+4477009%s", nfrom);
		snprintf(text, sizeof text, "hello bench %" PRIu64, seq);
		blen = snprintf(body, sizeof body, "MessageSid=%s"
		    "&AccountSid=ACbench&From=%%2B4477009%s"
		    "&To=%%2B447700900000&Body=hello+bench+%" PRIu64
		    "&NumMedia=0", sid, nfrom, seq);
		params[0] = (struct twilio_param){ "MessageSid", 10, sid,
		    strlen(sid) };
		params[1] = (struct twilio_param){ "AccountSid", 10, "ACbench",
		    7 };
		params[2] = (struct twilio_param){ "From", 4, from,
		    strlen(from) };
		params[3] = (struct twilio_param){ "To", 2, "+447700900000",
		    13 };
		params[4] = (struct twilio_param){ "Body", 4, text,
		    strlen(text) };
		params[5] = (struct twilio_param){ "NumMedia", 8, "0", 1 };
		if (twilio_signature_compute(TWILIO_TOKEN,
		    PUBLIC_URL WEBHOOK_PATH, params, 6, sig, sizeof sig) == -1) {
			pool_free(p);
			return -1;
		}
		if (cap - len < 1024) {
			cap *= 2;
			if ((nb = realloc(p->buf, cap)) == NULL) {
				pool_free(p);
				return -1;
			}
			p->buf = nb;
		}
		p->off[i] = len;
		w = snprintf(p->buf + len, cap - len,
		    "POST " WEBHOOK_PATH " HTTP/1.1\r\n"
		    "Host: bench.test\r\n"
		    "Content-Type: application/x-www-form-urlencoded\r\n"
		    "X-Twilio-Signature: %s\r\n"
		    "Content-Length: %d\r\n"
		    "\r\n"
		    "%s", sig, blen, body);
		len += (size_t)w;
	}
	p->off[n] = len;
	p->n = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The load generator.                                                 */

/* When request i of an open-loop phase is due. */
static uint64_t
gen_sched(const struct gen *g, size_t i)
{
	return g->t0 + (uint64_t)((double)i * 1e9 / g->rate);
}

/* How many requests of an open-loop phase are due at t. */
static size_t
gen_due(const struct gen *g, uint64_t t)
{
	double	d;

	if (t < g->t0)
		return 0;
	d = floor((double)(t - g->t0) * g->rate / 1e9) + 1;
	return d > (double)g->pool->n ? g->pool->n : (size_t)d;
}

/* The phase is over once nothing is outstanding after the end. */
static void
gen_maybe_done(struct gen *g)
{
	if (g->stopping && g->outstanding == 0)
		event_base_loopbreak(g->base);
}

static void
gen_read_cb(evutil_socket_t, short, void *);
static void
gen_write_cb(evutil_socket_t, short, void *);

/* Open (or reopen) a connection; -1 if the server refuses. */
static int
gen_conn_open(struct gen_conn *c)
{
	struct gen	*g = c->g;

	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	c->rev = c->wev = NULL;
	if (c->fd != -1)
		close(c->fd);
	c->rlen = 0;
	c->req = -1;
	if ((c->fd = bench_connect(g->port)) == -1)
		return -1;
	evutil_make_socket_nonblocking(c->fd);
	c->rev = event_new(g->base, c->fd, EV_READ | EV_PERSIST, gen_read_cb,
	    c);
	c->wev = event_new(g->base, c->fd, EV_WRITE, gen_write_cb, c);
	if (c->rev == NULL || c->wev == NULL || event_add(c->rev, NULL) == -1)
		return -1;
	return 0;
}

static void
gen_conn_close(struct gen_conn *c)
{
	if (c->rev != NULL)
		event_free(c->rev);
	if (c->wev != NULL)
		event_free(c->wev);
	c->rev = c->wev = NULL;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->rbuf);
	c->rbuf = NULL;
	c->rlen = c->rcap = 0;
}

/* Write what is left of the outstanding request. */
static void
gen_write(struct gen_conn *c)
{
	const struct pool	*p = c->g->pool;
	const char		*data = p->buf + p->off[c->req];
	size_t			 len = p->off[c->req + 1] - p->off[c->req];
	ssize_t			 n;

	while (c->woff < len) {
		n = write(c->fd, data + c->woff, len - c->woff);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			event_add(c->wev, NULL);
			return;
		}
		if (n <= 0) {
			gen_conn_fail(c);
			return;
		}
		c->woff += (size_t)n;
	}
}

static void
gen_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gen_conn	*c = arg;

	(void)fd;
	(void)what;
	if (c->req >= 0)
		gen_write(c);
}

/* Send request i on an idle connection. */
static void
gen_send(struct gen_conn *c, size_t i)
{
	struct gen	*g = c->g;

	c->req = (long)i;
	c->woff = 0;
	c->rlen = 0;
	c->t_send = now_ns();
	g->outstanding++;
	g->res->sent++;
	gen_write(c);
}

/*
 * A connection broke (or the server closed it): a request it carried is
 * an I/O error; reconnect and carry on.
 */
static void
gen_conn_fail(struct gen_conn *c)
{
	struct gen	*g = c->g;
	int		 busy = c->req >= 0;

	if (busy) {
		g->res->io_errors++;
		g->outstanding--;
	}
	if (gen_conn_open(c) == -1) {
		bench_warnx("cannot reconnect to port %d: %s", g->port,
		    strerror(errno));
		g->res->fatal = 1;
		gen_conn_close(c);
		event_base_loopbreak(g->base);
		return;
	}
	if (busy)
		gen_next(c, now_ns());
	gen_maybe_done(g);
}

/* What a connection does once free: the next request, or wait. */
static void
gen_next(struct gen_conn *c, uint64_t t)
{
	struct gen	*g = c->g;

	if (g->stopping || t >= g->t_end || g->res->fatal) {
		if (g->open_loop)
			g->idle[g->nidle++] = (int)(c - g->conns);
		return;
	}
	if (!g->open_loop) {
		if (g->next < g->pool->n) {
			gen_send(c, g->next++);
			return;
		}
		if (!g->res->exhausted) {
			/* Measure only while the pool lasted. */
			g->res->exhausted = 1;
			g->t_end = t;
			g->stopping = 1;
		}
		gen_maybe_done(g);
		return;
	}
	if (g->next < gen_due(g, t))
		gen_send(c, g->next++);
	else
		g->idle[g->nidle++] = (int)(c - g->conns);
}

/*
 * Parse a response in c->rbuf: 1 with *status and *close when complete,
 * 0 if more is needed, -1 if it is not HTTP we understand.
 */
static int
gen_parse(struct gen_conn *c, int *status, int *close_after)
{
	const char	*end, *line, *eol;
	size_t		 hlen, clen = 0;
	int		 have_len = 0;

	if (c->rlen < 12)
		return 0;
	if (memcmp(c->rbuf, "HTTP/1.", 7) != 0)
		return -1;
	if ((end = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4)) == NULL)
		return c->rlen > 65536 ? -1 : 0;
	hlen = (size_t)(end - c->rbuf) + 4;
	*status = atoi(c->rbuf + 9);
	*close_after = c->rbuf[7] == '0';
	for (line = (const char *)memchr(c->rbuf, '\n', hlen) + 1; line < end;
	    line = eol + 1) {
		if ((eol = memchr(line, '\n', (size_t)(end + 2 - line))) == NULL)
			break;
		if (strncasecmp(line, "Content-Length:", 15) == 0) {
			clen = strtoul(line + 15, NULL, 10);
			have_len = 1;
		} else if (strncasecmp(line, "Connection:", 11) == 0) {
			if (strncasecmp(line + 11 + strspn(line + 11, " \t"),
			    "close", 5) == 0)
				*close_after = 1;
			else if (strncasecmp(line + 11 + strspn(line + 11,
			    " \t"), "keep-alive", 10) == 0)
				*close_after = 0;
		} else if (strncasecmp(line, "Transfer-Encoding:", 18) == 0)
			return -1;
	}
	if (!have_len)
		return -1;
	if (c->rlen < hlen + clen)
		return 0;
	if (c->rlen > hlen + clen)
		return -1;	/* we pipeline nothing, so nothing may follow */
	return 1;
}

/* A response arrived in full. */
static void
gen_complete(struct gen_conn *c, int status, int close_after)
{
	struct gen	*g = c->g;
	struct phase	*r = g->res;
	uint64_t	 t = now_ns();
	size_t		 i = (size_t)c->req;

	c->req = -1;
	c->rlen = 0;
	g->outstanding--;
	if (status == 200) {
		r->ok++;
		if (t <= g->t_end)
			r->ok_window++;
		g->lat[g->nlat] = g->open_loop ? t - gen_sched(g, i) :
		    t - c->t_send;
		g->lat_send[g->nlat] = t - c->t_send;
		g->nlat++;
	} else {
		r->errors++;
		r->status[status > 0 && status < 600 ? status : 0]++;
	}
	if (close_after && gen_conn_open(c) == -1) {
		bench_warnx("cannot reconnect to port %d", g->port);
		r->fatal = 1;
		gen_conn_close(c);
		event_base_loopbreak(g->base);
		return;
	}
	gen_next(c, t);
	gen_maybe_done(g);
}

static void
gen_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gen_conn	*c = arg;
	ssize_t		 n;
	char		*nb;
	int		 status = 0, close_after = 0, rc;

	(void)what;
	if (c->rcap - c->rlen < 4096) {
		if ((nb = realloc(c->rbuf, c->rcap + 8192)) == NULL) {
			gen_conn_fail(c);
			return;
		}
		c->rbuf = nb;
		c->rcap += 8192;
	}
	n = read(fd, c->rbuf + c->rlen, c->rcap - c->rlen);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		gen_conn_fail(c);
		return;
	}
	c->rlen += (size_t)n;
	if (c->req < 0) {
		gen_conn_fail(c);	/* nothing was asked */
		return;
	}
	if ((rc = gen_parse(c, &status, &close_after)) == 0)
		return;
	if (rc == -1) {
		gen_conn_fail(c);
		return;
	}
	gen_complete(c, status, close_after);
}

/* Open loop: every millisecond, send what has fallen due. */
static void
gen_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gen	*g = arg;
	uint64_t	 t = now_ns();
	size_t		 due;

	(void)fd;
	(void)what;
	if (g->stopping || t >= g->t_end)
		return;
	due = gen_due(g, t);
	while (g->next < due && g->nidle > 0)
		gen_send(&g->conns[g->idle[--g->nidle]], g->next++);
}

/* A request unanswered for the timeout counts as one; reconnect. */
static void
gen_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gen	*g = arg;
	uint64_t	 t = now_ns();
	struct gen_conn	*c;
	int		 i;

	(void)fd;
	(void)what;
	for (i = 0; i < g->nconns; i++) {
		c = &g->conns[i];
		if (c->fd == -1 || c->req < 0 || t - c->t_send < g->timeout_ns)
			continue;
		g->res->timeouts++;
		g->outstanding--;
		c->req = -1;
		if (gen_conn_open(c) == -1) {
			g->res->fatal = 1;
			gen_conn_close(c);
			event_base_loopbreak(g->base);
			return;
		}
		gen_next(c, t);
	}
	gen_maybe_done(g);
}

/* The phase's time is up: send nothing more, wait for what is out. */
static void
gen_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gen	*g = arg;
	struct timeval	 tv;

	(void)fd;
	(void)what;
	g->stopping = 1;
	tv.tv_sec = (time_t)(g->timeout_ns / NSEC) + 1;
	tv.tv_usec = 0;
	event_add(g->drain, &tv);
	gen_maybe_done(g);
}

/* Still waiting long after the end: what is out has timed out. */
static void
gen_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct gen	*g = arg;

	(void)fd;
	(void)what;
	g->res->timeouts += (size_t)g->outstanding;
	g->outstanding = 0;
	event_base_loopbreak(g->base);
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of sorted v, in milliseconds. */
static double
quantile_ms(const uint64_t *v, size_t n, double q)
{
	size_t	i;

	if (n == 0)
		return NAN;
	i = (size_t)ceil(q * (double)n);
	i = i == 0 ? 0 : i - 1;
	if (i >= n)
		i = n - 1;
	return (double)v[i] / 1e6;
}

/*
 * Run one phase against the server on port: closed loop (rate 0, each
 * connection sends its next request as soon as the last is answered) or
 * open loop at rate requests per second.  server is the pid whose CPU
 * time to report.
 */
static int
gen_run(struct event_base *base, int port, const struct pool *pool,
    int nconns, double seconds, double rate, double timeout, pid_t server,
    pid_t redis, int redis_port, struct phase *res)
{
	struct gen	 g;
	struct timeval	 tv;
	double		 cs, cr, cg, ca;
	uint64_t	 t_done;
	char		 forks[32];
	int		 i;

	memset(&g, 0, sizeof g);
	g.base = base;
	g.pool = pool;
	g.port = port;
	g.nconns = nconns;
	g.open_loop = rate > 0;
	g.rate = rate;
	g.timeout_ns = (uint64_t)(timeout * 1e9);
	g.res = res;
	res->open_loop = g.open_loop;
	res->offered = rate;
	res->connections = nconns;
	g.conns = calloc((size_t)nconns, sizeof *g.conns);
	g.idle = calloc((size_t)nconns, sizeof *g.idle);
	g.lat = calloc(pool->n + 1, sizeof *g.lat);
	g.lat_send = calloc(pool->n + 1, sizeof *g.lat_send);
	if (g.conns == NULL || g.idle == NULL || g.lat == NULL ||
	    g.lat_send == NULL) {
		bench_warnx("out of memory");
		res->fatal = 1;
		goto out;
	}
	for (i = 0; i < nconns; i++) {
		g.conns[i].g = &g;
		g.conns[i].fd = -1;
		if (gen_conn_open(&g.conns[i]) == -1) {
			bench_warnx("cannot connect to port %d: %s", port,
			    strerror(errno));
			res->fatal = 1;
			goto out;
		}
	}
	g.end = evtimer_new(base, gen_end_cb, &g);
	g.drain = evtimer_new(base, gen_drain_cb, &g);
	g.watch = event_new(base, -1, EV_PERSIST, gen_watch_cb, &g);
	if (g.open_loop)
		g.tick = event_new(base, -1, EV_PERSIST, gen_tick_cb, &g);

	bench_redis_info(redis_port, "total_forks", forks, sizeof forks);
	res->forks = -atoll(forks);
	cs = bench_cpu(server);
	cr = bench_cpu(redis);
	cg = bench_cpu(getpid());
	ca = bench_cpu_all();

	g.t0 = now_ns();
	g.t_end = g.t0 + (uint64_t)(seconds * 1e9);
	tv.tv_sec = (time_t)seconds;
	tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
	event_add(g.end, &tv);
	tv.tv_sec = 0;
	tv.tv_usec = 200000;
	event_add(g.watch, &tv);
	if (g.open_loop) {
		tv.tv_usec = 1000;
		event_add(g.tick, &tv);
		for (i = 0; i < nconns; i++)
			g.idle[g.nidle++] = nconns - 1 - i;
		gen_tick_cb(-1, 0, &g);
	} else {
		for (i = 0; i < nconns && g.next < pool->n; i++)
			gen_send(&g.conns[i], g.next++);
	}
	event_base_dispatch(base);
	t_done = now_ns();

	res->cpu_server = bench_cpu(server) - cs;
	res->cpu_redis = bench_cpu(redis) - cr;
	res->cpu_gen = bench_cpu(getpid()) - cg;
	res->cpu_other = bench_cpu_all() - ca - res->cpu_server -
	    res->cpu_redis - res->cpu_gen;
	if (res->cpu_other < 0)
		res->cpu_other = 0;
	res->elapsed = (double)(t_done - g.t0) / 1e9;
	bench_redis_info(redis_port, "total_forks", forks, sizeof forks);
	res->forks += atoll(forks);

	res->window = (double)(g.t_end - g.t0) / 1e9;
	res->rate = res->window > 0 ? (double)res->ok_window / res->window : 0;
	qsort(g.lat, g.nlat, sizeof *g.lat, u64_cmp);
	qsort(g.lat_send, g.nlat, sizeof *g.lat_send, u64_cmp);
	res->p50 = quantile_ms(g.lat, g.nlat, 0.50);
	res->p90 = quantile_ms(g.lat, g.nlat, 0.90);
	res->p99 = quantile_ms(g.lat, g.nlat, 0.99);
	res->p999 = quantile_ms(g.lat, g.nlat, 0.999);
	res->max = g.nlat > 0 ? (double)g.lat[g.nlat - 1] / 1e6 : NAN;
	res->s50 = quantile_ms(g.lat_send, g.nlat, 0.50);
	res->s99 = quantile_ms(g.lat_send, g.nlat, 0.99);
out:
	if (g.end != NULL)
		event_free(g.end);
	if (g.drain != NULL)
		event_free(g.drain);
	if (g.watch != NULL)
		event_free(g.watch);
	if (g.tick != NULL)
		event_free(g.tick);
	for (i = 0; g.conns != NULL && i < nconns; i++)
		gen_conn_close(&g.conns[i]);
	free(g.conns);
	free(g.idle);
	free(g.lat);
	free(g.lat_send);
	return res->fatal ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* The harness.                                                        */

/* Write s as a JSON string body (without quotes). */
static void
json_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
}

/* replyd's configuration for this run, written to path. */
static int
bench_replyd_config(const char *path, int port, int redis_port,
    const char *feed)
{
	static const char *const days[] = {
		"mon", "tue", "wed", "thu", "fri", "sat", "sun"
	};
	FILE	*f;
	int	 i;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "{\n"
	    "  \"listen\": \"127.0.0.1:%d\",\n"
	    "  \"public_url\": \"" PUBLIC_URL "\",\n"
	    "  \"redis\": { \"url\": \"redis://127.0.0.1:%d/0\" },\n"
	    "  \"calendars\": {\n"
	    "    \"office\": {\n"
	    "      \"timezone\": \"Europe/London\",\n"
	    "      \"hours\": {", port, redis_port);
	for (i = 0; i < 7; i++)
		fprintf(f, "%s \"%s\": [\"00:00-24:00\"]", i ? "," : "",
		    days[i]);
	fprintf(f, " },\n"
	    "      \"bank_holidays\": { \"file\": \"");
	json_escape(f, feed);
	fprintf(f, "\", \"division\": \"england-and-wales\" }\n"
	    "    }\n"
	    "  },\n"
	    "  \"promise\": { \"respond_within\": \"1 working day\", "
	    "\"calendar\": \"office\" },\n"
	    "  \"people\": { \"alice\": { \"name\": \"Alice\", "
	    "\"phone\": \"+447700900001\" } },\n"
	    "  \"teams\": { \"ops\": { \"calendar\": \"office\", "
	    "\"workers\": [\"alice\"], \"duty_manager\": \"alice\" } },\n"
	    "  \"default_team\": \"ops\",\n"
	    "  \"channels\": { \"twilio\": { \"auth_token\": \"" TWILIO_TOKEN
	    "\", \"account_sid\": \"ACbench\", \"from\": \"+447700900000\", "
	    "\"api_base\": \"http://127.0.0.1:9\" } },\n"
	    "  \"api\": { \"tokens\": { \"" API_TOKEN "\": "
	    "{ \"name\": \"bench\", \"role\": \"admin\" } } }\n"
	    "}\n");
	return fclose(f) == 0 ? 0 : -1;
}

/* Poll until GET /readyz answers 200 or the child dies; -1 on timeout. */
static int
bench_wait_ready(int which, int port, double seconds)
{
	uint64_t	deadline = now_ns() + (uint64_t)(seconds * 1e9);

	while (now_ns() < deadline) {
		if (!bench_alive(which))
			return -1;
		if (bench_http_status(port, "/readyz") == 200)
			return 0;
		bench_sleep_ms(50);
	}
	bench_warnx("%s not ready after %.0f s", bench_child_names[which],
	    seconds);
	return -1;
}

/* Print the options and exit with status. */
static void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: bench-ingest [--seconds N] [--warmup N] [--connections N]\n"
	    "                    [--open-connections N] [--senders N] "
	    "[--timeout N]\n"
	    "                    [--rounds N] [--replyd PATH] [--keep] "
	    "[--auto-aof-rewrite]\n"
	    "  --seconds N           each measured phase (default 5)\n"
	    "  --warmup N            each warm-up phase (default 1)\n"
	    "  --connections N       closed-loop connections (default 32)\n"
	    "  --open-connections N  open-loop connections (default 2 x "
	    "connections)\n"
	    "  --senders N           distinct From numbers (default 10000)\n"
	    "  --timeout N           seconds before a request counts as lost "
	    "(default 10)\n"
	    "  --rounds N            repeat baseline max + replyd max N times, "
	    "report medians\n"
	    "                        (default 1)\n"
	    "  --replyd PATH         replyd binary (default $REPLYD_BUILD/"
	    "replyd, else the\n"
	    "                        replyd beside this program's bench/ "
	    "folder, else build/replyd)\n"
	    "  --keep                keep the temporary directory "
	    "(logs, AOF)\n"
	    "  --auto-aof-rewrite    let Redis rewrite the AOF during phases "
	    "(by default\n"
	    "                        it is rewritten between phases only)\n");
	exit(status);
}

static void
bench_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "connections", required_argument, NULL, 'c' },
		{ "open-connections", required_argument, NULL, 'o' },
		{ "senders", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "rounds", required_argument, NULL, 'R' },
		{ "replyd", required_argument, NULL, 'r' },
		{ "keep", no_argument, NULL, 'k' },
		{ "auto-aof-rewrite", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char	 path[PATH_MAX];
	const char	*b;
	int		 ch;

	o->seconds = 5;
	o->warmup = 1;
	o->connections = 32;
	o->open_connections = 0;
	o->senders = 10000;
	o->timeout = 10;
	o->rounds = 1;
	/* $REPLYD_BUILD, else the build tree this program is in, else build. */
	o->replyd = "build/replyd";
	if ((b = getenv("REPLYD_BUILD")) != NULL && *b != '\0') {
		snprintf(path, sizeof path, "%s/replyd", b);
		o->replyd = path;
	} else if ((b = strrchr(argv[0], '/')) != NULL &&
	    b - argv[0] >= 6 && strncmp(b - 6, "/bench", 6) == 0) {
		snprintf(path, sizeof path, "%.*s/replyd", (int)(b - argv[0] - 6),
		    argv[0]);
		if (access(path, X_OK) == 0)
			o->replyd = path;
	}
	o->keep = 0;
	o->auto_rewrite = 0;
	while ((ch = getopt_long(argc, argv, "s:w:c:o:n:t:R:r:kAh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			o->seconds = atof(optarg);
			break;
		case 'w':
			o->warmup = atof(optarg);
			break;
		case 'c':
			o->connections = atoi(optarg);
			break;
		case 'o':
			o->open_connections = atoi(optarg);
			break;
		case 'n':
			o->senders = atoi(optarg);
			break;
		case 't':
			o->timeout = atof(optarg);
			break;
		case 'R':
			o->rounds = atoi(optarg);
			break;
		case 'r':
			o->replyd = optarg;
			break;
		case 'k':
			o->keep = 1;
			break;
		case 'A':
			o->auto_rewrite = 1;
			break;
		case 'h':
			usage(0);
			break;
		default:
			usage(2);
		}
	}
	if (optind != argc || o->seconds <= 0 || o->warmup < 0 ||
	    o->connections < 1 || o->connections > 10000 ||
	    o->open_connections < 0 || o->open_connections > 10000 ||
	    o->senders < 1 || o->senders > 899999 || o->timeout <= 0 ||
	    o->rounds < 1 || o->rounds > MAX_ROUNDS)
		usage(2);
	if (o->open_connections == 0)
		o->open_connections = 2 * o->connections;
}

/* One server under test. */
struct target {
	const char	*name;
	int		 child;		/* CHILD_BASELINE or CHILD_REPLYD */
	int		 port;
	int		 db;		/* its Redis database */
	const char	*pattern;	/* one key per stored message */
	const char	*log;
	size_t		 accepted;	/* 200 answers over the whole run */
	int		 up;
};

/* Everything a phase needs. */
struct bench {
	struct event_base	*base;
	const struct options	*o;
	int			 redis_port;
	int			 failed;	/* something could not run */
};

/*
 * Between phases: rewrite the AOF and wait for it, so that every phase
 * starts from a compact file.  Redis's own rewrite (a fork that takes a
 * whole core here) would land in whichever phase crossed the threshold,
 * penalising one server at random, so it is paused during phases unless
 * --auto-aof-rewrite; AOF bytes per request are reported instead.
 */
static void
bench_redis_quiesce(int port)
{
	char		 busy[16], sched[16];
	int		 i;

	/* An error only means a rewrite is already running: wait for it. */
	bench_redis_do(port, "BGREWRITEAOF");
	for (i = 0; i < 1200; i++) {
		bench_sleep_ms(50);
		bench_redis_info(port, "aof_rewrite_in_progress", busy,
		    sizeof busy);
		bench_redis_info(port, "aof_rewrite_scheduled", sched,
		    sizeof sched);
		if (strcmp(busy, "0") == 0 && strcmp(sched, "0") == 0)
			return;
	}
	bench_warnx("the AOF rewrite is still running after 60 s");
}

/*
 * Wait (up to 30 s) until Redis is quiet: fewer than 100 commands in a
 * quarter of a second.  Work a server queued during the last phase (such
 * as escalation steps for new conversations) then finishes before the
 * next phase instead of being measured in it.  Returns the seconds
 * waited.
 */
static double
bench_redis_settle(int port)
{
	char		 v[32];
	long long	 before, after;
	uint64_t	 t0 = now_ns();
	int		 i;

	bench_redis_info(port, "total_commands_processed", v, sizeof v);
	before = atoll(v);
	for (i = 0; i < 120; i++) {
		bench_sleep_ms(250);
		bench_redis_info(port, "total_commands_processed", v, sizeof v);
		after = atoll(v);
		if (after - before < 100)
			break;
		before = after;
	}
	return (double)(now_ns() - t0) / 1e9;
}

/* Size a pool for a phase expected to run at rate for seconds. */
static size_t
bench_pool_size(double rate, double seconds, int nconns)
{
	double	n = rate * seconds * 4 + nconns;

	if (n < 20000)
		n = 20000;
	if (n > 2000000)
		n = 2000000;
	return (size_t)n;
}

/*
 * Build a pool of n requests and run one phase against t (closed loop if
 * rate is 0); -1 if it could not run.
 */
static int
bench_phase(struct bench *b, struct target *t, const char *what, int nconns,
    double seconds, double rate, size_t n, struct phase *res)
{
	struct pool	pool;
	char		size[32];
	long long	aof0;
	double		quiet;
	int		rc;

	memset(res, 0, sizeof *res);
	res->name = what;
	res->fatal = 1;
	if (!t->up)
		return -1;
	if ((quiet = bench_redis_settle(b->redis_port)) > 1)
		bench_warnx("Redis was busy for %.1f s after the last phase",
		    quiet);
	bench_redis_quiesce(b->redis_port);
	if (pool_build(&pool, n, b->o->senders) == -1) {
		bench_warnx("cannot build %zu requests", n);
		b->failed = 1;
		return -1;
	}
	if (rate > 0)
		bench_warnx("%s %s: open loop at %.0f req/s, %d connections, "
		    "%g s", t->name, what, rate, nconns, seconds);
	else
		bench_warnx("%s %s: closed loop, %d connections, %g s",
		    t->name, what, nconns, seconds);
	bench_redis_info(b->redis_port, "aof_current_size", size, sizeof size);
	aof0 = atoll(size);
	res->fatal = 0;
	rc = gen_run(b->base, t->port, &pool, nconns, seconds, rate,
	    b->o->timeout, bench_children[t->child],
	    bench_children[CHILD_REDIS], b->redis_port, res);
	bench_redis_info(b->redis_port, "aof_current_size", size, sizeof size);
	res->aof_bytes = res->forks == 0 ? atoll(size) - aof0 : -1;
	pool_free(&pool);
	t->accepted += res->ok;
	if (res->exhausted)
		bench_warnx("%s %s: the %zu prepared requests ran out after "
		    "%.2f s; measured over that time", t->name, what, n,
		    res->window);
	if (!bench_alive(t->child)) {
		bench_warnx("%s died during %s", t->name, what);
		bench_log_tail(t->log, 20);
		t->up = 0;
		rc = -1;
	}
	if (rc == -1)
		b->failed = 1;
	return rc;
}

/* "0 errors", or what went wrong, for a report line. */
static void
phase_errors(const struct phase *r, char *buf, size_t len)
{
	size_t	off, i;

	if (r->errors == 0 && r->timeouts == 0 && r->io_errors == 0) {
		snprintf(buf, len, "0 errors");
		return;
	}
	off = (size_t)snprintf(buf, len, "%zu errors:", r->errors +
	    r->timeouts + r->io_errors);
	for (i = 0; i < 600 && off < len; i++)
		if (r->status[i] != 0)
			off += (size_t)snprintf(buf + off, len - off,
			    " %zu x HTTP %zu,", r->status[i], i);
	if (r->timeouts && off < len)
		off += (size_t)snprintf(buf + off, len - off,
		    " %zu timed out,", r->timeouts);
	if (r->io_errors && off < len)
		off += (size_t)snprintf(buf + off, len - off,
		    " %zu connection errors,", r->io_errors);
	if (off > 0 && off <= len && buf[off - 1] == ',')
		buf[off - 1] = '\0';
}

/* One closed-loop report line. */
static void
report_max(const char *label, const struct phase *r)
{
	char	errs[256];

	if (r->fatal && r->ok == 0) {
		printf("ingest: %-9s did not run\n", label);
		return;
	}
	phase_errors(r, errs, sizeof errs);
	printf("ingest: %-9s %6.0f req/s  p50 %.2f ms  p99 %.2f ms  "
	    "p99.9 %.2f ms  max %.2f ms  (%d connections, %.1f s, %s)\n",
	    label, r->rate, r->p50, r->p99, r->p999, r->max, r->connections,
	    r->window, errs);
}

/* One open-loop report line. */
static void
report_half(const char *label, const struct phase *r)
{
	char	errs[256];

	if (r->fatal && r->ok == 0) {
		printf("ingest: %s at half load did not run\n", label);
		return;
	}
	phase_errors(r, errs, sizeof errs);
	printf("ingest: %s at half load %.0f req/s (achieved %.0f): "
	    "p50 %.2f ms p90 %.2f ms p99 %.2f ms p99.9 %.2f ms max %.2f ms "
	    "(target p99 < 10 ms; from the scheduled send time; from the "
	    "actual send p50 %.2f ms p99 %.2f ms; %d connections, %s)\n",
	    label, r->offered, r->rate, r->p50, r->p90, r->p99, r->p999,
	    r->max, r->s50, r->s99, r->connections, errs);
}

/* Where CPU went during a phase, per accepted request. */
static void
report_cpu(const char *label, const struct phase *r)
{
	double	n = r->ok > 0 ? (double)r->ok : 1;
	char	aof[64];

	if (r->elapsed <= 0)
		return;
	if (r->forks > 0)
		snprintf(aof, sizeof aof, "; Redis forked (AOF rewrite) "
		    "during the phase");
	else
		snprintf(aof, sizeof aof, "; AOF %.0f bytes/req",
		    (double)r->aof_bytes / n);
	printf("ingest: cpu %-20s server %3.0f%% (%.1f us/req), redis "
	    "%3.0f%% (%.1f us/req), generator %3.0f%%, other processes "
	    "%3.0f%%%s\n", label,
	    100 * r->cpu_server / r->elapsed, 1e6 * r->cpu_server / n,
	    100 * r->cpu_redis / r->elapsed, 1e6 * r->cpu_redis / n,
	    100 * r->cpu_gen / r->elapsed, 100 * r->cpu_other / r->elapsed,
	    aof);
}

static int
double_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of n values (sorts them). */
static double
median(double *v, int n)
{
	if (n == 0)
		return 0;
	qsort(v, (size_t)n, sizeof *v, double_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Start redis-server with exactly the durability settings replyd ships. */
static int
bench_start_redis(int *port)
{
	char	 dir[PATH_MAX], log[PATH_MAX], port_s[16];
	char	*argv[20];
	int	 i = 0;

	snprintf(dir, sizeof dir, "%s/redis", bench_dir);
	snprintf(log, sizeof log, "%s/redis.log", bench_dir);
	if (mkdir(dir, 0700) == -1 || (*port = bench_free_port()) == -1) {
		bench_warnx("cannot prepare Redis: %s", strerror(errno));
		return -1;
	}
	snprintf(port_s, sizeof port_s, "%d", *port);
	argv[i++] = "redis-server";
	argv[i++] = "--port";
	argv[i++] = port_s;
	argv[i++] = "--bind";
	argv[i++] = "127.0.0.1";
	argv[i++] = "--dir";
	argv[i++] = dir;
	argv[i++] = "--appendonly";
	argv[i++] = "yes";
	argv[i++] = "--appendfsync";
	argv[i++] = "always";
	argv[i++] = "--save";
	argv[i++] = "";
	argv[i++] = "--maxmemory-policy";
	argv[i++] = "noeviction";
	argv[i] = NULL;
	if ((bench_children[CHILD_REDIS] = bench_spawn(argv, log)) == -1)
		return -1;
	for (i = 0; i < 200 && !bench_redis_ping(*port); i++) {
		if (!bench_alive(CHILD_REDIS))
			break;
		bench_sleep_ms(50);
	}
	if (!bench_alive(CHILD_REDIS) || !bench_redis_ping(*port)) {
		bench_warnx("redis-server did not answer PING on port %d",
		    *port);
		bench_log_tail(log, 20);
		return -1;
	}
	return 0;
}

/* Start the baseline server (bench/baseline-store.c, beside this program). */
static int
bench_start_baseline(struct target *t, int redis_port, const char *self)
{
	char	 exe[PATH_MAX], rport[16], hport[16], *dir;
	char	*argv[4];
	ssize_t	 n;

	if ((t->port = bench_free_port()) == -1)
		return -1;
	/* The program beside this one, wherever it was started from. */
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0)
		exe[n] = '\0';
	else
		snprintf(exe, sizeof exe, "%s", self);
	dir = strrchr(exe, '/');
	snprintf(dir != NULL ? dir + 1 : exe, sizeof exe - (size_t)(dir != NULL ?
	    dir + 1 - exe : 0), "baseline-store");
	snprintf(rport, sizeof rport, "%d", redis_port);
	snprintf(hport, sizeof hport, "%d", t->port);
	argv[0] = exe;
	argv[1] = rport;
	argv[2] = hport;
	argv[3] = NULL;
	if ((bench_children[CHILD_BASELINE] = bench_spawn(argv, t->log)) == -1)
		return -1;
	if (bench_wait_ready(CHILD_BASELINE, t->port, 10) == -1) {
		bench_log_tail(t->log, 20);
		return -1;
	}
	return 0;
}

/* Start replyd on a generated configuration; -1 if it is not ready. */
static int
bench_start_replyd(struct target *t, const char *path, int redis_port)
{
	char	 cfg[PATH_MAX], feed[PATH_MAX];
	char	*argv[4];

	if (access(path, X_OK) == -1) {
		bench_warnx("%s: %s", path, strerror(errno));
		return -1;
	}
	if (realpath(FEED, feed) == NULL) {
		bench_warnx("%s: %s (run from the repository root)", FEED,
		    strerror(errno));
		return -1;
	}
	snprintf(cfg, sizeof cfg, "%s/replyd.json", bench_dir);
	if ((t->port = bench_free_port()) == -1 ||
	    bench_replyd_config(cfg, t->port, redis_port, feed) == -1) {
		bench_warnx("cannot write %s", cfg);
		return -1;
	}
	argv[0] = (char *)path;
	argv[1] = "-c";
	argv[2] = cfg;
	argv[3] = NULL;
	if ((bench_children[CHILD_REPLYD] = bench_spawn(argv, t->log)) == -1)
		return -1;
	if (bench_wait_ready(CHILD_REPLYD, t->port, 20) == -1) {
		bench_log_tail(t->log, 20);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct options	 o;
	struct bench	 b;
	struct target	 base_t, replyd_t;
	struct phase	 warm, max_b[MAX_ROUNDS], max_r[MAX_ROUNDS];
	struct phase	 half_r, half_b;
	struct utsname	 un;
	char		 blog[PATH_MAX], rlog[PATH_MAX], version[64];
	char		 label[64];
	double		 rb[MAX_ROUNDS], rr[MAX_ROUNDS], ratio[MAX_ROUNDS];
	double		 half, warm_b = 0, warm_r = 0;
	unsigned char	 rnd[4];
	long long	 stored;
	int		 i, fd, nratio = 0, nrb = 0, nrr = 0;

	memset(&b, 0, sizeof b);
	memset(max_b, 0, sizeof max_b);
	memset(max_r, 0, sizeof max_r);
	memset(&half_r, 0, sizeof half_r);
	memset(&half_b, 0, sizeof half_b);
	bench_options(argc, argv, &o);
	b.o = &o;
	bench_owner = getpid();
	bench_keep = o.keep;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, bench_on_signal);
	signal(SIGTERM, bench_on_signal);
	signal(SIGHUP, bench_on_signal);

	if (twilio_selftest() == -1) {
		bench_warnx("the Twilio signer disagrees with SPEC §5's "
		    "vectors; not running");
		return 1;
	}
	memset(rnd, 0, sizeof rnd);
	if ((fd = open("/dev/urandom", O_RDONLY)) != -1) {
		if (read(fd, rnd, sizeof rnd) != (ssize_t)sizeof rnd)
			memset(rnd, 0, sizeof rnd);
		close(fd);
	}
	snprintf(pool_run, sizeof pool_run, "%02x%02x%02x%02x", rnd[0], rnd[1],
	    rnd[2], rnd[3]);

	snprintf(bench_dir, sizeof bench_dir, "%s/bench-ingest-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(bench_dir) == NULL) {
		bench_warnx("mkdtemp %s: %s", bench_dir, strerror(errno));
		bench_dir[0] = '\0';
		return 1;
	}
	atexit(bench_cleanup);
	snprintf(blog, sizeof blog, "%s/baseline.log", bench_dir);
	snprintf(rlog, sizeof rlog, "%s/replyd.log", bench_dir);
	base_t = (struct target){ .name = "baseline", .child = CHILD_BASELINE,
	    .db = 1, .pattern = "bench:msg:*", .log = blog };
	replyd_t = (struct target){ .name = "replyd", .child = CHILD_REPLYD,
	    .db = 0, .pattern = "rd:*:d:*", .log = rlog };

	/* 1-3. Redis, the baseline, replyd. */
	if (bench_start_redis(&b.redis_port) == -1 ||
	    bench_start_baseline(&base_t, b.redis_port, argv[0]) == -1)
		return 1;
	base_t.up = 1;
	if (bench_start_replyd(&replyd_t, o.replyd, b.redis_port) == 0)
		replyd_t.up = 1;
	else {
		bench_warnx("replyd did not start; measuring the baseline only");
		b.failed = 1;
	}
	if ((b.base = event_base_new()) == NULL) {
		bench_warnx("event_base_new failed");
		return 1;
	}
	if (!o.auto_rewrite && bench_redis_do(b.redis_port,
	    "CONFIG SET auto-aof-rewrite-percentage 0") == -1)
		bench_warnx("cannot pause automatic AOF rewrites");
	bench_redis_info(b.redis_port, "redis_version", version,
	    sizeof version);
	snprintf(blog, sizeof blog, "%s/redis", bench_dir);
	uname(&un);
	printf("ingest: %ld CPUs, Linux %s; redis-server %s with appendonly "
	    "yes, appendfsync always, save \"\", noeviction; data on %s; "
	    "AOF rewritten %s\n", sysconf(_SC_NPROCESSORS_ONLN), un.release,
	    version, bench_fs_type(blog), o.auto_rewrite ?
	    "between phases and automatically" : "between phases only");
	snprintf(blog, sizeof blog, "%s/baseline.log", bench_dir);

	/* 4-5. Warm-up, maximum throughput, half load: all in this run. */
	if (o.warmup > 0) {
		if (bench_phase(&b, &base_t, "warm-up", o.connections,
		    o.warmup, 0, bench_pool_size(20000, o.warmup,
		    o.connections), &warm) == 0)
			warm_b = warm.rate;
		if (bench_phase(&b, &replyd_t, "warm-up", o.connections,
		    o.warmup, 0, bench_pool_size(20000, o.warmup,
		    o.connections), &warm) == 0)
			warm_r = warm.rate;
	}
	for (i = 0; i < o.rounds; i++) {
		if (bench_phase(&b, &base_t, "max", o.connections, o.seconds,
		    0, bench_pool_size(warm_b, o.seconds, o.connections),
		    &max_b[i]) == 0)
			rb[nrb++] = max_b[i].rate;
		if (bench_phase(&b, &replyd_t, "max", o.connections,
		    o.seconds, 0, bench_pool_size(warm_r, o.seconds,
		    o.connections), &max_r[i]) == 0)
			rr[nrr++] = max_r[i].rate;
		report_max("baseline", &max_b[i]);
		report_max("replyd", &max_r[i]);
		if (!max_b[i].fatal && !max_r[i].fatal &&
		    max_b[i].rate > 0) {
			ratio[nratio] = max_r[i].rate / max_b[i].rate;
			printf("ingest: ratio replyd/baseline %.2f (target >= "
			    "0.80)\n", ratio[nratio]);
			nratio++;
		}
	}
	if (o.rounds > 1)
		printf("ingest: median of %d rounds: baseline %.0f req/s, "
		    "replyd %.0f req/s, ratio %.2f (target >= 0.80)\n",
		    o.rounds, median(rb, nrb), median(rr, nrr),
		    median(ratio, nratio));

	half = (nrr > 0 ? median(rr, nrr) : median(rb, nrb)) / 2;
	if (half < 1)
		half = 1;
	bench_phase(&b, &replyd_t, "half load", o.open_connections,
	    o.seconds, half, (size_t)ceil(half * o.seconds) + 1, &half_r);
	bench_phase(&b, &base_t, "half load", o.open_connections, o.seconds,
	    half, (size_t)ceil(half * o.seconds) + 1, &half_b);
	report_half("replyd", &half_r);
	report_half("baseline", &half_b);

	for (i = 0; i < o.rounds; i++) {
		snprintf(label, sizeof label, o.rounds > 1 ? "baseline max #%d" :
		    "baseline max", i + 1);
		report_cpu(label, &max_b[i]);
		snprintf(label, sizeof label, o.rounds > 1 ? "replyd max #%d" :
		    "replyd max", i + 1);
		report_cpu(label, &max_r[i]);
	}
	report_cpu("replyd half load", &half_r);
	report_cpu("baseline half load", &half_b);

	/* 6. Durability: every message answered 200 is in Redis. */
	if (bench_children[CHILD_REPLYD] > 0 || replyd_t.accepted > 0) {
		stored = bench_redis_count(b.redis_port, replyd_t.db,
		    replyd_t.pattern);
		printf("ingest: stored %lld of %zu accepted messages (replyd: "
		    "dedupe keys %s in Redis / 200 answers, warm-up "
		    "included)\n", stored, replyd_t.accepted,
		    replyd_t.pattern);
	}
	stored = bench_redis_count(b.redis_port, base_t.db, base_t.pattern);
	printf("ingest: baseline stored %lld of %zu accepted messages (%s "
	    "hashes / 200 answers)\n", stored, base_t.accepted,
	    base_t.pattern);

	event_base_free(b.base);
	bench_cleanup();
	return b.failed ? 1 : 0;
}
