// SPDX-License-Identifier: GPL-2.0-only
/*
 * proctrace bpf load|unload|status: the BPF backend's lifetime.
 *
 * "load" opens the programs of src/bpf/proctrace.bpf.c (embedded as a
 * libbpf skeleton), attaches the tracepoint programs, runs the load-time
 * scan, and pins the tracepoint links and the iterator files under
 * PROCTRACE_BPF_DIR; then it exits and the pins keep everything alive, as
 * a loaded module stays loaded. "unload" removes the pins, which drops
 * the last references. The directory is created first, so that two loads
 * at once cannot both succeed; a load that fails takes back every pin it
 * made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <linux/proctrace.h>

#include "main.h"
#include "output.h"
#include "util.h"
#include "proctrace.skel.h"

#define BPFFS "/sys/fs/bpf"
#define PROBES_DIR PROCTRACE_BPF_DIR "/probes"
#define MODULE_DIR "/proc/" PROCTRACE_PROC_DIR

/* What load pins, and so what unload removes and status checks. */
enum pin_kind { PIN_PROBE, PIN_FILE, PIN_MAP };

struct pin {
	const char *name;
	enum pin_kind kind;
	/* The program or map of src/bpf/proctrace.bpf.c it pins. */
	const char *obj;
};

static const struct pin pins[] = {
	{ "fork", PIN_PROBE, "pt_fork" },
	{ "exec", PIN_PROBE, "pt_exec" },
	{ "exit", PIN_PROBE, "pt_exit" },
	{ "free", PIN_PROBE, "pt_free" },
	{ "wait", PIN_PROBE, "pt_wait" },
	{ PROCTRACE_FILE_TASKS, PIN_FILE, "pt_tasks" },
	{ PROCTRACE_FILE_KTHREADS, PIN_FILE, "pt_kthreads" },
	{ PROCTRACE_FILE_ORPHANS, PIN_FILE, "pt_orphans" },
	{ PROCTRACE_FILE_STATS, PIN_FILE, "pt_stats" },
	{ PROCTRACE_BPF_LIFECYCLE, PIN_MAP, "pt_life" },
	{ PROCTRACE_BPF_EVENTS, PIN_MAP, "pt_events" },
	{ PROCTRACE_BPF_CONTROL, PIN_MAP, "pt_control" },
	{ PROCTRACE_BPF_COUNTERS, PIN_MAP, "pt_counters" },
};

static const char *const pin_kinds[] = {
	[PIN_PROBE] = "probe",
	[PIN_FILE] = "file",
	[PIN_MAP] = "map",
};

static unsigned long long max_tracked = 65536;
/* The event ring, KiB: a power of two, as BPF ring buffers must be. */
#define EVENTS_KB_DEFAULT 4096ULL
static unsigned long long events_kb = EVENTS_KB_DEFAULT;
static bool force;

void help_bpf(FILE *fp)
{
	fputs("Usage: proctrace bpf load [--max-tracked N] [--force]\n"
	      "       proctrace bpf unload\n"
	      "       proctrace bpf status\n"
	      "\n"
	      "The BPF backend, for kernels that cannot load proctrace.ko but have\n"
	      "BPF and BTF. load attaches its programs and pins them under\n"
	      "/sys/fs/bpf/proctrace, with the files tasks, kthreads, orphans and\n"
	      "stats in the module's formats, then exits: the programs run until\n"
	      "unload, which removes every pin. status checks every pin and shows\n"
	      "the counters. The other commands read the BPF backend when the\n"
	      "module is not loaded (or with --backend=bpf). Needs root.\n"
	      "\n"
	      "Options:\n"
	      "      --max-tracked N  (load) size of the lifecycle table: 1024 to\n"
	      "                       4194304, default 65536, as the module's\n"
	      "      --events-kb N    (load) size of the event ring in KiB: a power\n"
	      "                       of two from 64 to 1048576, default 4096\n"
	      "      --force          (load) load even though the module is loaded\n"
	      "\n" COMMON_HELP,
	      fp);
}

static int pin_path(char *buf, size_t len, const struct pin *p)
{
	int n = snprintf(buf, len, "%s/%s",
			 p->kind == PIN_PROBE ? PROBES_DIR : PROCTRACE_BPF_DIR,
			 p->name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int bpffs_mounted(void)
{
	struct statfs st;

	if (statfs(BPFFS, &st))
		return 0;
	return st.f_type == BPF_FS_MAGIC;
}

static int mount_bpffs(void)
{
	if (bpffs_mounted())
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
		pt_err("cannot mount bpffs on %s (%s): run as root, or mount it first: mount -t bpf none %s",
		       BPFFS, strerror(errno), BPFFS);
		return -1;
	}
	return 0;
}

static int no_btf(void)
{
	if (!access("/sys/kernel/btf/vmlinux", R_OK))
		return 0;
	pt_err("this kernel has no BTF (no /sys/kernel/btf/vmlinux: CONFIG_DEBUG_INFO_BTF is off), which the BPF backend needs; load the module instead: insmod proctrace.ko");
	return -1;
}

static int remove_dir(const char *dir, bool quiet)
{
	if (!rmdir(dir) || errno == ENOENT)
		return 0;
	if (quiet)
		return -1;
	if (errno == ENOTEMPTY)
		pt_err("cannot remove %s: it holds pins proctrace did not make: remove them by hand",
		       dir);
	else
		pt_err("cannot remove %s: %s", dir, strerror(errno));
	return -1;
}

/* Remove what load pinned; missing pins are fine. */
static int remove_pins(bool quiet)
{
	char path[256];
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(pins); i++) {
		if (pin_path(path, sizeof(path), &pins[i]))
			continue;
		if (unlink(path) && errno != ENOENT) {
			if (!ret && !quiet)
				pt_err("cannot remove %s: %s", path,
				       strerror(errno));
			ret = -1;
		}
	}
	/* The first failure is the one to report. */
	if (remove_dir(PROBES_DIR, quiet || ret))
		ret = -1;
	if (remove_dir(PROCTRACE_BPF_DIR, quiet || ret))
		ret = -1;
	return ret;
}

/* Run the load-time scan to its end. */
static int run_scan(struct proctrace_bpf *skel)
{
	struct bpf_link *link;
	char buf[4096];
	ssize_t n;
	int fd;

	link = bpf_program__attach_iter(skel->progs.pt_scan, NULL);
	if (!link) {
		pt_err("cannot attach the load-time scan: %s", strerror(errno));
		return -1;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		pt_err("cannot run the load-time scan: %s", strerror(errno));
		bpf_link__destroy(link);
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	bpf_link__destroy(link);
	if (n < 0) {
		pt_err("the load-time scan failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	const char *debug = getenv("PROCTRACE_BPF_DEBUG");

	/* 1: libbpf's warnings (the verifier's log); 2: everything. */
	if (!debug || (level == LIBBPF_DEBUG && strcmp(debug, "2")))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static const char *load_hint(int err)
{
	if ((err == EPERM || err == EACCES) && geteuid())
		return ": run as root (or with CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)";
	return "; PROCTRACE_BPF_DEBUG=1 shows libbpf's log";
}

static int pin_maps(struct proctrace_bpf *skel)
{
	char path[256];
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(pins); i++) {
		if (pins[i].kind != PIN_MAP)
			continue;
		pin_path(path, sizeof(path), &pins[i]);
		err = bpf_map__pin(bpf_object__find_map_by_name(skel->obj,
								pins[i].obj),
				   path);
		if (err) {
			pt_err("cannot pin %s: %s", path, strerror(-err));
			return -1;
		}
	}
	return 0;
}

/*
 * No records until a reader turns them on; then the consumer is woken
 * once a sixteenth of the ring, at most 64 KiB, is queued.
 */
static int set_control(struct proctrace_bpf *skel)
{
	struct proctrace_control ctl = { .readers = 0 };
	__u32 zero = 0;

	ctl.wakeup_bytes = events_kb * 1024 / 16;
	if (ctl.wakeup_bytes > 65536)
		ctl.wakeup_bytes = 65536;
	if (bpf_map__update_elem(skel->maps.pt_control, &zero, sizeof(zero),
				 &ctl, sizeof(ctl), BPF_ANY)) {
		pt_err("cannot set up the event stream: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Attach every program pinned as @kind (a probe or a file) and pin it. */
static int pin_links(struct proctrace_bpf *skel, enum pin_kind kind)
{
	struct bpf_program *prog;
	struct bpf_link *link;
	char path[256];
	unsigned int i;
	int err;

	for (i = 0; i < ARRAY_SIZE(pins); i++) {
		if (pins[i].kind != kind)
			continue;
		prog = bpf_object__find_program_by_name(skel->obj, pins[i].obj);
		link = kind == PIN_FILE ? bpf_program__attach_iter(prog, NULL) :
					  bpf_program__attach(prog);
		if (!link) {
			pt_err("cannot attach %s: %s%s", pins[i].name,
			       strerror(errno), load_hint(errno));
			return -1;
		}
		pin_path(path, sizeof(path), &pins[i]);
		err = bpf_link__pin(link, path);
		bpf_link__destroy(link);
		if (err) {
			pt_err("cannot pin %s: %s", path, strerror(-err));
			return -1;
		}
	}
	return 0;
}

static int bpf_load(void)
{
	struct proctrace_bpf *skel;
	int err, ncpus;

	if (!access(MODULE_DIR, F_OK) && !force) {
		pt_err("the proctrace module is loaded and serves %s, which the CLI uses; unload it (rmmod proctrace) or pass --force to run both",
		       MODULE_DIR);
		return -1;
	}
	if (no_btf() || mount_bpffs())
		return -1;
	if (mkdir(PROCTRACE_BPF_DIR, 0700)) {
		if (errno == EEXIST)
			pt_err("the BPF backend is already loaded (%s exists): see proctrace bpf status, or unload it first: proctrace bpf unload",
			       PROCTRACE_BPF_DIR);
		else
			pt_err("cannot create %s: %s%s", PROCTRACE_BPF_DIR,
			       strerror(errno), load_hint(errno));
		return -1;
	}
	if (mkdir(PROBES_DIR, 0700)) {
		pt_err("cannot create %s: %s", PROBES_DIR, strerror(errno));
		goto out_unpin;
	}

	libbpf_set_print(libbpf_quiet);
	skel = proctrace_bpf__open();
	if (!skel) {
		pt_err("cannot open the BPF programs: %s", strerror(errno));
		goto out_unpin;
	}
	ncpus = libbpf_num_possible_cpus();
	skel->rodata->pt_nr_cpus = ncpus > 0 ? ncpus : 1;
	skel->rodata->pt_table_size = max_tracked;
	bpf_map__set_max_entries(skel->maps.pt_life, max_tracked);
	bpf_map__set_max_entries(skel->maps.pt_events, events_kb * 1024);
	err = proctrace_bpf__load(skel);
	if (err) {
		pt_err("the kernel refused the BPF programs: %s%s",
		       strerror(-err), load_hint(-err));
		goto out_destroy;
	}

	/* Probes first, then the scan: no process slips between them. */
	if (pin_links(skel, PIN_PROBE) || run_scan(skel) || set_control(skel) ||
	    pin_maps(skel) || pin_links(skel, PIN_FILE))
		goto out_destroy;
	proctrace_bpf__destroy(skel);
	return 0;

out_destroy:
	proctrace_bpf__destroy(skel);
out_unpin:
	remove_pins(true);
	return -1;
}

/*
 * Whether the backend is loaded: 0 yes, -1 with a message: not loaded, or
 * the caller may not look (bpffs mounted 0700 hides it from non-root).
 */
static int check_loaded(const char *hint)
{
	if (!access(PROCTRACE_BPF_DIR, F_OK))
		return 0;
	if (errno == ENOENT)
		pt_err("the BPF backend is not loaded (no %s)%s",
		       PROCTRACE_BPF_DIR, hint);
	else
		pt_err("%s: %s%s", PROCTRACE_BPF_DIR, strerror(errno),
		       load_hint(errno));
	return -1;
}

static int bpf_unload(void)
{
	if (check_loaded(""))
		return -1;
	/* Refuse before removing anything: all of it goes, or none. */
	if (access(PROCTRACE_BPF_DIR, W_OK | X_OK) ||
	    access(PROBES_DIR, W_OK | X_OK)) {
		if (errno != ENOENT) {
			pt_err("cannot unload the BPF backend: %s: %s%s",
			       PROCTRACE_BPF_DIR, strerror(errno),
			       load_hint(errno));
			return -1;
		}
	}
	return remove_pins(false);
}

/* Each pin: present or not, and what it holds. */
static int bpf_status(void)
{
	unsigned int i, missing = 0;
	char path[256];
	FILE *fp;

	if (check_loaded(": load it with proctrace bpf load"))
		return -1;
	out_begin(false);
	print_string(PRINT_ANY, "backend", "backend: %s\n", "bpf");
	print_string(PRINT_ANY, "directory", "pinned under: %s\n",
		     PROCTRACE_BPF_DIR);
	open_json_array("pins");
	for (i = 0; i < ARRAY_SIZE(pins); i++) {
		struct bpf_link_info info = {};
		struct bpf_map_info minfo = {};
		__u32 len = sizeof(info), mlen = sizeof(minfo);
		const char *state = "ok";
		int fd, err;

		pin_path(path, sizeof(path), &pins[i]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			state = errno == ENOENT ? "missing" : strerror(errno);
			missing++;
		} else {
			err = pins[i].kind == PIN_MAP ?
				      bpf_map_get_info_by_fd(fd, &minfo,
							     &mlen) :
				      bpf_link_get_info_by_fd(fd, &info, &len);
			if (err) {
				state = "damaged";
				missing++;
			}
			close(fd);
		}
		open_json_object(NULL);
		print_string(PRINT_ANY, "name", "  %-11s", pins[i].name);
		print_string(PRINT_ANY, "kind", " %-6s",
			     pin_kinds[pins[i].kind]);
		print_string(PRINT_ANY, "state", " %s", state);
		if (!strcmp(state, "ok") && pins[i].kind == PIN_MAP)
			print_uint(PRINT_ANY, "map_id", " (map %u)", minfo.id);
		else if (!strcmp(state, "ok"))
			print_uint(PRINT_ANY, "link_id", " (link %u)", info.id);
		print_nl();
		close_json_object();
	}
	close_json_array();
	snprintf(path, sizeof(path), "%s/%s", PROCTRACE_BPF_DIR,
		 PROCTRACE_FILE_STATS);
	fp = fopen(path, "r");
	if (fp) {
		char line[256], key[64];
		unsigned long long v;

		print_text(OUT_NONE, "%s:\n", path);
		open_json_object("stats");
		while (fgets(line, sizeof(line), fp)) {
			if (line[0] == '#' ||
			    sscanf(line, "%63s %llu", key, &v) != 2)
				continue;
			print_text(OUT_NONE, "  %-14s ", key);
			print_u64(PRINT_ANY, key, "%llu", v);
			print_nl();
		}
		close_json_object();
		fclose(fp);
	}
	out_end();
	if (missing) {
		pt_err("%u pin(s) of the BPF backend are missing or damaged: run proctrace bpf unload, then proctrace bpf load",
		       missing);
		return -1;
	}
	return 0;
}

enum { OPT_MAX_TRACKED = OPT_FIRST_CMD_OPT, OPT_FORCE, OPT_EVENTS_KB };

static const struct option bpf_longopts[] = {
	{ "max-tracked", required_argument, NULL, OPT_MAX_TRACKED },
	{ "events-kb", required_argument, NULL, OPT_EVENTS_KB },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ 0 }
};

/* 64 KiB to 1 GiB, a power of two. */
static unsigned long long parse_events_kb(const char *arg)
{
	unsigned long long v = opt_positive("--events-kb", arg);

	if (v >= 64 && v <= 1048576 && !(v & (v - 1)))
		return v;
	usage_error("--events-kb: %s is not a power of two, 64 to 1048576",
		    arg);
}

static void check_load_opts(const char *verb)
{
	if (!strcmp(verb, "load") ||
	    (!force && max_tracked == 65536 && events_kb == EVENTS_KB_DEFAULT))
		return;
	usage_error("--max-tracked, --events-kb and --force go with load");
}

/* The module's max_tracked range. */
static unsigned long long parse_max_tracked(const char *arg)
{
	unsigned long long v = opt_positive("--max-tracked", arg);

	if (v < 1024 || v > 4194304)
		usage_error("--max-tracked: %s is not 1024 to 4194304", arg);
	return v;
}

int do_bpf(int argc, char **argv)
{
	const char *verb;
	int c, ret;

	while ((c = sub_getopt(argc, argv, "", bpf_longopts)) != -1) {
		switch (c) {
		case OPT_MAX_TRACKED:
			max_tracked = parse_max_tracked(optarg);
			break;
		case OPT_FORCE:
			force = true;
			break;
		case OPT_EVENTS_KB:
			events_kb = parse_events_kb(optarg);
			break;
		}
	}
	if (optind >= argc)
		usage_error("missing action: load, unload or status");
	verb = argv[optind++];
	no_more_args(argc, argv);
	check_load_opts(verb);
	output_setup();
	if (!strcmp(verb, "load"))
		ret = bpf_load();
	else if (!strcmp(verb, "unload"))
		ret = bpf_unload();
	else if (!strcmp(verb, "status"))
		ret = bpf_status();
	else
		usage_error("unknown action '%s' (load, unload, status)", verb);
	return ret ? runtime_error() : EXIT_OK;
}
