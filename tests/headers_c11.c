/* Build-only: the public headers compile alone as strict ISO C11. */
#include <uipc/uipc.h>

int main(void)
{
	return 0;
}
