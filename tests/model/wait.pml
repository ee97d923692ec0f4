/*
 * The sleep/wake handshake of include/uipc/wait.h, under x86-TSO: each
 * side's plain stores sit in its store buffer until a fence (smp_mb, a
 * locked instruction, a syscall) or the buffer drains on its own.
 *
 * Claim: the sleeper never stays asleep while a published message is
 * pending.  A lost wakeup leaves the sleeper blocked in futex_wait after
 * the waker has finished: spin reports it as an invalid end state.
 *
 * wait_no_f1.pml / wait_no_f2.pml are this model with the sleeper's or the
 * waker's fence removed; spin must find the lost wakeup in both.
 *
 * The flag belongs to the sleeper: it sets it before every sleep and
 * clears it when it leaves.  (An earlier draft let the waker clear it to
 * save syscalls; with N = 2 this model found that a clear meant for one
 * sleep can erase the flag of the next one, and the wake is lost.)
 */
#define N 3 /* messages: later ones race with the sleeper's earlier rounds */

byte data_mem; /* published messages, as memory holds it */
byte flag_mem; /* waiter flag */
byte futex; /* futex word (only changed by locked ops) */
bit asleep; /* sleeper is queued in the kernel */

/* store buffers: one pending store per side is enough for this protocol */
bit w_pend; byte w_val; /* waker: data */
bit s_pend; byte s_val; /* sleeper: flag */

inline w_flush() { atomic { if :: w_pend -> data_mem = w_val; w_pend = 0 :: else -> skip fi } }
inline s_flush() { atomic { if :: s_pend -> flag_mem = s_val; s_pend = 0 :: else -> skip fi } }
/* a load sees the own buffer first (store forwarding) */
inline s_load_flag(v) { atomic { if :: s_pend -> v = s_val :: else -> v = flag_mem fi } }

active proctype waker()
{
	byte i = 0, f;
	do
	:: i < N ->
		i++;
		atomic { w_pend = 1; w_val = i }	/* publish: store-release */
#ifndef NO_F2
		w_flush();				/* (F2) smp_mb */
#endif
		f = flag_mem;
		if
		:: f != 0 ->
			/* uipc_wake(): locked bump (a fence), FUTEX_WAKE */
			w_flush();
			atomic { futex++; asleep = 0 }
		:: else -> skip
		fi
	:: else -> break
	od;
end_w:	w_flush()
}

active proctype sleeper()
{
	byte got = 0, seq, d, f;
	do
	:: got == N -> break
	:: got < N ->
		d = data_mem;
		if
		:: d > got -> got = d			/* ready: consume */
		:: else ->
			atomic { s_pend = 1; s_val = 1 }	/* waiting = 1 */
#ifndef NO_F1
			s_flush();			/* (F1) smp_mb */
#endif
			seq = futex;			/* load-acquire */
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
