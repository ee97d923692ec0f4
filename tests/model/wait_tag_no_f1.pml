/* wait_tag.pml without the sleeper's fence (F1): must fail. */
#define NO_F1
#define NO_WAKE_BOUND
#include "wait_tag.pml"
