// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace top: a live view of process churn. Fork, exec and exit rates
 * come from the stats counters between two refreshes; the top forkers
 * from the fork records of the event stream; zombies, orphans and the
 * state histogram from the snapshot views.
 *
 * The panes are printed with the output layer, so batch mode (text or
 * JSON) and the curses screen show the same thing: on screen, a sink puts
 * the text into the curses window instead of stdout.
 */
#include <curses.h>
#include <errno.h>
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

/* Rows of each pane in batch mode; on screen the height decides. */
#define BATCH_ROWS 20
/* Records handled per wakeup, so keys stay responsive under a storm. */
#define DRAIN_MAX 20000
#define KEY_ESC 27

enum sort_key {
	SORT_RATE,
	SORT_TOTAL,
	SORT_PID,
	SORT_COMM,
	SORT_NKEYS,
};

static const char *const sort_names[SORT_NKEYS] = {
	[SORT_RATE] = "rate",
	[SORT_TOTAL] = "total",
	[SORT_PID] = "pid",
	[SORT_COMM] = "comm",
};

/* A process seen forking, by pid. */
struct forker {
	int pid;
	char comm[PT_COMM_LEN];
	unsigned long long procs;
	unsigned long long threads;
	/* Forks since the last refresh, and in the interval before it. */
	unsigned long long pending;
	unsigned long long last;
};

struct top {
	unsigned long long delay_ns;
	unsigned long long iterations;
	bool batch;

	struct pt_stats prev;
	struct pt_stats cur;
	bool have_prev;
	unsigned long long prev_ns;
	unsigned long long cur_ns;
	char stats_err[512];
	struct pt_zombies zombies;
	char zombies_err[512];
	struct pt_orphans orphans;
	char orphans_err[512];

	struct src_events *evs;
	/* Why there are no forkers: no privilege, no stream, an error. */
	char ev_err[512];
	bool ev_done;
	unsigned long long ev_lost;
	/* Sorted by pid. */
	struct forker *forkers;
	size_t nforkers;

	enum sort_key sort;
	bool paused;
	bool help;
	bool prompting;
	char filter[PT_COMM_LEN * 4];
	char prompt[PT_COMM_LEN * 4];
	unsigned long long iteration;
};

void help_top(FILE *fp)
{
	fputs("Usage: proctrace top [OPTIONS]\n"
	      "\n"
	      "A full-screen live view: fork, exec and exit rates, the processes\n"
	      "that fork most, zombies with their ages and the parents that do not\n"
	      "reap them, recent orphans, and how many tasks are in each state.\n"
	      "The top forkers need the event stream, which needs CAP_SYS_ADMIN or\n"
	      "CAP_PERFMON; without it the rest still works.\n"
	      "\n"
	      "Options:\n"
	      "  -d, --delay=SECS     time between refreshes (default 2)\n"
	      "  -b, --batch          plain text to stdout, no screen handling (with\n"
	      "                       -j, one JSON object per refresh)\n"
	      "  -n, --iterations=N   stop after N refreshes\n"
	      "\n"
	      "Keys:\n"
	      "  q  quit          p  pause or resume   s  cycle the forkers' sort\n"
	      "  /  filter by comm (substring; empty to clear)       h  help\n"
	      "\n" COMMON_HELP,
	      fp);
}

static bool filtered_out(const struct top *t, const char *comm)
{
	return t->filter[0] && !strstr(comm, t->filter);
}

static struct forker *forker_get(struct top *t, int pid)
{
	size_t lo = 0, hi = t->nforkers;
	struct forker *f;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->forkers[mid].pid == pid)
			return &t->forkers[mid];
		if (t->forkers[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	t->forkers = xrealloc(t->forkers, t->nforkers + 1, sizeof(*t->forkers));
	memmove(&t->forkers[lo + 1], &t->forkers[lo],
		(t->nforkers - lo) * sizeof(*t->forkers));
	t->nforkers++;
	f = &t->forkers[lo];
	memset(f, 0, sizeof(*f));
	f->pid = pid;
	return f;
}

static void count_fork(struct top *t, const struct pt_event *ev)
{
	/* A new thread's parent is its creator's parent: count the group. */
	bool thread = ev->kind == PT_FORK_THREAD;
	struct forker *f = forker_get(t, thread ? ev->tgid : ev->ppid);

	/* At fork, the child still carries its parent's name. */
	memcpy(f->comm, ev->comm, sizeof(f->comm));
	if (thread)
		f->threads++;
	else
		f->procs++;
	f->pending++;
}

static void drain_events(struct top *t)
{
	struct pt_event ev;
	unsigned int n;

	for (n = 0; t->evs && !t->ev_done && n < DRAIN_MAX; n++) {
		switch (src_events_next(t->evs, &ev)) {
		case SRC_EV_RECORD:
			if (ev.type == PT_EV_FORK)
				count_fork(t, &ev);
			else if (ev.type == PT_EV_LOST)
				t->ev_lost += ev.lost;
			break;
		case SRC_EV_SKIPPED:
			break;
		case SRC_EV_AGAIN:
			return;
		case SRC_EV_EOF:
			t->ev_done = true;
			return;
		case SRC_EV_ERROR:
			snprintf(t->ev_err, sizeof(t->ev_err), "%s", err_get());
			t->ev_done = true;
			return;
		}
	}
}

static void open_events(struct top *t)
{
	if (src_events_open(&t->evs)) {
		snprintf(t->ev_err, sizeof(t->ev_err), "%s", err_get());
		t->evs = NULL;
	}
}

/* Take a new sample of every view. */
static void refresh_data(struct top *t)
{
	size_t i;

	drain_events(t);
	for (i = 0; i < t->nforkers; i++) {
		t->forkers[i].last = t->forkers[i].pending;
		t->forkers[i].pending = 0;
	}
	t->prev = t->cur;
	t->prev_ns = t->cur_ns;
	t->have_prev = t->cur_ns != 0 && !t->stats_err[0];
	t->cur_ns = now_boottime_ns();
	t->stats_err[0] = '\0';
	if (src_read_stats(&t->cur)) {
		snprintf(t->stats_err, sizeof(t->stats_err), "%s", err_get());
		t->have_prev = false;
	}
	pt_zombies_free(&t->zombies);
	t->zombies_err[0] = '\0';
	if (src_read_zombies(&t->zombies))
		snprintf(t->zombies_err, sizeof(t->zombies_err), "%s",
			 err_get());
	pt_orphans_free(&t->orphans);
	t->orphans_err[0] = '\0';
	if (src_read_orphans(&t->orphans))
		snprintf(t->orphans_err, sizeof(t->orphans_err), "%s",
			 err_get());
	t->iteration++;
}

static void print_error(const char *key, const char *msg)
{
	print_string(PRINT_JSON, key, NULL, msg);
	print_text(OUT_ALERT, "  %s\n", msg);
}

static void pane_title(const char *title, const char *columns)
{
	print_nl();
	print_text(OUT_BOLD, "%s\n", title);
	if (columns)
		print_text(OUT_DIM, "%s\n", columns);
}

static void print_header(const struct top *t)
{
	char when[32] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	print_text(OUT_BOLD, "proctrace top - %s", when);
	print_u64(PRINT_JSON, "iteration", NULL, t->iteration);
	print_u64(PRINT_JSON, "time_ns", NULL, t->cur_ns);
	print_float(PRINT_ANY, "delay_s", ", refresh %.1fs",
		    (double)t->delay_ns / NSEC_PER_SEC);
	print_string(PRINT_ANY, "sort", ", sort %s", sort_names[t->sort]);
	if (t->filter[0])
		print_string(PRINT_ANY, "filter", ", filter \"%s\"", t->filter);
	else
		print_null(PRINT_JSON, "filter", NULL, NULL);
	if (t->paused)
		print_text(OUT_ALERT, "  PAUSED");
	print_nl();
}

static double rate(const struct top *t, unsigned long long a,
		   unsigned long long b)
{
	double secs = (double)(t->cur_ns - t->prev_ns) / NSEC_PER_SEC;

	return secs > 0 && a >= b ? (double)(a - b) / secs : 0;
}

static void print_summary(const struct top *t)
{
	const struct pt_stats *s = &t->cur;

	if (t->stats_err[0]) {
		print_null(PRINT_JSON, "tasks", NULL, NULL);
		print_null(PRINT_JSON, "rates", NULL, NULL);
		print_error("stats_error", t->stats_err);
		return;
	}
	open_json_object("tasks");
	print_u64(PRINT_ANY, "processes", "tasks: %llu processes, ",
		  s->processes);
	print_u64(PRINT_ANY, "threads", "%llu threads, ", s->threads);
	print_u64(PRINT_ANY, "kthreads", "%llu kernel threads, ", s->kthreads);
	print_color_u64(PRINT_ANY, s->zombies ? OUT_RED : OUT_NONE, "zombies",
			"%llu zombies, ", s->zombies);
	print_color_u64(PRINT_ANY, s->orphans ? OUT_YELLOW : OUT_NONE,
			"orphans", "%llu orphans\n", s->orphans);
	close_json_object();
	if (!t->have_prev) {
		print_null(PRINT_JSON, "rates", NULL, NULL);
		print_text(OUT_NONE, "rates: measuring...\n");
		return;
	}
	open_json_object("rates");
	print_float(PRINT_ANY, "forks", "rates: %.1f forks/s, ",
		    rate(t, s->forks, t->prev.forks));
	print_float(PRINT_ANY, "execs", "%.1f execs/s, ",
		    rate(t, s->execs, t->prev.execs));
	print_float(PRINT_ANY, "exits", "%.1f exits/s, ",
		    rate(t, s->exits, t->prev.exits));
	print_float(PRINT_ANY, "reaps", "%.1f reaps/s\n",
		    rate(t, s->reaps, t->prev.reaps));
	close_json_object();
}

static void print_states(const struct top *t)
{
	unsigned long long max = 0;
	char bar[41];
	unsigned int i;

	if (t->stats_err[0]) {
		print_null(PRINT_JSON, "states", NULL, NULL);
		return;
	}
	for (i = 0; i < PT_NSTATES; i++)
		if (t->cur.state[i] > max)
			max = t->cur.state[i];
	pane_title("TASK STATES", NULL);
	open_json_object("states");
	for (i = 0; i < PT_NSTATES; i++) {
		char key[2] = { PROCTRACE_STATE_LETTERS[i], '\0' };
		unsigned long long n = t->cur.state[i];
		size_t len = max ? (size_t)((n * 40 + max - 1) / max) : 0;

		/* Every state in JSON; on screen only those with tasks. */
		if (!n) {
			print_u64(PRINT_JSON, key, NULL, n);
			continue;
		}
		memset(bar, '#', len);
		bar[len] = '\0';
		print_text(OUT_NONE, "%s %-13s", key, pt_state_name(key[0]));
		print_u64(PRINT_ANY, key, "%8llu ", n);
		print_text(key[0] == 'Z' ? OUT_RED :
			   key[0] == 'D' ? OUT_YELLOW :
					   OUT_GREEN,
			   "%s\n", bar);
	}
	close_json_object();
}

/* Lost records mean the forker counts are low: say so on every screen. */
static void print_lost(const struct top *t)
{
	print_u64(PRINT_JSON, "events_lost", NULL, t->ev_lost);
	if (t->ev_lost)
		print_text(OUT_ALERT,
			   "LOST %llu records: forker counts are low\n",
			   t->ev_lost);
}

static int cmp_forkers(const struct forker *a, const struct forker *b,
		       enum sort_key key)
{
	unsigned long long ta = a->procs + a->threads;
	unsigned long long tb = b->procs + b->threads;

	switch (key) {
	case SORT_RATE:
		if (a->last != b->last)
			return a->last > b->last ? -1 : 1;
		break;
	case SORT_TOTAL:
		break;
	case SORT_PID:
		return a->pid < b->pid ? -1 : 1;
	default:
		if (strcmp(a->comm, b->comm))
			return strcmp(a->comm, b->comm);
		return a->pid < b->pid ? -1 : 1;
	}
	if (ta != tb)
		return ta > tb ? -1 : 1;
	return a->pid < b->pid ? -1 : 1;
}

/* Insertion sort of an index: only the first rows are shown anyway. */
static size_t sorted_forkers(const struct top *t, size_t *idx)
{
	size_t n = 0, i, j;

	for (i = 0; i < t->nforkers; i++) {
		if (filtered_out(t, t->forkers[i].comm))
			continue;
		for (j = n;
		     j > 0 && cmp_forkers(&t->forkers[i],
					  &t->forkers[idx[j - 1]], t->sort) < 0;
		     j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
		n++;
	}
	return n;
}

static void print_forkers(const struct top *t, unsigned int rows)
{
	double secs = (double)(t->cur_ns - t->prev_ns) / NSEC_PER_SEC;
	size_t *idx, n, i;

	pane_title("TOP FORKERS (since start)",
		   "    PID   FORKS/S    TOTAL PROCESSES  THREADS COMM");
	if (!t->evs || t->ev_err[0]) {
		print_null(PRINT_JSON, "forkers", NULL, NULL);
		print_error("forkers_error",
			    t->ev_err[0] ? t->ev_err :
					   "the event stream is not open");
		return;
	}
	print_null(PRINT_JSON, "forkers_error", NULL, NULL);
	idx = xcalloc(t->nforkers, sizeof(*idx));
	n = sorted_forkers(t, idx);
	open_json_array("forkers");
	for (i = 0; i < n && i < rows; i++) {
		const struct forker *f = &t->forkers[idx[i]];

		open_json_object(NULL);
		print_int(PRINT_ANY, "pid", "%7d ", f->pid);
		print_float(PRINT_ANY, "rate", "%9.1f ",
			    secs > 0 && t->have_prev ? f->last / secs : 0);
		print_u64(PRINT_ANY, "total", "%8llu ", f->procs + f->threads);
		print_u64(PRINT_ANY, "processes", "%9llu ", f->procs);
		print_u64(PRINT_ANY, "threads", "%8llu ", f->threads);
		print_comm(PRINT_ANY, OUT_NONE, "comm", "%s\n", f->comm);
		close_json_object();
	}
	close_json_array();
	if (!n)
		print_text(OUT_DIM, "  no forks seen yet\n");
	free(idx);
}

static bool zparent_wanted(const struct top *t, const struct pt_zparent *zp)
{
	size_t i;

	if (!filtered_out(t, zp->comm))
		return true;
	for (i = 0; i < zp->n; i++)
		if (!filtered_out(t, t->zombies.v[zp->first + i].comm))
			return true;
	return false;
}

static void print_zombies(const struct top *t, unsigned int rows)
{
	unsigned int used = 0;
	size_t i, j;

	pane_title("ZOMBIES (by the parent that does not reap them)",
		   "    PID  ZOMBIES OLDEST     WAITED COMM");
	if (t->zombies_err[0]) {
		print_null(PRINT_JSON, "zombies", NULL, NULL);
		print_error("zombies_error", t->zombies_err);
		return;
	}
	open_json_array("zombies");
	for (i = 0; i < t->zombies.nparents && used < rows; i++) {
		const struct pt_zparent *zp = &t->zombies.parents[i];

		if (!zparent_wanted(t, zp))
			continue;
		open_json_object(NULL);
		print_int(PRINT_ANY, "pid", "%7d ", zp->pid);
		print_color_uint(PRINT_ANY, OUT_RED, "zombies", "%8u ",
				 zp->zombies);
		print_duration(PRINT_ANY, "oldest_ns", "%-10s ",
			       zp->oldest_known, zp->oldest_ns);
		print_bool(PRINT_ANY, "waited", "%-6s ", zp->waited);
		print_comm(PRINT_ANY, OUT_BOLD, "comm", "%s\n", zp->comm);
		used++;
		open_json_array("children");
		for (j = 0; j < zp->n && used < rows; j++, used++) {
			const struct pt_zombie *zb =
				&t->zombies.v[zp->first + j];

			open_json_object(NULL);
			print_int(PRINT_ANY, "pid", "      - %7d ", zb->pid);
			print_string(PRINT_ANY, "kind", "%-13s",
				     zb->thread_group ?
					     PROCTRACE_ZOMBIE_THREAD_GROUP :
					     PROCTRACE_ZOMBIE_UNREAPED);
			print_duration(PRINT_ANY, "age_ns", "age %-9s ",
				       zb->age_known, zb->age_ns);
			print_exit(PRINT_ANY, "exit", "%-17s ", &zb->exit);
			print_comm(PRINT_ANY, OUT_RED, "comm", "%s\n",
				   zb->comm);
			close_json_object();
		}
		close_json_array();
		close_json_object();
	}
	close_json_array();
	if (!used)
		print_text(OUT_DIM, "  no zombies\n");
}

/* Insert orphan i into idx[0..n], kept sorted newest first. */
static void insert_by_time(const struct pt_orphans *o, size_t *idx, size_t n,
			   size_t i)
{
	unsigned long long when = o->v[i].orphaned_ns;

	for (; n > 0 && o->v[idx[n - 1]].orphaned_ns < when; n--)
		idx[n] = idx[n - 1];
	idx[n] = i;
}

static void print_orphans(const struct top *t, unsigned int rows)
{
	const struct pt_orphans *o = &t->orphans;
	size_t *idx, n = 0, i;

	pane_title("RECENT ORPHANS",
		   "    PID ORIG_PPID  REAPER KIND       AGO        COMM");
	if (t->orphans_err[0]) {
		print_null(PRINT_JSON, "orphans", NULL, NULL);
		print_error("orphans_error", t->orphans_err);
		return;
	}
	/* Most recently orphaned first. */
	idx = xcalloc(o->n, sizeof(*idx));
	for (i = 0; i < o->n; i++)
		if (!filtered_out(t, o->v[i].comm))
			insert_by_time(o, idx, n++, i);
	open_json_array("orphans");
	for (i = 0; i < n && i < rows; i++) {
		const struct pt_orphan *op = &o->v[idx[i]];

		open_json_object(NULL);
		print_int(PRINT_ANY, "pid", "%7d ", op->pid);
		if (op->orig == PT_ORIG_KNOWN)
			print_int(PRINT_ANY, "orig_ppid", "%9d ",
				  op->orig_ppid);
		else
			print_null(PRINT_ANY, "orig_ppid", "%9s ",
				   op->orig == PT_ORIG_UNKNOWN ? "unknown" :
								 "-");
		print_int(PRINT_ANY, "reaper", "%7d ", op->reaper);
		print_string(PRINT_ANY, "reaper_kind", "%-10s ",
			     pt_reaper_kind_names[op->reaper_kind]);
		print_u64(PRINT_JSON, "orphaned_ns", NULL, op->orphaned_ns);
		print_duration(PRINT_ANY, "orphaned_ago_ns", "%-10s ",
			       t->cur_ns >= op->orphaned_ns,
			       t->cur_ns - op->orphaned_ns);
		print_comm(PRINT_ANY, OUT_YELLOW, "comm", "%s\n", op->comm);
		close_json_object();
	}
	close_json_array();
	if (!n)
		print_text(OUT_DIM, "  no orphans\n");
	free(idx);
}

/* Rows each list would fill if it had the room. */
static void list_needs(const struct top *t, unsigned int *need)
{
	size_t i;

	need[0] = 0;
	for (i = 0; i < t->nforkers; i++)
		need[0] += !filtered_out(t, t->forkers[i].comm);
	need[1] = 0;
	for (i = 0; i < t->zombies.nparents; i++)
		if (zparent_wanted(t, &t->zombies.parents[i]))
			need[1] += 1 + (unsigned int)t->zombies.parents[i].n;
	need[2] = 0;
	for (i = 0; i < t->orphans.n; i++)
		need[2] += !filtered_out(t, t->orphans.v[i].comm);
}

/* Everything, in rows lines: the lists share what the rest leaves. */
static void render(const struct top *t, unsigned int rows)
{
	unsigned int states = 0, i, lists, need[3], quota[3], left;

	for (i = 0; i < PT_NSTATES; i++)
		states += t->cur.state[i] != 0;
	/*
	 * Four lines of header, the state rows, and a blank line, a title
	 * and a column line for each list (two for the states).
	 */
	lists = rows > states + 15 + 3 ? rows - states - 15 : 3;
	list_needs(t, need);
	left = lists;
	/* A fair share each, then the unused part to whoever needs more. */
	for (i = 0; i < 3; i++) {
		quota[i] = need[i] < lists / 3 ? need[i] : lists / 3;
		left -= quota[i];
	}
	for (i = 0; i < 3; i++) {
		unsigned int more = need[i] - quota[i];

		more = more < left ? more : left;
		quota[i] += more;
		left -= more;
	}
	print_header(t);
	print_summary(t);
	print_lost(t);
	print_states(t);
	print_forkers(t, quota[0]);
	print_zombies(t, quota[1]);
	print_orphans(t, quota[2]);
}

/* Wait up to ns for the event stream, counting forks meanwhile. */
static bool wait_draining(struct top *t, unsigned long long ns, int sigfd)
{
	unsigned long long end = now_boottime_ns() + ns;

	for (;;) {
		unsigned long long now = now_boottime_ns();
		struct pollfd fds[2] = {
			{ .fd = t->evs && !t->ev_done ? src_events_fd(t->evs) :
							-1,
			  .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
		};

		drain_events(t);
		if (now >= end)
			return true;
		if (poll(fds, 2,
			 (int)((end - now + NSEC_PER_MSEC - 1) /
			       NSEC_PER_MSEC)) > 0 &&
		    fds[1].revents)
			return false;
	}
}

static int run_batch(struct top *t, int sigfd)
{
	unsigned long long n;

	/* A first sample, so that the first report has rates. */
	refresh_data(t);
	t->iteration = 0;
	for (n = 0; !t->iterations || n < t->iterations; n++) {
		if (!wait_draining(t, t->delay_ns, sigfd))
			break;
		refresh_data(t);
		if (n && !out_is_json())
			print_nl();
		out_begin(false);
		render(t, 3 * BATCH_ROWS + 20);
		out_end();
		fflush(stdout);
	}
	return EXIT_OK;
}

/* Curses text sink: clip at the right edge, keep the last line free. */
static void curses_sink(const char *s, enum out_color c, void *arg)
{
	static const attr_t attrs[OUT_NCOLORS] = {
		[OUT_NONE] = A_NORMAL,
		[OUT_DIM] = A_DIM,
		[OUT_BOLD] = A_BOLD,
	};
	attr_t attr = attrs[c];
	int y, x, maxy, maxx;

	(void)arg;
	if (has_colors() && c != OUT_NONE && c != OUT_DIM && c != OUT_BOLD)
		attr = COLOR_PAIR(c) | (c == OUT_ALERT ? A_BOLD : 0);
	getmaxyx(stdscr, maxy, maxx);
	while (*s) {
		size_t len = strcspn(s, "\n");

		getyx(stdscr, y, x);
		if (y < maxy - 1 && x < maxx) {
			attron(attr);
			addnstr(s, (int)(len < (size_t)(maxx - x) ?
						 len :
						 (size_t)(maxx - x)));
			attroff(attr);
		}
		s += len;
		if (*s == '\n') {
			s++;
			if (y + 1 < maxy)
				move(y + 1, 0);
		}
	}
}

static void draw_help(void)
{
	static const char *const lines[] = {
		"proctrace top keys",
		"",
		"  q       quit",
		"  p       pause or resume the refresh",
		"  s       sort the forkers by rate, total, pid, comm",
		"  /       filter by comm (substring); an empty filter clears it",
		"  h, ?    this help",
		"",
		"Rates come from the module's counters between refreshes; the",
		"forkers from the event stream (CAP_SYS_ADMIN or CAP_PERFMON).",
		"",
		"Press any key to return.",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lines); i++)
		mvaddstr(2 + (int)i, 4, lines[i]);
}

static void draw(const struct top *t)
{
	erase();
	move(0, 0);
	if (t->help)
		draw_help();
	else
		render(t, LINES > 2 ? (unsigned int)LINES - 2 : 1);
	attron(A_REVERSE);
	if (t->prompting)
		mvprintw(LINES - 1, 0, "filter comm: %s", t->prompt);
	else
		mvaddstr(LINES - 1, 0,
			 " q quit  p pause  s sort  / filter  h help ");
	attroff(A_REVERSE);
	clrtoeol();
	refresh();
}

/* A key while the filter prompt is open. */
static void prompt_key(struct top *t, int ch)
{
	size_t len = strlen(t->prompt);

	if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		memcpy(t->filter, t->prompt, sizeof(t->filter));
		t->prompting = false;
	} else if (ch == KEY_ESC) {
		t->prompting = false;
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (len)
			t->prompt[len - 1] = '\0';
	} else if (ch >= ' ' && ch < 127 && len + 1 < sizeof(t->prompt)) {
		t->prompt[len] = (char)ch;
		t->prompt[len + 1] = '\0';
	}
}

/* Returns false to quit. */
static bool key(struct top *t, int ch)
{
	if (t->prompting) {
		prompt_key(t, ch);
		return true;
	}
	if (t->help) {
		t->help = false;
		return true;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		return false;
	case 'p':
	case ' ':
		t->paused = !t->paused;
		break;
	case 's':
		t->sort = (t->sort + 1) % SORT_NKEYS;
		break;
	case '/':
		t->prompting = true;
		memcpy(t->prompt, t->filter, sizeof(t->prompt));
		break;
	case 'h':
	case '?':
		t->help = true;
		break;
	default:
		break;
	}
	return true;
}

static void init_colors(void)
{
	static const short fg[OUT_NCOLORS] = {
		[OUT_RED] = COLOR_RED,	       [OUT_GREEN] = COLOR_GREEN,
		[OUT_YELLOW] = COLOR_YELLOW,   [OUT_BLUE] = COLOR_BLUE,
		[OUT_MAGENTA] = COLOR_MAGENTA, [OUT_CYAN] = COLOR_CYAN,
		[OUT_ALERT] = COLOR_RED,
	};
	short i;

	if (!has_colors() || gopts.no_color ||
	    (getenv("NO_COLOR") && *getenv("NO_COLOR")))
		return;
	start_color();
	use_default_colors();
	for (i = 1; i < OUT_NCOLORS; i++)
		if (fg[i])
			init_pair(i, fg[i], -1);
}

static int run_screen(struct top *t, int sigfd)
{
	unsigned long long next;
	SCREEN *scr;
	bool run = true;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		pt_err("top needs a terminal; use -b for batch mode");
		return runtime_error();
	}
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		pt_err("top cannot drive the terminal '%s'; use -b for batch mode",
		       getenv("TERM") ? getenv("TERM") : "");
		return runtime_error();
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	init_colors();
	out_set_sink(curses_sink, t);

	refresh_data(t);
	next = now_boottime_ns() + t->delay_ns;
	draw(t);
	while (run) {
		unsigned long long now = now_boottime_ns();
		struct pollfd fds[3] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = t->evs && !t->ev_done ? src_events_fd(t->evs) :
							-1,
			  .events = POLLIN },
		};
		int ch, timeout =
				now >= next ?
					0 :
					(int)((next - now) / NSEC_PER_MSEC) + 1;
		bool redraw = false;

		if (poll(fds, 3, timeout) > 0 && fds[1].revents)
			break;
		drain_events(t);
		while (run && (ch = getch()) != ERR) {
			run = ch == KEY_RESIZE || key(t, ch);
			redraw = true;
		}
		if (now_boottime_ns() >= next) {
			if (!t->paused) {
				refresh_data(t);
				if (t->iterations &&
				    t->iteration > t->iterations)
					break;
			}
			next = now_boottime_ns() + t->delay_ns;
			redraw = true;
		}
		if (run && redraw)
			draw(t);
	}
	out_set_sink(NULL, NULL);
	endwin();
	delscreen(scr);
	return EXIT_OK;
}

static unsigned long long opt_delay(const char *arg)
{
	unsigned long long ns;

	if (parse_seconds(arg, &ns))
		usage_error("invalid delay '%s': expected seconds", arg);
	return ns;
}

int do_top(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'n' },
		{ 0 }
	};
	struct top t = { .delay_ns = 2 * NSEC_PER_SEC };
	sigset_t set;
	int c, sigfd, ret;

	while ((c = sub_getopt(argc, argv, "d:bn:", opts)) != -1) {
		switch (c) {
		case 'd':
			t.delay_ns = opt_delay(optarg);
			break;
		case 'b':
			t.batch = true;
			break;
		case 'n':
			t.iterations = opt_positive("iterations", optarg);
			break;
		}
	}
	no_more_args(argc, argv);
	output_setup();
	/* JSON has no screen: it is batch output. */
	if (out_is_json())
		t.batch = true;
	if (!t.batch && t.delay_ns < NSEC_PER_SEC / 10)
		t.delay_ns = NSEC_PER_SEC / 10;

	/* Without the views there is nothing to show: fail before starting. */
	if (src_read_stats(&t.cur))
		return runtime_error();
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	open_events(&t);
	ret = t.batch ? run_batch(&t, sigfd) : run_screen(&t, sigfd);
	src_events_close(t.evs);
	pt_zombies_free(&t.zombies);
	pt_orphans_free(&t.orphans);
	free(t.forkers);
	if (sigfd >= 0)
		close(sigfd);
	return ret;
}
