// SPDX-License-Identifier: GPL-2.0
/*
 * bsdtun: memory for written packets.
 *
 * write() builds each packet's skb here, as a NIC driver builds received
 * ones from buffers it keeps: a fragment of a page each CPU holds for
 * small packets and for the headers of large ones, and pages the open
 * file keeps for the rest of a large one.  Debian's kernels zero every
 * new page and kmalloc object (init_on_alloc), which for a 64 KiB
 * super-packet costs about as much as copying it in; memory the stack
 * has given back is reused, each write overwriting all that its packet
 * covers and clearing the rest of its head.
 */
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
/* After those: 6.1's lockdep variant uses current without its header. */
#include <linux/local_lock.h>

#include "bsdtun.h"

/*
 * Heads of written packets come from a page each CPU keeps for them,
 * as a NIC driver's receive buffers do: no allocation and no zeroing per
 * packet while the page lasts, and a page whose packets the stack has
 * all freed is started over rather than replaced (Debian's kernels zero
 * every new page and kmalloc object).  Single pages, and fragments of at
 * least a quarter of one, bound what a packet held long (in a socket
 * nobody reads) keeps alive to four times the truesize it is charged.
 * Only with 4 KiB pages: a quarter of a larger one would charge a small
 * packet that much truesize, and fill a socket's buffer with a few.
 */
#define BSDTUN_FRAG_MIN		1024
#define BSDTUN_FRAG_PAGES	(PAGE_SIZE == 4 * BSDTUN_FRAG_MIN)

struct bsdtun_frag {
	local_lock_t lock;
	struct page *page;
	unsigned int off;
};

/*
 * Allocated at load, not a static per-CPU variable: lockdep keys a
 * static lock by its address, which a reloaded module's per-CPU area
 * reuses after the old key's name has gone with the old module.
 */
static struct bsdtun_frag __percpu *bsdtun_frags;

/*
 * A page holding only our reference can be written over: nothing else
 * can take one.  The last holder's put_page() is fully ordered after its
 * reads of the page, and the acquire orders our writes after this check.
 */
static bool bsdtun_page_ours_alone(struct page *page)
{
	if (page_ref_count(page) != 1)
		return false;
	smp_acquire__after_ctrl_dep();
	return true;
}

static void *bsdtun_frag_alloc(unsigned int size)
{
	struct bsdtun_frag *f;
	void *data = NULL;

	local_lock(&bsdtun_frags->lock);
	f = this_cpu_ptr(bsdtun_frags);
	if (f->page && bsdtun_page_ours_alone(f->page)) {
		f->off = 0;
	} else if (f->page && f->off + size > PAGE_SIZE) {
		put_page(f->page);
		f->page = NULL;
	}
	/*
	 * Not charged to a memory cgroup (as the kernel's own page_frag
	 * caches are not): the page serves every writer on this CPU and
	 * lives on as long as any of their packets, so it would charge one
	 * tenant for the others' and could pin its cgroup after deletion.
	 * A packet held long is charged where it waits: to the receiving
	 * socket's memory, and through it to the socket's cgroup.
	 */
	if (!f->page) {
		f->page = alloc_page(GFP_NOWAIT | __GFP_NOWARN | __GFP_NOMEMALLOC);
		f->off = 0;
	}
	if (f->page) {
		get_page(f->page);
		data = page_address(f->page) + f->off;
		f->off += size;
	}
	local_unlock(&bsdtun_frags->lock);
	return data;
}

static struct sk_buff *bsdtun_frag_skb(size_t len, unsigned int pad)
{
	unsigned int size = SKB_DATA_ALIGN(pad + len) +
			    SKB_DATA_ALIGN(sizeof(struct skb_shared_info));
	struct sk_buff *skb;
	void *data;

	size = max_t(unsigned int, size, BSDTUN_FRAG_MIN);
	data = bsdtun_frag_alloc(size);
	if (!data)
		return NULL;
	skb = build_skb(data, size);
	if (!skb) {
		skb_free_frag(data);
		return NULL;
	}
	skb_reserve(skb, pad);
	/*
	 * A restarted page still holds the packets it held before, perhaps
	 * another unit's in another namespace, where init_on_alloc would
	 * have zeroed a new one: clear the fragment's headroom and its
	 * tailroom past the @len bytes the write fills, a few hundred bytes.
	 */
	memset(skb->head, 0, pad);
	memset(skb->data + len, 0, skb_end_pointer(skb) - skb->data - len);
	return skb;
}

int bsdtun_alloc_init(void)
{
	int cpu;

	bsdtun_frags = alloc_percpu(struct bsdtun_frag);
	if (!bsdtun_frags)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		local_lock_init(&per_cpu_ptr(bsdtun_frags, cpu)->lock);
	return 0;
}

/* Module exit: packets still in flight keep their pages until freed. */
void bsdtun_alloc_exit(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct bsdtun_frag *f = per_cpu_ptr(bsdtun_frags, cpu);

		if (f->page)
			put_page(f->page);
	}
	free_percpu(bsdtun_frags);
}

/*
 * Pages for large writes, taken in turn: one whose packet the stack has
 * freed (our reference alone) is reused, one still held (a socket's
 * receive queue) is left to whoever holds it and replaced.  A reader that
 * keeps up frees a super-packet's pages before the turn comes back to
 * them, so a transfer's pages are zeroed once, not per packet.
 *
 * The ring goes round two super-packets' worth of slots at first (one
 * write takes up to 16) and adds a slot for each page found still held,
 * up to BSDTUN_RING_PAGES, so that it settles just above what the reader
 * holds at once.  The fewer pages a transfer goes round, the warmer
 * they are in the caches (and in an emulator's TLB) when copied into:
 * the page allocator too hands out the page freed last.  It does not
 * shrink: a reader that lagged once leaves it larger until close.
 */
#define BSDTUN_RING_START	32

static struct page *bsdtun_ring_take(struct bsdtun_ring *ring)
{
	struct page **slot = &ring->page[ring->next];

	if (*slot && !bsdtun_page_ours_alone(*slot)) {
		put_page(*slot);
		*slot = NULL;
		if (ring->size < BSDTUN_RING_PAGES)
			ring->size++;
	}
	ring->next = (ring->next + 1) % ring->size;
	/*
	 * Charged to the writer's memory cgroup, since the file keeps it;
	 * never from the reserves, whose pages sockets drop.  Not from
	 * highmem, though only copies touch it here: a 32-bit kernel
	 * linearizes a packet with a highmem fragment (one atomic block the
	 * packet's size) before any device without NETIF_F_HIGHDMA, Linux's
	 * tun and bsdtun's own among them, which a forwarded write meets.
	 */
	if (!*slot)
		*slot = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_NOWARN |
				   __GFP_NOMEMALLOC);
	if (*slot)
		get_page(*slot);
	return *slot;
}

/*
 * Link, IP and TCP headers with options fit; longer ones (extension
 * headers, a tunnel's) are pulled into the head's tailroom as needed.
 */
#define BSDTUN_RING_HEAD	256

/*
 * A packet larger than a page: its first @head bytes in a head of its
 * own, so that GRO and TCP find the headers there without pulling, and
 * the rest in the ring's pages, each charged whole.  Only with 4 KiB
 * pages, as for the fragments: with larger ones few packets are larger
 * than a page, and the ring would keep 4 or 16 MiB.
 */
static struct sk_buff *bsdtun_ring_skb(struct bsdtun_ring *ring,
				       unsigned int head, size_t rest,
				       unsigned int pad)
{
	struct sk_buff *skb;
	int i;

	if (DIV_ROUND_UP(rest, PAGE_SIZE) > MAX_SKB_FRAGS)
		return NULL;
	skb = bsdtun_frag_skb(head, pad);
	if (!skb)
		return NULL;
	mutex_lock(&ring->lock);
	if (!ring->page) {
		ring->page = kcalloc(BSDTUN_RING_PAGES, sizeof(*ring->page),
				     GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
		ring->size = BSDTUN_RING_START;
	}
	for (i = 0; rest && ring->page; i++) {
		unsigned int n = min_t(size_t, rest, PAGE_SIZE);
		struct page *page = bsdtun_ring_take(ring);

		if (!page)
			break;
		skb_fill_page_desc(skb, i, page, 0, n);
		skb->truesize += PAGE_SIZE;
		rest -= n;
	}
	mutex_unlock(&ring->lock);
	if (rest) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

void bsdtun_ring_init(struct bsdtun_ring *ring)
{
	mutex_init(&ring->lock);
}

/* At release: packets still in flight keep their pages until freed. */
void bsdtun_ring_free(struct bsdtun_ring *ring)
{
	int i;

	for (i = 0; ring->page && i < BSDTUN_RING_PAGES; i++)
		if (ring->page[i])
			put_page(ring->page[i]);
	kfree(ring->page);
	mutex_destroy(&ring->lock);
}

/*
 * An skb for a written packet, built as a network driver builds a
 * received one: headroom for the link header of an interface it may be
 * forwarded to.  Its memory is taken as above; when that fails (the
 * fragment page is taken without sleeping, but never from the atomic
 * reserves, which are for contexts that cannot sleep), a sleeping
 * allocation of single pages: a linear part of at most a page and the
 * rest in page fragments, never a high-order block.
 */
struct sk_buff *bsdtun_alloc_skb(struct bsdtun_ring *ring, size_t plen,
				 int *err)
{
	const unsigned int pad = NET_SKB_PAD + NET_IP_ALIGN;
	size_t head = min_t(size_t, plen, SKB_MAX_HEAD(pad));
	struct sk_buff *skb = NULL;

	if (BSDTUN_FRAG_PAGES && head < plen) {
		head = BSDTUN_RING_HEAD;
		skb = bsdtun_ring_skb(ring, head, plen - head, pad);
	} else if (BSDTUN_FRAG_PAGES) {
		skb = bsdtun_frag_skb(plen, pad);
	}
	if (!skb) {
		head = min_t(size_t, plen, SKB_MAX_HEAD(pad));
		skb = alloc_skb_with_frags(pad + head, plen - head, 0, err,
					   GFP_KERNEL);
		if (!skb)
			return NULL;
		skb_reserve(skb, pad);
	}
	skb_put(skb, head);
	skb->data_len = plen - head;
	skb->len += plen - head;
	return skb;
}
