/* SPDX-License-Identifier: MIT */
/* Work in progress: being written. */
extern int uipc__wip;
