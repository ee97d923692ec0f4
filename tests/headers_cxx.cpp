// Build-only: the public headers compile from C++.
#include <uipc/uipc.h>

int main()
{
	struct uipc_ring r = {};
	return (int)uipc_ring_capacity(&r);
}
