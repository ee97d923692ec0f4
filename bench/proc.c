/* SPDX-License-Identifier: MIT */
/* Pinning and the forked peer. */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uipc/numa.h>

#include "proc.h"

int bench_pin(int cpu)
{
	return cpu < 0 ? 0 : uipc_pin_cpu(cpu);
}

pid_t bench_spawn(int cpu, int (*fn)(void *arg), void *arg)
{
	pid_t parent = getpid(), pid = fork();
	int rc;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The parent may already be gone (then nobody would kill us). */
	if (getppid() != parent)
		_exit(ECHILD);
	rc = bench_pin(cpu);
	if (!rc)
		rc = fn(arg);
	_exit(rc < 0 ? -rc : rc);
}

int bench_peer_gone(pid_t pid)
{
	siginfo_t si = { 0 };

	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno == ECHILD;
	return si.si_pid == pid;
}

void bench_kill(pid_t pid)
{
	kill(pid, SIGKILL);
}

int bench_reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	if (WIFEXITED(st))
		return -WEXITSTATUS(st);
	return -ECHILD;
}
