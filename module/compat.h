/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels xipc builds against: Debian 11's 5.10 to
 * the newest. Each shim gives an older kernel an interface that a newer one
 * has, under the newer one's name, so that the rest of the module is written
 * for the newest kernel only; each says which release added the interface,
 * and goes when the oldest supported kernel has it. This is the only place
 * that tests LINUX_VERSION_CODE, or the XIPC_HAVE_* of Kbuild, which looks
 * in the kernel's headers for an interface whose first release is not
 * known here.
 */
#ifndef XIPC_COMPAT_H
#define XIPC_COMPAT_H

#include <linux/version.h>

/*
 * seq_escape_mem(), 5.15: escape a byte string of known length (not
 * NUL-terminated) into a seq_file. Before it, escape into the seq_file's
 * buffer directly and report overflow so that the line is retried with a
 * larger buffer. Goes with 5.10.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 15, 0)
#include <linux/seq_file.h>
#include <linux/string_helpers.h>

static inline void seq_escape_mem(struct seq_file *m, const char *src,
				  size_t len, unsigned int flags,
				  const char *esc)
{
	char *buf;
	size_t room = seq_get_buf(m, &buf);
	int written = string_escape_mem(src, len, buf, room, flags, esc);

	/* seq_commit(m, -1) marks the buffer as overflowed. */
	seq_commit(m, (size_t)written < room ? written : -1);
}
#endif

/*
 * kmap_local_page(), 5.11: a mapping of a page for this thread only. The
 * kernels before it that xipc supports are 64-bit, without highmem: every
 * page is mapped already. Goes with 5.10.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#include <linux/mm.h>

#ifdef CONFIG_HIGHMEM
#error "xipc needs kmap_local_page() (5.11) on a kernel with highmem"
#endif

static inline void *kmap_local_page(struct page *page)
{
	return page_address(page);
}

static inline void kunmap_local(const void *addr)
{
}
#endif

/*
 * zap_special_vma_range(), 7.x (Debian 14's 7.2 has it, 13's 6.12 not):
 * unmaps part of a VM_PFNMAP mapping; before it, zap_vma_ptes(). Kbuild
 * looks for it in <linux/mm.h>.
 */
#ifndef XIPC_HAVE_ZAP_SPECIAL_VMA_RANGE
#include <linux/mm.h>

static inline void zap_special_vma_range(struct vm_area_struct *vma,
					 unsigned long address,
					 unsigned long size)
{
	zap_vma_ptes(vma, address, size);
}
#endif

#endif /* XIPC_COMPAT_H */
