// SPDX-License-Identifier: MIT
/*
 * info: open a capability space and print what the xipc module offers.
 *
 * The smallest libipc program: every function returns a value >= 0 on success
 * and -errno on failure, so errors are reported with strerror(-ret).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libipc.h>

int main(void)
{
	struct xipc_info info;
	int space, ret;

	space = ipc_open(0);
	if (space < 0) {
		fprintf(stderr, "info: ipc_open: %s (is the xipc module loaded?)\n",
			strerror(-space));
		return 1;
	}
	ret = ipc_info(space, &info);
	if (ret < 0) {
		fprintf(stderr, "info: ipc_info: %s\n", strerror(-ret));
		ipc_close(space);
		return 1;
	}
	printf("xipc ABI version %" PRIu32 ", features %#" PRIx64
	       ", this capability space is #%" PRIu64 "\n",
	       (uint32_t)info.abi_version, (uint64_t)info.features,
	       (uint64_t)info.space_id);
	ipc_close(space);
	return 0;
}
