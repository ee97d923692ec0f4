/* wait.pml without the waker's fence (F2): must fail. */
#define NO_F2
#include "wait.pml"
