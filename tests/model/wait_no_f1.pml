/* wait.pml without the sleeper's fence (F1): must fail. */
#define NO_F1
#include "wait.pml"
