// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace watch: the event stream as forkstat-like lines, or one JSON
 * object per record.
 */
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "main.h"
#include "output.h"
#include "source.h"
#include "util.h"

enum {
	OPT_PID = OPT_FIRST_CMD_OPT,
	OPT_PPID,
	OPT_COMM,
	OPT_TYPE,
};

struct intset {
	int *v;
	size_t n;
};

struct watch {
	struct intset pids;
	struct intset ppids;
	struct strlist comms;
	unsigned int types;
	unsigned long long count;
	/* Children forked by a --ppid parent: their execs carry no ppid. */
	struct intset followed;
	/* CLOCK_REALTIME - CLOCK_BOOTTIME, to show wall-clock times. */
	long long wall_offset;
	unsigned long long shown;
	unsigned long long lost;
};

static const char columns[] =
	"TIME         EVENT     PID    PPID INFO                             COMM";

void help_watch(FILE *fp)
{
	fputs("Usage: proctrace watch [OPTIONS]\n"
	      "\n"
	      "Print process lifecycle events as they happen: fork (processes and\n"
	      "threads), exec, exit (with how it ended and how long the task ran)\n"
	      "and reap. Records the reader lost because it fell behind are\n"
	      "reported with their count. Needs CAP_SYS_ADMIN or CAP_PERFMON.\n"
	      "\n"
	      "Options:\n"
	      "      --pid=PID        only records about this pid or thread group\n"
	      "      --ppid=PID       only records about children of PID (exec and\n"
	      "                       reap records match when the fork was seen)\n"
	      "      --comm=PATTERN   only tasks whose name matches the glob PATTERN\n"
	      "      --type=TYPE      only fork, exec, exit or reap records\n"
	      "  -n, --count=N        stop after N records\n"
	      "Filter options may be repeated or take comma-separated lists; a\n"
	      "record must match every filter given. Lost-record reports are\n"
	      "always shown.\n"
	      "\n" COMMON_HELP,
	      fp);
}

static void intset_add(struct intset *s, int v)
{
	s->v = xrealloc(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = v;
}

static bool intset_has(const struct intset *s, int v)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i] == v)
			return true;
	return false;
}

static void intset_del(struct intset *s, int v)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (s->v[i] == v) {
			s->v[i] = s->v[--s->n];
			return;
		}
	}
}

static void parse_pids(struct intset *s, const char *arg, bool zero_ok)
{
	struct strlist l = { 0 };
	size_t i;
	int pid;

	strlist_add_csv(&l, arg);
	if (!l.n)
		usage_error("empty pid list");
	for (i = 0; i < l.n; i++) {
		if (parse_int(l.v[i], &pid) || (!pid && !zero_ok))
			usage_error("invalid pid '%s'", l.v[i]);
		intset_add(s, pid);
	}
	strlist_free(&l);
}

static void parse_types(struct watch *w, const char *arg)
{
	struct strlist l = { 0 };
	unsigned int t;
	size_t i;

	strlist_add_csv(&l, arg);
	if (!l.n)
		usage_error("empty type list");
	for (i = 0; i < l.n; i++) {
		for (t = 0; t < PT_EV_LOST; t++)
			if (!strcmp(l.v[i], pt_ev_type_names[t]))
				break;
		if (t == PT_EV_LOST)
			usage_error("unknown event type '%s'", l.v[i]);
		w->types |= 1U << t;
	}
	strlist_free(&l);
}

static bool comm_matches(const struct strlist *pats, const char *comm)
{
	size_t i;

	for (i = 0; i < pats->n; i++)
		if (!fnmatch(pats->v[i], comm, 0))
			return true;
	return false;
}

static bool matches(struct watch *w, const struct pt_event *ev)
{
	bool ppid_ok;

	/* Learn before filtering, so later execs of the child match. */
	if (w->ppids.n && ev->type == PT_EV_FORK &&
	    ev->kind != PT_FORK_THREAD && intset_has(&w->ppids, ev->ppid))
		intset_add(&w->followed, ev->tgid);
	ppid_ok = !w->ppids.n ||
		  (ev->has_ppid ? intset_has(&w->ppids, ev->ppid) :
				  intset_has(&w->followed, ev->tgid));
	if (ev->type == PT_EV_REAP && ev->pid == ev->tgid)
		intset_del(&w->followed, ev->tgid);

	if (ev->type == PT_EV_LOST)
		return true;
	if (w->types && !(w->types & (1U << ev->type)))
		return false;
	if (w->pids.n && !intset_has(&w->pids, ev->pid) &&
	    !intset_has(&w->pids, ev->tgid))
		return false;
	if (!ppid_ok)
		return false;
	return !w->comms.n || comm_matches(&w->comms, ev->comm);
}

static void print_time(const struct watch *w, unsigned long long ts_ns)
{
	long long wall = (long long)ts_ns + w->wall_offset;
	unsigned long long frac =
		(unsigned long long)(wall % (long long)NSEC_PER_SEC);
	time_t secs = (time_t)(wall / (long long)NSEC_PER_SEC);
	char hms[16] = "??:??:??", date[32] = "", tz[8] = "", iso[96];
	struct tm tm;

	if (wall >= 0 && localtime_r(&secs, &tm)) {
		strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
		strftime(tz, sizeof(tz), "%z", &tm);
	}
	print_u64(PRINT_JSON, "ts_ns", NULL, ts_ns);
	print_text(OUT_NONE, "%s.%03llu ", hms, frac / NSEC_PER_MSEC);
	if (!date[0] || strlen(tz) != 5)
		return;
	/* ISO 8601 wants the offset as +hh:mm. */
	snprintf(iso, sizeof(iso), "%s.%09llu%.3s:%s", date, frac, tz, tz + 3);
	print_string(PRINT_JSON, "time", NULL, iso);
}

static void print_info(const struct pt_event *ev)
{
	char info[PROCTRACE_FILENAME_MAX * 4 + 64], dur[32], ex[64];

	switch (ev->type) {
	case PT_EV_FORK:
		if (ev->kind == PT_FORK_THREAD)
			snprintf(info, sizeof(info), "thread of %d", ev->tgid);
		else
			snprintf(info, sizeof(info), "%s",
				 pt_fork_kind_names[ev->kind]);
		if (ev->kernel_origin)
			strcat(info, " (kernel)");
		break;
	case PT_EV_EXEC:
		text_escape(ev->file, info, sizeof(info));
		if (ev->old_pid != ev->pid) {
			snprintf(dur, sizeof(dur), " (was %d)", ev->old_pid);
			strcat(info, dur);
		}
		break;
	case PT_EV_EXIT:
		fmt_duration(ev->runtime_ns, dur, sizeof(dur));
		pt_exit_format(&ev->exit, ex, sizeof(ex));
		snprintf(info, sizeof(info), "%s%s after %s",
			 ev->group_dead ? "" : "thread ", ex, dur);
		break;
	default:
		info[0] = '\0';
		break;
	}
	print_text(OUT_NONE, "%-32s ", info);
}

static void print_fields_json(const struct pt_event *ev)
{
	switch (ev->type) {
	case PT_EV_FORK:
		print_string(PRINT_JSON, "kind", NULL,
			     pt_fork_kind_names[ev->kind]);
		print_string(PRINT_JSON, "origin", NULL,
			     ev->kernel_origin ? "kernel" : "user");
		break;
	case PT_EV_EXEC:
		print_int(PRINT_JSON, "old_pid", NULL, ev->old_pid);
		print_string(PRINT_JSON, "file", NULL, ev->file);
		break;
	case PT_EV_EXIT:
		print_exit(PRINT_JSON, "exit", NULL, &ev->exit);
		print_bool(PRINT_JSON, "group_dead", NULL, ev->group_dead);
		print_u64(PRINT_JSON, "runtime_ns", NULL, ev->runtime_ns);
		break;
	default:
		break;
	}
}

static void print_event(struct watch *w, const struct pt_event *ev)
{
	static const enum out_color colors[PT_EV_NTYPES] = {
		[PT_EV_FORK] = OUT_GREEN,   [PT_EV_EXEC] = OUT_CYAN,
		[PT_EV_EXIT] = OUT_MAGENTA, [PT_EV_REAP] = OUT_DIM,
		[PT_EV_LOST] = OUT_ALERT,
	};

	out_begin(false);
	print_u64(PRINT_JSON, "seq", NULL, ev->seq);
	print_time(w, ev->ts_ns);
	if (ev->type == PT_EV_LOST) {
		print_string(PRINT_JSON, "type", NULL, "lost");
		print_color_u64(PRINT_ANY, OUT_ALERT, "count",
				"LOST  %llu records", ev->lost);
		print_text(OUT_ALERT, ": this reader fell behind\n");
		out_end();
		return;
	}
	print_color_string(PRINT_ANY, colors[ev->type], "type", "%-5s ",
			   pt_ev_type_names[ev->type]);
	print_int(PRINT_ANY, "pid", "%7d ", ev->pid);
	print_int(PRINT_JSON, "tgid", NULL, ev->tgid);
	print_u64(PRINT_JSON, "start_ns", NULL, ev->start_ns);
	if (ev->has_ppid)
		print_int(PRINT_ANY, "ppid", "%7d ", ev->ppid);
	else
		print_text(OUT_NONE, "%7s ", "-");
	print_info(ev);
	print_fields_json(ev);
	print_comm(PRINT_ANY, OUT_NONE, "comm", "%s\n", ev->comm);
	out_end();
}

/* SIGINT and SIGTERM end the watch cleanly, through poll(). */
static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Handle what the stream has next: 1 to go on, 0 to stop, -1 on error. */
static int step(struct watch *w, struct src_events *evs, struct pollfd *fds)
{
	struct pt_event ev;

	switch (src_events_next(evs, &ev)) {
	case SRC_EV_RECORD:
		if (!matches(w, &ev))
			return 1;
		print_event(w, &ev);
		fflush(stdout);
		if (ev.type == PT_EV_LOST)
			w->lost += ev.lost;
		else
			w->shown++;
		return 1;
	case SRC_EV_SKIPPED:
		fprintf(stderr, "proctrace: warning: skipped a record: %s\n",
			err_get());
		return 1;
	case SRC_EV_AGAIN:
		/* A signal ends the watch; records wake us up. */
		return poll(fds, 2, -1) > 0 && fds[1].revents ? 0 : 1;
	case SRC_EV_EOF:
		return 0;
	default:
		return -1;
	}
}

static int run(struct watch *w, struct src_events *evs)
{
	struct pollfd fds[2] = {
		{ .fd = src_events_fd(evs), .events = POLLIN },
		{ .fd = signal_fd(), .events = POLLIN },
	};
	int r;

	print_text(OUT_DIM, "%s\n", columns);
	fflush(stdout);
	do {
		r = step(w, evs, fds);
	} while (r > 0 && (!w->count || w->shown < w->count));
	if (fds[1].fd >= 0)
		close(fds[1].fd);
	return r < 0 ? runtime_error() : EXIT_OK;
}

int do_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "ppid", required_argument, NULL, OPT_PPID },
		{ "comm", required_argument, NULL, OPT_COMM },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "count", required_argument, NULL, 'n' },
		{ 0 }
	};
	struct watch w = { 0 };
	struct src_events *evs;
	int c, ret;

	while ((c = sub_getopt(argc, argv, "n:", opts)) != -1) {
		switch (c) {
		case OPT_PID:
			parse_pids(&w.pids, optarg, false);
			break;
		case OPT_PPID:
			parse_pids(&w.ppids, optarg, true);
			break;
		case OPT_COMM:
			strlist_add_csv(&w.comms, optarg);
			break;
		case OPT_TYPE:
			parse_types(&w, optarg);
			break;
		case 'n':
			w.count = opt_positive("count", optarg);
			break;
		}
	}
	no_more_args(argc, argv);
	output_setup();
	if (src_events_open(&evs))
		return runtime_error();
	w.wall_offset =
		(long long)now_realtime_ns() - (long long)now_boottime_ns();
	ret = run(&w, evs);
	src_events_close(evs);
	if (w.lost)
		fprintf(stderr, "proctrace: %llu event records were lost\n",
			w.lost);
	free(w.pids.v);
	free(w.ppids.v);
	free(w.followed.v);
	strlist_free(&w.comms);
	return ret;
}
