/* wait_tag.pml with a constant flag and a waker that skips the flag it
 * woke last (the fix without a tag): must fail. */
#define UNTAGGED
#define NO_WAKE_BOUND
#include "wait_tag.pml"
