/*
 * The tagged handshake of include/uipc/wait.h (rule (T): one wake per
 * sleep), under x86-TSO as in wait.pml: each side's plain stores sit in
 * its store buffer until a fence (smp_mb, a locked instruction, a syscall)
 * or the buffer drains on its own.
 *
 * The sleeper reads seq = futex, stores the flag tagged with seq, fences
 * (F1), re-checks, sleeps on seq, and clears the flag after.  The waker
 * publishes, fences (F2), reads the flag and then the futex: a tag whose
 * seq differs from the futex was woken already, so no wake; else bump and
 * wake.
 *
 * Claims: no lost wakeup (a sleeper blocked after the waker finished is an
 * invalid end state), and at most one wake per announced sleep (assert).
 * Over N = 3 messages a tag reused across sleeps would be caught.
 *
 * TAGMOD: how many tag values there are.  wait_tag_wrap.pml sets 2, so
 * tags of different sleeps collide all the time: that may only add wakes,
 * never lose one (the one-wake assert is off there).
 *
 * Variants that must fail: wait_tag_untagged.pml (a constant flag and a
 * waker that skips the value it woke last), wait_tag_before_seq.pml (the
 * tag stored before the futex is read, from the previous round's value),
 * wait_tag_no_f1.pml, wait_tag_no_f2.pml (a fence removed).
 */
#ifndef N
#define N 3
#endif
#ifndef TAGMOD
#define TAGMOD 64
#endif

#define TAG(s) (((s) % TAGMOD) + 1) /* non-zero: the flag is set */

byte data_mem; /* published messages, as memory holds it */
byte flag_mem; /* waiter flag: 0, or a tag */
byte futex; /* futex word (only changed by locked ops) */
bit asleep; /* sleeper is queued in the kernel */
byte prepares; /* sleeps announced (tags stored) */
byte wakes; /* wake syscalls made */

/* store buffers: one pending store per side is enough for this protocol */
bit w_pend; byte w_val; /* waker: data */
bit s_pend; byte s_val; /* sleeper: flag */

inline w_flush() { atomic { if :: w_pend -> data_mem = w_val; w_pend = 0 :: else -> skip fi } }
inline s_flush() { atomic { if :: s_pend -> flag_mem = s_val; s_pend = 0 :: else -> skip fi } }

active proctype waker()
{
	byte i = 0, f, fx, last = 0;
	do
	:: i < N ->
		i++;
		atomic { w_pend = 1; w_val = i }	/* publish: store-release */
#ifndef NO_F2
		w_flush();				/* (F2) smp_mb */
#endif
		f = flag_mem;				/* load-acquire */
		fx = futex;				/* ordered after it */
		if
#ifdef UNTAGGED
		:: f != 0 && f != last ->		/* skip the flag woken last */
#else
		:: f != 0 && f == TAG(fx) ->		/* (T): not woken yet */
#endif
			/* uipc_wake(): locked bump (a fence), FUTEX_WAKE */
			w_flush();
			atomic { futex++; asleep = 0; wakes++ };
			last = f
		:: else -> skip				/* nobody, or woken: (T) */
		fi
	:: else -> break
	od;
end_w:	w_flush()
}

active proctype sleeper()
{
	byte got = 0, seq = 0, d;
	do
	:: got == N -> break
	:: got < N ->
		d = data_mem;
		if
		:: d > got -> got = d			/* ready: consume */
		:: else ->
#if defined(UNTAGGED)
			seq = futex;
			atomic { s_pend = 1; s_val = 1; prepares++ }
#elif defined(TAG_BEFORE_SEQ)
			/* the tag from the value read last round */
			atomic { s_pend = 1; s_val = TAG(seq); prepares++ }
			seq = futex;
#else
			seq = futex;			/* load-acquire (R) */
			atomic { s_pend = 1; s_val = TAG(seq); prepares++ }
#endif
#ifndef NO_F1
			s_flush();			/* (F1) smp_mb */
#endif
			d = data_mem;			/* re-check */
			if
			:: d > got ->
				s_flush();
				atomic { s_pend = 1; s_val = 0 } /* uipc_wait_cancel */
				got = d
			:: else ->
				/* futex_wait(seq): a syscall drains the buffer, then
				 * the kernel compares and queues atomically */
				s_flush();
				atomic {
					if
					:: futex == seq -> asleep = 1
					:: else -> skip
					fi
				}
				(asleep == 0);		/* blocked until woken */
				atomic { s_pend = 1; s_val = 0 } /* waiting = 0 */
			fi
		fi
	od;
	s_flush();
	assert(got == N)
}

/* The store buffers drain on their own, at any time. */
active proctype drain()
{
end:	do
	:: w_pend -> w_flush()
	:: s_pend -> s_flush()
	od
}

#ifndef NO_WAKE_BOUND
/* One wake per sleep: checked in every state. */
active proctype bound()
{
end:	atomic { wakes > prepares -> assert(0) }
}
#endif
