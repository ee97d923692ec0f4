/* wait_tag.pml without the waker's fence (F2): must fail. */
#define NO_F2
#define NO_WAKE_BOUND
#include "wait_tag.pml"
