/* SPDX-License-Identifier: MIT */
/* The subcommands of uipc-bench, dispatched from main.c's table. */
#ifndef UIPC_BENCH_CMDS_H
#define UIPC_BENCH_CMDS_H

/* Each returns the process exit status (0 ok, 1 failed, 2 usage). */
int bench_cmd_pingpong(int argc, char **argv);
int bench_cmd_stream(int argc, char **argv);
int bench_cmd_zerocopy(int argc, char **argv);
int bench_cmd_report(int argc, char **argv);
int bench_cmd_all(int argc, char **argv); /* suite.c */
int bench_wake_main(int argc, char **argv); /* wake.c */
int bench_cmd_openloop(int argc, char **argv); /* openloop.c */

/* The same, handing their rows to @col (if not NULL) for one report. */
struct bench_collect;
int bench_pingpong_main(int argc, char **argv, struct bench_collect *col);
int bench_stream_main(int argc, char **argv, struct bench_collect *col);
int bench_zerocopy_main(int argc, char **argv, struct bench_collect *col);

/* Print "uipc-bench CMD: bad OPTION 'VALUE'" to stderr; returns -EINVAL. */
int bench_bad_arg(const char *cmd, const char *opt, const char *val);

#endif /* UIPC_BENCH_CMDS_H */
