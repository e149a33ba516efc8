// SPDX-License-Identifier: GPL-2.0-only
/*
 * The workloads the probes sit on: fork+exit+wait, vfork+exec+wait and
 * pthread create+join loops. Prints the loop's rate in operations per
 * second, timed with CLOCK_MONOTONIC around the whole loop only.
 *
 *   forkloop fork|vfork|thread ITERATIONS
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		fprintf(stderr, "forkloop: child %d did not exit cleanly\n",
			pid);
		return -1;
	}
	return 0;
}

static char *const true_argv[] = { "/bin/true", NULL };

static void *thread_fn(void *arg)
{
	return arg;
}

static int one_op(const char *mode)
{
	pthread_t thread;
	pid_t pid;

	if (!strcmp(mode, "thread")) {
		if (pthread_create(&thread, NULL, thread_fn, NULL))
			return -1;
		return pthread_join(thread, NULL) ? -1 : 0;
	}
	pid = strcmp(mode, "vfork") ? fork() : vfork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (!strcmp(mode, "vfork"))
			execv(true_argv[0], true_argv);
		_exit(0);
	}
	return reap(pid);
}

int main(int argc, char **argv)
{
	long i, n;
	double t0, t1;

	if (argc != 3 || (strcmp(argv[1], "fork") && strcmp(argv[1], "vfork") &&
			  strcmp(argv[1], "thread"))) {
		fprintf(stderr,
			"usage: forkloop fork|vfork|thread ITERATIONS\n");
		return 2;
	}
	n = strtol(argv[2], NULL, 10);
	if (n <= 0) {
		fprintf(stderr,
			"forkloop: ITERATIONS must be a positive number\n");
		return 2;
	}
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (one_op(argv[1])) {
			fprintf(stderr, "forkloop: operation %ld failed: %s\n",
				i, strerror(errno));
			return 1;
		}
	}
	t1 = now_s();
	printf("%.1f\n", n / (t1 - t0));
	return 0;
}
