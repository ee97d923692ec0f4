/* SPDX-License-Identifier: MIT */
/*
 * uipc-bench: one harness, one clock, one histogram for uipc and every
 * baseline.  Subcommands come from the table below; each has --help.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "cmds.h"
#include "env.h"
#include "transports.h"

static int cmd_list(int argc, char **argv);
static int cmd_env(int argc, char **argv);

static const struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "pingpong", bench_cmd_pingpong, "round-trip latency, transports interleaved" },
	{ "stream", bench_cmd_stream, "one-way throughput (msgs/s, GiB/s), checksummed" },
	{ "zerocopy", bench_cmd_zerocopy, "large messages in place vs copied, and memcpy" },
	{ "report", bench_cmd_report, "merge JSON reports, print tables, plot (gnuplot)" },
	{ "all", bench_cmd_all, "pingpong + stream + zerocopy in one run, one JSON (--quick)" },
	{ "wake", bench_wake_main, "wake-to-run latency and waker CPU per wait mechanism" },
	{ "openloop", bench_cmd_openloop, "fixed-rate latency from intended send times" },
	{ "list", cmd_list, "the transports and what each can run" },
	{ "env", cmd_env, "print the environment a run would record" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: uipc-bench COMMAND [options]   (uipc-bench COMMAND --help)\n\n", f);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
}

static int want_help(int argc, char **argv)
{
	return argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"));
}

int bench_bad_arg(const char *cmd, const char *opt, const char *val)
{
	fprintf(stderr, "uipc-bench %s: bad %s '%s' (see uipc-bench %s --help)\n", cmd, opt,
		val ? val : "", cmd);
	return -EINVAL;
}

static int cmd_list(int argc, char **argv)
{
	size_t i;

	if (want_help(argc, argv)) {
		puts("usage: uipc-bench list\nThe transports, their modes, and why one cannot run.");
		return 0;
	}
	for (i = 0; i < bench_ntransports; i++) {
		const struct bench_transport *t = bench_transports[i];
		const char *why = t->unavailable ? t->unavailable(64) : NULL;

		printf("%-16s %-9s %-7s %s%s%s\n", t->name, t->pingpong ? "pingpong" : "",
		       t->stream ? "stream" : "", t->desc, why ? " -- unavailable: " : "",
		       why ? why : "");
	}
	return 0;
}

static int cmd_env(int argc, char **argv)
{
	int a = 0, b = 1;

	if (want_help(argc, argv)) {
		puts("usage: uipc-bench env [A,B]\nThe environment a run on CPUs A,B would record.");
		return 0;
	}
	if (argc > 1 && sscanf(argv[1], "%d,%d", &a, &b) != 2)
		return bench_bad_arg("env", "cpus", argv[1]);
	bench_clock_init();
	bench_env_capture(a, b);
	bench_env_print(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || want_help(argc, argv) || !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	bench_env_set_argv(argc, argv);
	for (i = 0; i < NCMDS; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "uipc-bench: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
