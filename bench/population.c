// SPDX-License-Identifier: GPL-2.0-only
/*
 * Builds a population of tasks for the snapshot benchmark and holds it
 * until stdin closes: PROCS processes with THREADS threads each (64 KiB
 * stacks). Prints "ready" once every task exists.
 *
 *   population PROCS THREADS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int hold_fd;

static void *hold(void *arg)
{
	char c;

	/* Blocks until the parent's write end closes. */
	while (read(hold_fd, &c, 1) > 0)
		;
	return arg;
}

static int spawn_threads(long threads)
{
	pthread_attr_t attr;
	pthread_t t;
	long i;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < threads; i++)
		if (pthread_create(&t, &attr, hold, NULL))
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int ready[2], holdp[2];
	long procs, threads, i;
	char c;

	if (argc != 3) {
		fprintf(stderr, "usage: population PROCS THREADS\n");
		return 2;
	}
	procs = strtol(argv[1], NULL, 10);
	threads = strtol(argv[2], NULL, 10);
	if (procs <= 0 || threads < 0 || pipe(ready) || pipe(holdp))
		return 2;
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (!pid) {
			close(holdp[1]);
			hold_fd = holdp[0];
			if (spawn_threads(threads))
				_exit(1);
			if (write(ready[1], "r", 1) != 1)
				_exit(1);
			hold(NULL);
			_exit(0);
		}
	}
	close(holdp[0]);
	for (i = 0; i < procs; i++)
		if (read(ready[0], &c, 1) != 1)
			return 1;
	printf("ready\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	close(holdp[1]);
	while (wait(NULL) > 0)
		;
	return 0;
}
