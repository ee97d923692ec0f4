// SPDX-License-Identifier: MIT
/*
 * Test helper, exec'd by test_seg: create a segment on a hugetlbfs file.
 * It has to be a fresh process because libhugetlbfs reads the mount table
 * once, when it is loaded, and the test mounts hugetlbfs after that.
 *
 * Usage: peer_seg DIR   (DIR: the hugetlbfs mount the test made)
 * Prints one line of key=value pairs for the test to check.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include <uipc/seg.h>

static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	struct uipc_seg_opts o = UIPC_SEG_OPTS_INIT;
	struct uipc_seg_error err;
	struct uipc_seg_info info = { 0 }, ainfo = { 0 };
	struct uipc_seg *s, *a = NULL;
	int rc, arc = -1, same = 0;

	if (argc != 2)
		return 2;
	o.size = 1 << 20;
	o.huge = UIPC_HUGE_REQUIRE;
	o.flags = UIPC_SEG_SKIP_HUGETLB_MEMFD;
	rc = uipc_seg_create(&o, &s, &err);
	if (!rc) {
		uipc_seg_info(s, &info);
		memset((char *)uipc_seg_base(s) + UIPC_SEG_HDR_SIZE, 0x5a, 4096);
		uipc_seg_publish(s);
		arc = uipc_seg_attach(uipc_seg_fd(s), &a);
		if (!arc) {
			uipc_seg_info(a, &ainfo);
			same = ((unsigned char *)uipc_seg_base(a))[UIPC_SEG_HDR_SIZE + 4095] == 0x5a;
		}
	}
	printf("rc=%d backing=%s page=%llu sealed=%d entries=%d attach=%d abacking=%s same=%d\n",
	       rc, uipc_backing_name(info.backing), (unsigned long long)info.page_size,
	       info.sealed, entries(argv[1]), arc, uipc_backing_name(ainfo.backing), same);
	if (rc)
		printf("msg=%s\n", err.msg);
	uipc_seg_close(a);
	if (!rc)
		uipc_seg_close(s);
	return 0;
}
