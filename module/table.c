// SPDX-License-Identifier: GPL-2.0
/*
 * The handle table of a space: handle number -> struct xipc_handle.
 *
 * One array of slot pointers, indexed by number - 1, and a bitmap of the
 * numbers taken (filled or reserved), both in one allocation. A number
 * is free, reserved (its bit set, its slot NULL: a command in progress
 * holds it, lookups see nothing) or filled (its bit set, its slot the
 * handle). New numbers are the lowest free ones, as with descriptors.
 *
 * When the free numbers run out below max_handles the array is replaced by
 * one twice as large: allocated with the lock dropped, filled from the old
 * one under the lock, published with rcu_assign_pointer(), and the old one
 * is freed after a grace period. It never shrinks.
 *
 * Locking: lookups take no lock, only rcu_read_lock (xipc_table_load() in
 * xipc.h); every change of a slot or of the bitmap is made under @lock,
 * which is innermost (xipc.h): nothing is taken inside it, and it is taken
 * inside an object's tree_lock. A lookup that raced with a growth may read
 * the old array: what it finds there was in the table when the lookup
 * began, as with a lookup that ran just before the change, and a lookup
 * ordered after a change (by a lock, or by seeing its effects) reads the
 * pointer to the new array.
 */
#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "xipc.h"

/* Slots of the first array: a space that holds a few handles needs no more. */
#define XIPC_TABLE_FIRST	16U
/* The largest array kvmalloc() is asked for: 64 Mi slots, 512 MiB on 64 bits. */
#define XIPC_TABLE_MOST		(64U << 20)

static unsigned long *xipc_table_taken(struct xipc_table_slots *s)
{
	return (unsigned long *)&s->slot[s->size];
}

void xipc_table_init(struct xipc_table *t)
{
	RCU_INIT_POINTER(t->slots, NULL);
	spin_lock_init(&t->lock);
	t->hint = 0;
	t->cleared = 0;
}

static struct xipc_table_slots *xipc_table_locked(struct xipc_table *t)
{
	return rcu_dereference_protected(t->slots, lockdep_is_held(&t->lock));
}

/* Only when nothing else uses the table any more (the space's release). */
static struct xipc_table_slots *xipc_table_unused(struct xipc_table *t)
{
	return rcu_dereference_protected(t->slots, true);
}

void xipc_table_destroy(struct xipc_table *t)
{
	kvfree(xipc_table_unused(t));
	RCU_INIT_POINTER(t->slots, NULL);
}

/*
 * The first handle at number *@id or above, its number in *@id; NULL past
 * the last. Only when nothing else uses the table (the space's release).
 */
struct xipc_handle *xipc_table_find(struct xipc_table *t, u32 *id)
{
	struct xipc_table_slots *s = xipc_table_unused(t);
	struct xipc_handle *h;
	u32 i;

	for (i = *id - 1; s && i < s->size; i++) {
		h = rcu_dereference_protected(s->slot[i], true);
		if (h) {
			*id = i + 1;
			return h;
		}
	}
	return NULL;
}

/*
 * Replaces the array with one of @want slots, or twice as many as now if
 * that is more, but no more than @limit and XIPC_TABLE_MOST. The
 * allocation is made without the lock: another thread may have grown the
 * table meanwhile, and then this one's array goes unused. -ENOMEM if the
 * array cannot be allocated or would be no larger.
 */
static noinline int xipc_table_grow(struct xipc_table *t, unsigned int want,
				    unsigned int limit)
{
	struct xipc_table_slots *old, *new;
	unsigned int size, i;

	rcu_read_lock();
	old = rcu_dereference(t->slots);
	size = old ? old->size : 0;
	rcu_read_unlock();
	want = min3(max3(want, 2 * size, XIPC_TABLE_FIRST), limit,
		    XIPC_TABLE_MOST);
	if (want <= size)
		return -ENOMEM;
	size = want;
	/* Charged to the memory cgroup of whoever makes the space grow. */
	new = kvzalloc(struct_size(new, slot, size) +
		       BITS_TO_LONGS(size) * sizeof(unsigned long),
		       GFP_KERNEL_ACCOUNT);
	if (!new)
		return -ENOMEM;
	new->size = size;

	spin_lock(&t->lock);
	old = xipc_table_locked(t);
	if (old && old->size >= size) {
		spin_unlock(&t->lock);
		kvfree(new);
		return 0;
	}
	if (old) {
		for (i = 0; i < old->size; i++)
			RCU_INIT_POINTER(new->slot[i],
					 rcu_dereference_protected(old->slot[i],
								   true));
		bitmap_copy(xipc_table_taken(new), xipc_table_taken(old),
			    old->size);
	}
	rcu_assign_pointer(t->slots, new);
	spin_unlock(&t->lock);
	if (old)
		kvfree_rcu(old, rcu);
	return 0;
}

/*
 * Reserves the @nr (at least 1) lowest free numbers at or below @limit,
 * into @ids, all or none: -EMFILE if fewer than @nr are free there,
 * -ENOMEM if the table could not grow to hold them, or would have to and
 * may not (!@grow).
 */
int xipc_table_reserve(struct xipc_table *t, u32 *ids, unsigned int nr,
		       unsigned int limit, bool grow)
{
	struct xipc_table_slots *s;
	unsigned int i, size, end, pos;
	int err;

	for (;;) {
		spin_lock(&t->lock);
		s = xipc_table_locked(t);
		size = s ? s->size : 0;
		end = min(size, limit);
		for (i = 0, pos = t->hint; i < nr && pos < end; i++, pos++) {
			pos = find_next_zero_bit(xipc_table_taken(s), end, pos);
			if (pos >= end)
				break;
			ids[i] = pos + 1;
		}
		if (i == nr)
			break;
		spin_unlock(&t->lock);
		/* The numbers from @size on are all free, but over @limit. */
		if (size >= limit)
			return -EMFILE;
		if (!grow)
			return -ENOMEM;
		err = xipc_table_grow(t, size + nr - i, limit);
		if (err)
			return err;
	}
	for (i = 0; i < nr; i++)
		__set_bit(ids[i] - 1, xipc_table_taken(s));
	/* Every number below the first one found is taken. */
	t->hint = ids[0];
	spin_unlock(&t->lock);
	return 0;
}

/* Number @id is free again: the lowest free number may be lower now. */
static void xipc_table_free_locked(struct xipc_table *t,
				   struct xipc_table_slots *s, u32 id)
{
	__clear_bit(id - 1, xipc_table_taken(s));
	if (id - 1 < t->hint)
		t->hint = id - 1;
}

/*
 * The slot of number @id, under the lock, if @id is taken and the slot
 * holds @h (NULL: @id is reserved); else NULL.
 */
static struct xipc_handle __rcu **
xipc_table_slot_locked(struct xipc_table_slots *s, u32 id,
		       struct xipc_handle *h)
{
	if (!s || id - 1 >= s->size || !test_bit(id - 1, xipc_table_taken(s)) ||
	    rcu_access_pointer(s->slot[id - 1]) != h)
		return NULL;
	return &s->slot[id - 1];
}

/* Frees the @nr numbers at @ids, each reserved and not filled. */
void xipc_table_unreserve(struct xipc_table *t, const u32 *ids,
			  unsigned int nr)
{
	struct xipc_table_slots *s;
	unsigned int i;

	spin_lock(&t->lock);
	s = xipc_table_locked(t);
	for (i = 0; i < nr; i++)
		if (!WARN_ON_ONCE(!xipc_table_slot_locked(s, ids[i], NULL)))
			xipc_table_free_locked(t, s, ids[i]);
	spin_unlock(&t->lock);
}

/* Puts @h in the slot of @id, which its caller reserved. */
void xipc_table_fill(struct xipc_table *t, u32 id, struct xipc_handle *h)
{
	struct xipc_handle __rcu **slot;

	spin_lock(&t->lock);
	slot = xipc_table_slot_locked(xipc_table_locked(t), id, NULL);
	if (!WARN_ON_ONCE(!slot))
		rcu_assign_pointer(*slot, h);
	spin_unlock(&t->lock);
}

/*
 * Empties the slot of @id if it holds @h: with @keep, the number stays
 * reserved (for xipc_table_fill() or xipc_table_unreserve()), else it is
 * free. Whether it held @h.
 */
bool xipc_table_clear(struct xipc_table *t, u32 id, struct xipc_handle *h,
		      bool keep)
{
	struct xipc_handle __rcu **slot;
	struct xipc_table_slots *s;

	spin_lock(&t->lock);
	s = xipc_table_locked(t);
	slot = xipc_table_slot_locked(s, id, h);
	if (slot) {
		RCU_INIT_POINTER(*slot, NULL);
		/* After the slot: see xipc_handle_lookup(). */
		smp_store_release(&t->cleared, t->cleared + 1);
		if (!keep)
			xipc_table_free_locked(t, s, id);
	}
	spin_unlock(&t->lock);
	return slot;
}
