// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of the proctrace CLI's parsers, escaping, formatting,
 * output layer and procfs backend, against the fixtures in
 * tests/fixtures/ (written by hand from Documentation/abi.rst).
 *
 *	tests/unit FIXTURE_DIR
 *
 * Prints TAP; exits 1 if any test failed.
 */
#include <errno.h>
#include <json.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "output.h"
#include "parse.h"
#include "source.h"
#include "util.h"

static int ntests, nfailed;
static const char *fixdir;

__printf(2, 3) static bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	ntests++;
	printf("%sok %d - ", cond ? "" : "not ", ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		nfailed++;
	return cond;
}

static void diag(const char *what, const char *s)
{
	printf("# %s: %s\n", what, s);
}

/* The fixture file, NUL-terminated, in a buffer to free. */
static char *slurp(const char *dir, const char *name)
{
	char path[4096];
	FILE *fp;
	char *buf;
	long len;

	snprintf(path, sizeof(path), "%s/%s/%s", fixdir, dir, name);
	fp = fopen(path, "r");
	if (!fp) {
		printf("Bail out! cannot open %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	buf = xmalloc((size_t)len + 1);
	if (fread(buf, 1, (size_t)len, fp) != (size_t)len) {
		printf("Bail out! short read of %s\n", path);
		exit(1);
	}
	buf[len] = '\0';
	fclose(fp);
	return buf;
}

#define H_TREE "# proctrace tree v2: pid state threads comm [tags]\n"
#define H_TASKS \
	"# proctrace tasks v2: pid tgid ppid state flags threads start_ns comm\n"
#define H_KT \
	"# proctrace kthreads v2: pid ppid state cpu class func module comm\n"
#define H_ZOMB "# proctrace zombies v2\n"
#define H_ORPH \
	"# proctrace orphans v2: pid orig_ppid reaper reaper_kind orphaned_ns comm\n"

static void test_tree(void)
{
	bool pass;
	char *buf = slurp("basic", "tree");
	struct pt_tree t;
	long i;

	ok(!pt_parse_tree(buf, &t), "tree: basic fixture parses");
	ok(t.n == 18, "tree: 18 processes (got %zu)", t.n);
	ok(t.v[0].pid == 1 && t.v[0].depth == 0 && t.v[0].parent == -1,
	   "tree: pid 1 is a root");
	i = pt_tree_find(&t, 60);
	pass = i >= 0 && t.v[i].zombie && t.v[i].state == 'Z' &&
	       t.v[t.v[i].parent].pid == 57 && t.v[i].depth == 2;
	ok(pass, "tree: 60 is a zombie child of 57 at depth 2");
	i = pt_tree_find(&t, 1000);
	ok(i >= 0 && !strcmp(t.v[i].comm, "my prog"),
	   "tree: comm \\040 decodes to a space");
	i = pt_tree_find(&t, 1001);
	ok(i >= 0 && !strcmp(t.v[i].comm, "back\\slash"),
	   "tree: comm \\134 decodes to a backslash");
	i = pt_tree_find(&t, 77);
	ok(i >= 0 && t.v[i].threads == 2 && t.v[i].zombie,
	   "tree: 77 has 2 threads and the zombie tag");
	i = pt_tree_find(&t, 200);
	ok(i >= 0 && t.v[i].kthread && t.v[t.v[i].parent].pid == 2,
	   "tree: kthread 200 is a child of kthreadd");
	i = pt_tree_find(&t, 2);
	ok(i >= 0 && t.v[i].parent == -1 && t.v[i].kthread,
	   "tree: kthreadd is a root with the kthread tag");
	ok(pt_tree_find(&t, 4242) == -1, "tree: absent pid is not found");
	pt_tree_free(&t);
	free(buf);
}

static void test_tasks(void)
{
	char *buf = slurp("basic", "tasks");
	const struct pt_task *k;
	struct pt_tasks t;
	size_t first, n;
	bool pass;

	ok(!pt_parse_tasks(buf, &t), "tasks: basic fixture parses");
	ok(t.n == 21, "tasks: 21 tasks (got %zu)", t.n);
	k = pt_tasks_find(&t, 3);
	ok(k && k->flags == (PT_TF_LEADER | PT_TF_KTHREAD | PT_TF_WQ_WORKER),
	   "tasks: flags leader,kthread,wq_worker");
	k = pt_tasks_find(&t, 91);
	ok(k && k->flags == PT_TF_IO_WORKER && k->tgid == 88 && k->ppid == 1,
	   "tasks: io_worker thread of 88");
	k = pt_tasks_find(&t, 89);
	ok(k && !k->flags && k->threads == 3 && k->start_ns == 3025000000ULL,
	   "tasks: '-' flags, threads and start_ns of 89");
	n = pt_tasks_group(&t, 88, &first);
	ok(n == 3 && t.v[first].pid == 88 && t.v[first + 2].pid == 91,
	   "tasks: the group of 88 is 88, 89, 91");
	n = pt_tasks_group(&t, 4242, &first);
	ok(n == 0, "tasks: no group for an absent tgid");
	pt_tasks_free(&t);
	free(buf);

	buf = xstrdup(H_TASKS "3 2 0 S - 2 0 b\n2 2 0 S leader 2 0 b\n"
			      "1 1 0 S leader 1 0 a\n");
	pass = !pt_parse_tasks(buf, &t) && t.n == 3 && t.v[0].pid == 1 &&
	       t.v[1].pid == 2 && t.v[2].pid == 3;
	ok(pass, "tasks: put back in tgid, pid order");
	pt_tasks_free(&t);
	free(buf);
}

static void test_stats(void)
{
	bool pass;
	char *buf = slurp("basic", "stats");
	unsigned long long sum = 0;
	struct pt_stats s;
	unsigned int i;

	ok(!pt_parse_stats(buf, &s), "stats: basic fixture parses");
	for (i = 0; i < PT_NSTATES; i++)
		sum += s.state[i];
	ok(s.processes == 18 && s.threads == 21 && s.kthreads == 5,
	   "stats: processes, threads, kthreads");
	ok(sum == s.threads, "stats: the state lines add up to threads");
	pass = s.state[pt_state_index('Z')] == 4 &&
	       s.state[pt_state_index('I')] == 1;
	ok(pass, "stats: state_Z and state_I");
	pass = s.zombies == 4 && s.orphans == 3 && s.forks == 5123 &&
	       s.events_lost == 212 && s.table_size == 65536 &&
	       s.table_dropped == 3;
	ok(pass, "stats: counters");
	free(buf);
}

static void test_kthreads(void)
{
	bool pass;
	char *buf = slurp("basic", "kthreads");
	const struct pt_kthread *kt;
	struct pt_kthreads k;

	ok(!pt_parse_kthreads(buf, &k), "kthreads: basic fixture parses");
	ok(k.n == 6, "kthreads: 6 lines (got %zu)", k.n);
	kt = pt_kthreads_find(&k, 2);
	pass = kt && kt->kclass == PT_KC_KTHREADD && !kt->func[0] &&
	       !kt->module[0] && kt->cpu == -1;
	ok(pass, "kthreads: kthreadd with '-' func, module and cpu");
	kt = pt_kthreads_find(&k, 16);
	pass = kt && kt->kclass == (PT_KC_PERCPU | PT_KC_PARKED) &&
	       kt->cpu == 0 && !strcmp(kt->func, "smpboot_thread_fn");
	ok(pass, "kthreads: percpu,parked bound to cpu 0");
	kt = pt_kthreads_find(&k, 200);
	ok(kt && kt->kclass == PT_KC_OTHER && !strcmp(kt->module, "my_mod"),
	   "kthreads: module of a thread function");
	pt_kthreads_free(&k);
	free(buf);
}

static void test_zombies(void)
{
	bool pass;
	char *buf = slurp("basic", "zombies");
	const struct pt_zparent *zp;
	const struct pt_zombie *zb;
	struct pt_zombies z;

	ok(!pt_parse_zombies(buf, &z), "zombies: basic fixture parses");
	ok(z.nparents == 3 && z.n == 4, "zombies: 3 parents, 4 zombies");
	zp = &z.parents[0];
	pass = zp->pid == 812 && zp->zombies == 2 && zp->oldest_known &&
	       zp->oldest_ns == 8123000000ULL && !zp->waited && zp->n == 2 &&
	       !strcmp(zp->comm, "leaky");
	ok(pass, "zombies: first parent 812");
	zb = pt_zombies_find(&z, 902);
	pass = zb && zb->exit.how == PT_EXIT_KILLED &&
	       !strcmp(zb->exit.signame, "SIGKILL") && zb->ppid == 812 &&
	       zb->age_ns == 120000;
	ok(pass, "zombies: 902 killed(SIGKILL)");
	zb = pt_zombies_find(&z, 60);
	ok(zb && zb->exit.how == PT_EXIT_UNKNOWN && !zb->age_known,
	   "zombies: unknown age and exit");
	zb = pt_zombies_find(&z, 77);
	ok(zb && zb->thread_group && zb->exit.how == PT_EXIT_DUMPED,
	   "zombies: thread_group kind, dumped(SIGSEGV)");
	zp = pt_zombies_find_parent(&z, 1);
	ok(zp && zp->zombies == 0 && zp->waited && zp->n == 1,
	   "zombies: parent with only a thread_group zombie");
	pt_zombies_free(&z);
	free(buf);
}

static void test_orphans(void)
{
	bool pass;
	char *buf = slurp("basic", "orphans");
	const struct pt_orphan *op;
	struct pt_orphans o;

	ok(!pt_parse_orphans(buf, &o), "orphans: basic fixture parses");
	ok(o.n == 3, "orphans: 3 lines");
	op = pt_orphans_find(&o, 950);
	pass = op && op->orig == PT_ORIG_KNOWN && op->orig_ppid == 700 &&
	       op->reaper == 1 && op->reaper_kind == PT_REAPER_INIT &&
	       op->orphaned_ns == 52000000000ULL;
	ok(pass, "orphans: known original parent");
	op = pt_orphans_find(&o, 960);
	pass = op && op->orig == PT_ORIG_UNKNOWN &&
	       op->reaper_kind == PT_REAPER_SUBREAPER;
	ok(pass, "orphans: unknown original parent, subreaper");
	op = pt_orphans_find(&o, 1001);
	ok(op && op->orig == PT_ORIG_HIDDEN && !strcmp(op->comm, "back\\slash"),
	   "orphans: '-' original parent");
	pt_orphans_free(&o);
	free(buf);
}

/* The fixture records with something particular to check. */
static void check_event(const struct pt_event *ev)
{
	bool pass;

	switch (ev->seq) {
	case 1045:
		ok(ev->type == PT_EV_LOST && ev->lost == 212,
		   "events: lost count=212");
		break;
	case 1257:
		pass = ev->kind == PT_FORK_THREAD && ev->tgid == 5019 &&
		       ev->ppid == 4990 && !ev->kernel_origin;
		ok(pass, "events: thread fork");
		break;
	case 1259:
		pass = !strcmp(ev->file, "/usr/bin/my tool") &&
		       !strcmp(ev->comm, "my tool");
		ok(pass, "events: exec file and comm decoded");
		break;
	case 1260:
		pass = !ev->group_dead && ev->runtime_ns == 3000000 &&
		       ev->exit.how == PT_EXIT_KILLED;
		ok(pass, "events: thread exit");
		break;
	case 1261:
		ok(ev->kernel_origin && ev->ppid == 2, "events: kernel origin");
		break;
	case 1264:
		ok(ev->old_pid == 5020 && ev->pid == 5019,
		   "events: exec by a non-leader thread");
		break;
	case 1265:
		ok(!strcmp(ev->exit.signame, "SIGRTMIN+3"),
		   "events: real-time signal name");
		break;
	default:
		break;
	}
}

static void test_events(void)
{
	char *buf = slurp("basic", "events"), *line, *save = NULL;
	unsigned int count[PT_EV_NTYPES] = { 0 }, bad = 0;
	struct pt_event ev;
	bool pass;

	line = strtok_r(buf, "\n", &save);
	ok(line && !pt_parse_events_header(line), "events: header");
	while ((line = strtok_r(NULL, "\n", &save))) {
		if (pt_parse_event(line, &ev)) {
			bad++;
			diag("bad record", err_get());
			continue;
		}
		count[ev.type]++;
		check_event(&ev);
	}
	pass = !bad && count[PT_EV_FORK] == 5 && count[PT_EV_EXEC] == 3 &&
	       count[PT_EV_EXIT] == 4 && count[PT_EV_REAP] == 1 &&
	       count[PT_EV_LOST] == 1;
	ok(pass, "events: 14 records of the right types");
	free(buf);
}

#define V1_TREE_COLUMNS "pid state threads comm [tags]"
#define V1_TREE_HEADER "# proctrace tree v1: " V1_TREE_COLUMNS

static void test_headers(void)
{
	bool pass;
	int ret;

	ret = pt_parse_header("# proctrace stats v2", "stats", NULL);
	ok(!ret, "header: stats v2");
	ret = pt_parse_header(V1_TREE_HEADER, "tree", V1_TREE_COLUMNS);
	ok(ret == -EPROTO && strstr(err_get(), "v1") && strstr(err_get(), "v2"),
	   "header: v1 is refused, naming both versions");
	diag("message", err_get());
	ret = pt_parse_header("# proctrace stats v3", "stats", NULL);
	pass = ret == -EPROTO && strstr(err_get(), "v3") &&
	       strstr(err_get(), "v2") && strstr(err_get(), "install");
	ok(pass, "header: v3 is refused, telling to upgrade the CLI");
	ret = pt_parse_header("# proctrace stats v22", "stats", NULL);
	ok(ret == -EPROTO, "header: v22 is not v2");
	ret = pt_parse_header("# proctrace tasks v2", "stats", NULL);
	ok(ret == -EBADMSG, "header: another file's name");
	ret = pt_parse_header("# proctrace stats v2: a b", "stats", NULL);
	ok(ret == -EBADMSG, "header: columns where none are expected");
	ret = pt_parse_header("# proctrace orphans v2", "orphans", "pid comm");
	ok(ret == -EBADMSG, "header: missing columns");
	ret = pt_parse_header("# proctrace orphans v2: pid", "orphans",
			      "pid comm");
	ok(ret == -EBADMSG, "header: wrong columns");
	ret = pt_parse_header("1 S 1 init", "tree", "x");
	ok(ret == -EBADMSG, "header: no header line");
	ret = pt_parse_header("# proctrace stats v", "stats", NULL);
	ok(ret == -EBADMSG, "header: no version number");
}

struct bad_case {
	const char *file;
	const char *text;
	const char *expect;
};

static int parse_any(const char *file, char *buf)
{
	union {
		struct pt_tree tree;
		struct pt_tasks tasks;
		struct pt_stats stats;
		struct pt_kthreads kthreads;
		struct pt_zombies zombies;
		struct pt_orphans orphans;
	} u;

	if (!strcmp(file, "tree"))
		return pt_parse_tree(buf, &u.tree);
	if (!strcmp(file, "tasks"))
		return pt_parse_tasks(buf, &u.tasks);
	if (!strcmp(file, "stats"))
		return pt_parse_stats(buf, &u.stats);
	if (!strcmp(file, "kthreads"))
		return pt_parse_kthreads(buf, &u.kthreads);
	if (!strcmp(file, "zombies"))
		return pt_parse_zombies(buf, &u.zombies);
	return pt_parse_orphans(buf, &u.orphans);
}

static const struct bad_case bad_cases[] = {
	{ "tree", "", "empty file" },
	{ "tree", H_TREE "1 Q 1 init\n", "line 2: bad state 'Q'" },
	{ "tree", H_TREE "1 S 1 init\n   2 S 1 x\n", "odd indentation" },
	{ "tree", H_TREE "1 S 1 init\n    2 S 1 x\n", "level deeper" },
	{ "tree", H_TREE "1 S 1 init", "not terminated" },
	{ "tree", H_TREE "1 S 0 init\n", "bad threads" },
	{ "tree", H_TREE "1 S 1 init  zombie\n", "bad tag ''" },
	{ "tree", H_TREE "1 S 1 init orphan\n", "bad tag 'orphan'" },
	{ "tree", H_TREE "1 S 1 a\\040b\\\n", "bad comm" },
	{ "tree", H_TREE "1 S 1 0123456789abcdef\n", "bad comm" },
	{ "tree", H_TREE "1 S 1 a\\000\n", "bad comm" },
	{ "tree", H_TREE "x S 1 init\n", "bad pid 'x'" },
	{ "tasks", H_TASKS "1 1 0 S kthread,leader 1 0 init\n",
	  "out of order" },
	{ "tasks", H_TASKS "1 1 0 S leader,bogus 1 0 init\n", "bogus" },
	{ "tasks", H_TASKS "1 1 0 S leader 1 0\n", "expected 8 fields" },
	{ "tasks", H_TASKS "1 1 0 S leader 1 -5 init\n", "bad start_ns" },
	{ "stats", "# proctrace stats v2\nprocesses 1\n", "no 'threads' line" },
	{ "stats", "# proctrace stats v2\nbogus 1\n", "unknown counter" },
	{ "stats", "# proctrace stats v2\nprocesses 1\nprocesses 2\n",
	  "duplicate" },
	{ "stats", "# proctrace stats v2\nprocesses x\n", "bad processes" },
	{ "kthreads", H_KT "2 0 S - other,percpu f - k\n", "out of order" },
	{ "kthreads", H_KT "2 0 S - percpu,other f - k\n", "'other' with" },
	{ "kthreads", H_KT "2 0 S x other f - k\n", "bad cpu" },
	{ "zombies",
	  H_ZOMB "zombie 1 ppid=0 kind=unreaped age_ns=1 exit=unknown comm=a\n",
	  "before any parent" },
	{ "zombies",
	  H_ZOMB "parent 1 zombies=1 oldest_ns=1 waited=maybe comm=a\n",
	  "bad waited" },
	{ "zombies", H_ZOMB "parent 1 zombies=1 oldest_ns=1 comm=a waited=no\n",
	  "expected waited=" },
	{ "zombies",
	  H_ZOMB
	  "parent 1 zombies=1 oldest_ns=1 waited=no comm=a\nzombie 2 ppid=1 kind=zombie age_ns=1 exit=unknown comm=b\n",
	  "bad kind" },
	{ "zombies",
	  H_ZOMB
	  "parent 1 zombies=1 oldest_ns=1 waited=no comm=a\nzombie 2 ppid=1 kind=unreaped age_ns=1 exit=exited(256) comm=b\n",
	  "bad exit" },
	{ "zombies", H_ZOMB "orphan 1\n", "parent or zombie" },
	{ "orphans", H_ORPH "5 1 1 reaper 0 a\n", "bad reaper_kind" },
	{ "orphans", H_ORPH "5 x 1 init 0 a\n", "bad orig_ppid" },
};

static void test_bad_input(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		char *buf = xstrdup(c->text);
		int ret = parse_any(c->file, buf);

		if (!ok(ret == -EBADMSG && strstr(err_get(), c->expect),
			"malformed %s is refused: %s", c->file, c->expect))
			diag("message", ret ? err_get() : "(accepted)");
		free(buf);
	}
}

static void test_bad_events(void)
{
	static const char *const lines[] = {
		"1 2 fork 3 3 4 ppid=1 kind=process origin=user",
		"1 2 fork 3 3 4 ppid=1 kind=spoon origin=user comm=a",
		"1 2 fork 3 3 4 kind=process ppid=1 origin=user comm=a",
		"1 2 exec 3 3 4 old_pid=3 file=/bin/a\\ comm=a",
		"1 2 exit 3 3 4 ppid=1 exit=exited(0) group_dead=2 runtime_ns=1 comm=a",
		"1 2 exit 3 3 4 ppid=1 exit=killed(9) group_dead=1 runtime_ns=1 comm=a",
		"1 2 spawn 3 3 4 comm=a",
		"1 2 lost",
		"x 2 reap 3 3 4 comm=a",
		"1 2 reap 3 3 4 ppid=1 comm=a",
	};
	struct pt_event ev;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lines); i++) {
		char *line = xstrdup(lines[i]);

		ok(pt_parse_event(line, &ev) == -EBADMSG,
		   "malformed event record %zu is refused", i + 1);
		free(line);
	}
}

static void test_exit(void)
{
	bool pass;
	struct pt_exit e;
	char buf[64];

	pass = !pt_parse_exit("exited(3)", &e) && e.how == PT_EXIT_EXITED &&
	       e.code == 3;
	ok(pass, "exit: exited(3)");
	pt_exit_format(&e, buf, sizeof(buf));
	ok(!strcmp(buf, "exited(3)"), "exit: formats back");
	ok(!pt_parse_exit("dumped(SIGABRT)", &e) && e.how == PT_EXIT_DUMPED,
	   "exit: dumped(SIGABRT)");
	ok(!pt_parse_exit("unknown", &e) && e.how == PT_EXIT_UNKNOWN,
	   "exit: unknown");
	pass = pt_parse_exit("exited()", &e) &&
	       pt_parse_exit("killed(KILL)", &e) &&
	       pt_parse_exit("exited(0", &e) &&
	       pt_parse_exit("stopped(SIGSTOP)", &e);
	ok(pass, "exit: malformed statuses are refused");
}

static void test_util(void)
{
	bool pass;
	char out[64], esc[TEXT_ESC_LEN(16)];
	unsigned long long v;
	char *s;
	int pid;

	pass = !abi_unescape("a\\040b\\011c\\012d\\134e", out, sizeof(out)) &&
	       !strcmp(out, "a b\tc\nd\\e");
	ok(pass, "unescape: the four ABI escapes");
	pass = abi_unescape("a\\04", out, sizeof(out)) &&
	       abi_unescape("a\\x41", out, sizeof(out)) &&
	       abi_unescape("\\400", out, sizeof(out));
	ok(pass, "unescape: malformed escapes are refused");
	pass = abi_unescape("abcd", out, 4) == -ENAMETOOLONG &&
	       !abi_unescape("abc", out, 4);
	ok(pass, "unescape: length limit");
	text_escape("a b\x1b[2J\\", esc, sizeof(esc));
	ok(!strcmp(esc, "a\\040b\\033[2J\\134"),
	   "text escape: whitespace, control bytes, backslash");
	s = utf8_sanitize("ok \xc3\xa9 bad \xff\xc3 end");
	ok(!strcmp(s, "ok \xc3\xa9 bad \xef\xbf\xbd\xef\xbf\xbd end"),
	   "utf8: invalid bytes become U+FFFD");
	free(s);
	fmt_duration(850000, out, sizeof(out));
	ok(!strcmp(out, "850us"), "duration: 850us (%s)", out);
	fmt_duration(12345678, out, sizeof(out));
	ok(!strcmp(out, "12.3ms"), "duration: 12.3ms (%s)", out);
	fmt_duration(8123000000ULL, out, sizeof(out));
	ok(!strcmp(out, "8.1s"), "duration: 8.1s (%s)", out);
	fmt_duration(185 * NSEC_PER_SEC, out, sizeof(out));
	ok(!strcmp(out, "3m05s"), "duration: 3m05s (%s)", out);
	fmt_duration(7800 * NSEC_PER_SEC, out, sizeof(out));
	ok(!strcmp(out, "2h10m"), "duration: 2h10m (%s)", out);
	fmt_duration(90000 * NSEC_PER_SEC, out, sizeof(out));
	ok(!strcmp(out, "1d01h"), "duration: 1d01h (%s)", out);
	ok(!parse_seconds("0.25", &v) && v == 250000000ULL, "seconds: 0.25");
	pass = !parse_seconds("2", &v) && v == 2 * NSEC_PER_SEC &&
	       !parse_seconds(".5", &v) && v == NSEC_PER_SEC / 2;
	ok(pass, "seconds: 2 and .5");
	pass = parse_seconds("", &v) && parse_seconds("1s", &v) &&
	       parse_seconds("-1", &v) && parse_seconds(".", &v);
	ok(pass, "seconds: malformed values are refused");
	pass = parse_ull("18446744073709551616", &v) == -ERANGE &&
	       !parse_ull("18446744073709551615", &v);
	ok(pass, "ull: overflow");
	pass = parse_pid_arg("0", &pid) && parse_pid_arg("12x", &pid) &&
	       parse_pid_arg("2147483648", &pid) &&
	       !parse_pid_arg("42", &pid) && pid == 42;
	ok(pass, "pid arguments");
}

/* Run the output calls in fn in one mode and return what they printed. */
static char *capture(bool json, bool pretty, void (*fn)(void))
{
	struct out_opts o = { .json = json, .pretty = pretty };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	out_init(fp, &o);
	fn();
	fclose(fp);
	return buf;
}

static void some_output(void)
{
	out_begin(false);
	print_uint(PRINT_ANY, "pid", "%u ", 42);
	print_string(PRINT_ANY, "comm", "%s ", "a\"b\\c\nd\x01");
	print_string(PRINT_ANY, "bytes", "%s ", "\xff");
	print_null(PRINT_ANY, "none", "%s ", "-");
	print_bool(PRINT_ANY, "flag", "%s ", true);
	print_float(PRINT_ANY, "rate", "%.1f ", 12.5);
	print_u64(PRINT_ANY, "big", "%llu", 18446744073709551615ULL);
	print_s64(PRINT_JSON, "neg", NULL, -5);
	open_json_array("list");
	print_int(PRINT_ANY, NULL, " %d", 1);
	print_int(PRINT_ANY, NULL, " %d", 2);
	close_json_array();
	open_json_object("obj");
	print_text(OUT_RED, " text-only");
	close_json_object();
	print_nl();
	out_end();
}

static void bad_format(void)
{
	out_begin(false);
	print_uint(PRINT_ANY, "pid", "%s", 1);
}

static const char expect_text[] =
	"42 a\"b\\c\nd\x01 \xff - yes 12.5 18446744073709551615 1 2 text-only\n";

/* A member of a JSON object, as json-c reads it back; NULL if absent. */
static struct json_object *member(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!obj || !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

static void check_json(const char *json)
{
	struct json_object *root = json_tokener_parse(json), *list;
	bool pass;

	ok(root && json[strlen(json) - 1] == '\n', "output: one JSON document");
	pass = json_object_get_uint64(member(root, "pid")) == 42 &&
	       json_object_get_uint64(member(root, "big")) == ULLONG_MAX &&
	       json_object_get_int64(member(root, "neg")) == -5 &&
	       json_object_get_double(member(root, "rate")) == 12.5;
	ok(pass, "output: JSON numbers");
	pass = !strcmp(json_object_get_string(member(root, "comm")),
		       "a\"b\\c\nd\x01") &&
	       strstr(json, "\\u0001");
	ok(pass, "output: JSON strings escaped by json-c");
	pass = !strcmp(json_object_get_string(member(root, "bytes")),
		       "\xef\xbf\xbd");
	ok(pass, "output: invalid UTF-8 replaced in JSON");
	pass = !member(root, "none") && strstr(json, "\"none\":null") &&
	       json_object_get_boolean(member(root, "flag"));
	ok(pass, "output: JSON null and boolean");
	list = member(root, "list");
	pass = json_object_array_length(list) == 2 &&
	       json_object_get_int(json_object_array_get_idx(list, 1)) == 2 &&
	       json_object_object_length(member(root, "obj")) == 0;
	ok(pass, "output: nested JSON array and object");
	ok(!strstr(json, "text-only"), "output: text-only calls stay out");
	json_object_put(root);
}

static void test_output(void)
{
	char *json = capture(true, false, some_output);
	char *text = capture(false, false, some_output);
	char *pretty = capture(true, true, some_output);
	pid_t child;
	int status;

	check_json(json);
	ok(!strcmp(text, expect_text),
	   "output: text from the same print calls");
	ok(strstr(pretty, "\n  \"pid\": 42,\n"), "output: --pretty indents");
	fflush(stdout);
	child = fork();
	if (!child) {
		/* The abort message is expected; keep it out of the TAP. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(1);
		free(capture(true, false, bad_format));
		_exit(0);
	}
	waitpid(child, &status, 0);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
	   "output: a format that does not fit the value aborts");
	free(json);
	free(text);
	free(pretty);
}

static void test_source(void)
{
	bool pass;
	char dir[4096];
	struct src_events *evs;
	struct pt_event ev;
	struct pt_tree t;
	unsigned int n = 0;
	enum src_ev_status st;

	snprintf(dir, sizeof(dir), "%s/basic", fixdir);
	setenv(PT_ENV_PROC_DIR, dir, 1);
	ok(!src_read_tree(&t) && t.n == 18, "source: reads the tree file");
	pt_tree_free(&t);
	ok(!src_events_open(&evs), "source: opens the events file");
	while ((st = src_events_next(evs, &ev)) == SRC_EV_RECORD)
		n++;
	ok(st == SRC_EV_EOF && n == 14, "source: 14 records, then EOF (%u)", n);
	src_events_close(evs);

	setenv(PT_ENV_PROC_DIR, "/nonexistent/proctrace", 1);
	pass = src_read_stats(&(struct pt_stats){ 0 }) == -ENOENT &&
	       strstr(err_get(), "not found");
	ok(pass, "source: a missing directory is ENOENT");
	unsetenv(PT_ENV_PROC_DIR);
	if (access("/proc/proctrace", F_OK)) {
		pass = src_read_stats(&(struct pt_stats){ 0 }) == -ENOENT &&
		       !strcmp(err_get(),
			       "/proc/proctrace not found: proctrace is not loaded; load the module (sudo insmod proctrace.ko, or sudo modprobe proctrace) or, where modules cannot load, the BPF backend (sudo proctrace bpf load)");
		ok(pass, "source: module not loaded says how to load it");
	} else {
		ok(true, "source: module not loaded # SKIP module loaded");
	}
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
		return 2;
	}
	fixdir = argv[1];
	printf("TAP version 13\n");
	test_tree();
	test_tasks();
	test_stats();
	test_kthreads();
	test_zombies();
	test_orphans();
	test_events();
	test_headers();
	test_bad_input();
	test_bad_events();
	test_exit();
	test_util();
	test_output();
	test_source();
	printf("1..%d\n", ntests);
	return nfailed ? 1 : 0;
}
