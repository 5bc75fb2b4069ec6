// SPDX-License-Identifier: MIT
/*
 * A QEMU TCG plugin that counts the guest instructions executed between two
 * marks, per translation block: the profile of one benchmark loop.
 *
 * The mark is the 7-byte no-op "nopl 0x7869706d(%rax)"; a guest program
 * executes it before and after the code to profile. The first mark zeroes
 * the counters, the second appends a window to the output file: one line
 * "vaddr instructions" per block start, and "window N total" first.
 *
 *   qemu-system-x86_64 ... -plugin ./insn-profile.so,out=FILE
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The QEMU 7.2 plugin API (version 1), as much of it as this uses. */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      int op, void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
					    qemu_plugin_vcpu_udata_cb_t cb,
					    int flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static const unsigned char mark[] = { 0x0f, 0x1f, 0x80, 0x6d, 0x70, 0x69, 0x78 };

/* One translation of a block; a block translated again gets another. */
struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t runs;
};

static struct block **blocks;
static size_t nr_blocks, max_blocks;
static FILE *out;
static unsigned int marks, windows;

static struct block *new_block(uint64_t vaddr, uint64_t insns)
{
	struct block *b = calloc(1, sizeof(*b));

	if (!b)
		abort();
	if (nr_blocks == max_blocks) {
		max_blocks = max_blocks ? 2 * max_blocks : 65536;
		blocks = realloc(blocks, max_blocks * sizeof(*blocks));
		if (!blocks)
			abort();
	}
	b->vaddr = vaddr;
	b->insns = insns;
	blocks[nr_blocks++] = b;
	return b;
}

static int by_vaddr(const void *a, const void *b)
{
	const struct block *x = *(struct block *const *)a;
	const struct block *y = *(struct block *const *)b;

	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* At a mark: zero the counts (odd marks) or write them out (even ones). */
static void on_mark(unsigned int vcpu, void *userdata)
{
	uint64_t total = 0;
	size_t i;

	(void)vcpu;
	(void)userdata;
	if (marks++ % 2 == 0) {
		for (i = 0; i < nr_blocks; i++)
			blocks[i]->runs = 0;
		return;
	}
	qsort(blocks, nr_blocks, sizeof(*blocks), by_vaddr);
	for (i = 0; i < nr_blocks; i++)
		total += blocks[i]->runs * blocks[i]->insns;
	fprintf(out, "window %u %" PRIu64 "\n", ++windows, total);
	for (i = 0; i < nr_blocks; i++) {
		uint64_t sum = blocks[i]->runs * blocks[i]->insns;

		/* Several translations of one block: one line. */
		while (i + 1 < nr_blocks &&
		       blocks[i + 1]->vaddr == blocks[i]->vaddr) {
			i++;
			sum += blocks[i]->runs * blocks[i]->insns;
		}
		if (sum)
			fprintf(out, "%016" PRIx64 " %" PRIu64 "\n",
				blocks[i]->vaddr, sum);
	}
	fflush(out);
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct block *b = new_block(qemu_plugin_tb_vaddr(tb), n);

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, 0, &b->runs, 1);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);

		if (qemu_plugin_insn_size(insn) == sizeof(mark) &&
		    !memcmp(qemu_plugin_insn_data(insn), mark, sizeof(mark)))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark,
							       0, NULL);
	}
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	(void)id;
	(void)userdata;
	fclose(out);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	const char *path = "insn-profile.txt";

	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			path = argv[i] + 4;
	out = fopen(path, "w");
	if (!out)
		return 1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
