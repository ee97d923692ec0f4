/* wait_tag.pml with the tag stored before the futex is read (it names the
 * value read the round before): must fail. */
#define TAG_BEFORE_SEQ
#define NO_WAKE_BOUND
#include "wait_tag.pml"
