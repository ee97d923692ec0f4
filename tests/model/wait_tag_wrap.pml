/* wait_tag.pml with 2 tag values: colliding tags add wakes, lose none. */
#define TAGMOD 2
#define NO_WAKE_BOUND
#include "wait_tag.pml"
