/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/* Path election as a table: inputs in, burst functions and names out. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_vect.h>

#include "rxtx/rxtx.h"
#include "rxtx/select.h"
#include "virtio_spec.h"

#define F(b) VIRTIO_BIT(b)
#define BASE                                                                                   \
	(F(VIRTIO_F_VERSION_1) | F(VIRTIO_RING_F_INDIRECT_DESC) | F(VIRTIO_RING_F_EVENT_IDX) | \
			F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_STATUS))

struct path_case {
	const char *what;
	uint64_t features;
	uint64_t rx_offloads;
	bool vectorized;
	bool in_order;
	uint16_t simd;
	virtio_burst_t rx;
	const char *rx_name;
	bool note_expected;
	const char *note_word; /* a word the note must contain, or NULL */
	virtio_burst_t tx; /* NULL: virtio_xmit_pkts */
	const char *tx_name;
	const char *note_absent; /* a word the note must not contain, or NULL */
};

#define INORDER_RX virtio_recv_pkts_inorder, "virtio_recv_pkts_inorder"
#define INORDER_TX virtio_xmit_pkts_inorder, "virtio_xmit_pkts_inorder"
#define PACKED	   (BASE | F(VIRTIO_F_RING_PACKED))
#define PACKED_RX  virtio_recv_pkts_packed, "virtio_recv_pkts_packed"
#define PACKED_MRG virtio_recv_mergeable_pkts_packed, "virtio_recv_mergeable_pkts_packed"
#define PACKED_TX  virtio_xmit_pkts_packed, "virtio_xmit_pkts_packed"

static const struct path_case cases[] = {
	{ "no mergeable buffers", BASE, 0, false, false, RTE_VECT_SIMD_256, virtio_recv_pkts,
			"virtio_recv_pkts", false, NULL },
	{ "mergeable buffers", BASE | F(VIRTIO_NET_F_MRG_RXBUF), 0, false, false, RTE_VECT_SIMD_256,
			virtio_recv_mergeable_pkts, "virtio_recv_mergeable_pkts", false, NULL },
	{ "mergeable, scatter offload", BASE | F(VIRTIO_NET_F_MRG_RXBUF),
			RTE_ETH_RX_OFFLOAD_SCATTER, false, false, RTE_VECT_SIMD_512,
			virtio_recv_mergeable_pkts, "virtio_recv_mergeable_pkts", false, NULL },
	{ "only VERSION_1", F(VIRTIO_F_VERSION_1), 0, false, false, RTE_VECT_SIMD_DISABLED,
			virtio_recv_pkts, "virtio_recv_pkts", false, NULL },
	{ "mergeable alone", F(VIRTIO_NET_F_MRG_RXBUF), 0, false, false, RTE_VECT_SIMD_128,
			virtio_recv_mergeable_pkts, "virtio_recv_mergeable_pkts", false, NULL },
	{ "vectorized asked, no mergeable", BASE, 0, true, false, RTE_VECT_SIMD_512,
			virtio_recv_pkts, "virtio_recv_pkts", true, "vectorized" },
	{ "vectorized asked, mergeable", BASE | F(VIRTIO_NET_F_MRG_RXBUF), 0, true, false,
			RTE_VECT_SIMD_256, virtio_recv_mergeable_pkts, "virtio_recv_mergeable_pkts",
			true, "vectorized" },
	{ "vectorized asked, SIMD disabled", BASE, 0, true, false, RTE_VECT_SIMD_DISABLED,
			virtio_recv_pkts, "virtio_recv_pkts", true, "vectorized" },
	{ "in_order asked, not negotiated", BASE | F(VIRTIO_NET_F_MRG_RXBUF), 0, false, true,
			RTE_VECT_SIMD_256, virtio_recv_mergeable_pkts, "virtio_recv_mergeable_pkts",
			true, "in_order" },
	{ "in_order asked, no mergeable", BASE, 0, false, true, RTE_VECT_SIMD_256, virtio_recv_pkts,
			"virtio_recv_pkts", true, "in_order" },
	{ "vectorized and in_order asked", BASE | F(VIRTIO_NET_F_MRG_RXBUF), 0, true, true,
			RTE_VECT_SIMD_512, virtio_recv_mergeable_pkts, "virtio_recv_mergeable_pkts",
			true, NULL },
	/* VIRTIO_F_IN_ORDER negotiated: one Rx callback for both buffer kinds. */
	{ "in_order, no mergeable", BASE | F(VIRTIO_F_IN_ORDER), 0, false, true, RTE_VECT_SIMD_256,
			INORDER_RX, false, NULL, INORDER_TX, NULL },
	{ "in_order, mergeable", BASE | F(VIRTIO_F_IN_ORDER) | F(VIRTIO_NET_F_MRG_RXBUF), 0, false,
			true, RTE_VECT_SIMD_256, INORDER_RX, false, NULL, INORDER_TX, NULL },
	{ "in_order, mergeable, scatter offload",
			BASE | F(VIRTIO_F_IN_ORDER) | F(VIRTIO_NET_F_MRG_RXBUF),
			RTE_ETH_RX_OFFLOAD_SCATTER, false, true, RTE_VECT_SIMD_512, INORDER_RX,
			false, NULL, INORDER_TX, NULL },
	{ "in_order and mergeable alone", F(VIRTIO_F_IN_ORDER) | F(VIRTIO_NET_F_MRG_RXBUF), 0,
			false, true, RTE_VECT_SIMD_DISABLED, INORDER_RX, false, NULL, INORDER_TX,
			NULL },
	{ "in_order offered, not asked", BASE | F(VIRTIO_F_IN_ORDER), 0, false, false,
			RTE_VECT_SIMD_256, INORDER_RX, false, NULL, INORDER_TX, NULL },
	{ "in_order and vectorized, mergeable",
			BASE | F(VIRTIO_F_IN_ORDER) | F(VIRTIO_NET_F_MRG_RXBUF), 0, true, true,
			RTE_VECT_SIMD_512, INORDER_RX, true, "vectorized", INORDER_TX, "in_order" },
	{ "in_order and vectorized, no mergeable", BASE | F(VIRTIO_F_IN_ORDER), 0, true, true,
			RTE_VECT_SIMD_128, INORDER_RX, true, "vectorized", INORDER_TX, "in_order" },
	/* Not asked and not offered: nothing to say about in_order. */
	{ "in_order not asked, vectorized", BASE | F(VIRTIO_NET_F_MRG_RXBUF), 0, true, false,
			RTE_VECT_SIMD_256, virtio_recv_mergeable_pkts, "virtio_recv_mergeable_pkts",
			true, "vectorized", NULL, NULL, "in_order" },
	{ "in_order asked, not negotiated, not vectorized", BASE, 0, false, true, RTE_VECT_SIMD_256,
			virtio_recv_pkts, "virtio_recv_pkts", true, "in_order", NULL, NULL,
			"vectorized" },
	/* VIRTIO_F_RING_PACKED: one Rx callback per buffer kind, one Tx, in order or not. */
	{ "packed", PACKED, 0, false, false, RTE_VECT_SIMD_256, PACKED_RX, false, NULL, PACKED_TX,
			NULL },
	{ "packed, mergeable", PACKED | F(VIRTIO_NET_F_MRG_RXBUF), 0, false, false,
			RTE_VECT_SIMD_256, PACKED_MRG, false, NULL, PACKED_TX, NULL },
	{ "packed, in_order", PACKED | F(VIRTIO_F_IN_ORDER), 0, false, true, RTE_VECT_SIMD_256,
			PACKED_RX, false, NULL, PACKED_TX, NULL },
	{ "packed, in_order offered, not asked", PACKED | F(VIRTIO_F_IN_ORDER), 0, false, false,
			RTE_VECT_SIMD_512, PACKED_RX, false, NULL, PACKED_TX, NULL },
	{ "packed, in_order, mergeable", PACKED | F(VIRTIO_F_IN_ORDER) | F(VIRTIO_NET_F_MRG_RXBUF),
			0, false, true, RTE_VECT_SIMD_256, PACKED_MRG, false, NULL, PACKED_TX,
			NULL },
	{ "packed, in_order, mergeable, scatter offload",
			PACKED | F(VIRTIO_F_IN_ORDER) | F(VIRTIO_NET_F_MRG_RXBUF),
			RTE_ETH_RX_OFFLOAD_SCATTER, false, true, RTE_VECT_SIMD_512, PACKED_MRG,
			false, NULL, PACKED_TX, NULL },
	{ "packed, in_order asked, not negotiated", PACKED, 0, false, true, RTE_VECT_SIMD_256,
			PACKED_RX, true, "in_order", PACKED_TX, "vectorized" },
	{ "packed, mergeable, in_order asked, not negotiated", PACKED | F(VIRTIO_NET_F_MRG_RXBUF),
			0, false, true, RTE_VECT_SIMD_256, PACKED_MRG, true, "in_order", PACKED_TX,
			"vectorized" },
	{ "packed, vectorized asked", PACKED | F(VIRTIO_NET_F_MRG_RXBUF), 0, true, false,
			RTE_VECT_SIMD_512, PACKED_MRG, true, "vectorized", PACKED_TX, "in_order" },
	{ "packed and mergeable alone", F(VIRTIO_F_RING_PACKED) | F(VIRTIO_NET_F_MRG_RXBUF), 0,
			false, false, RTE_VECT_SIMD_DISABLED, PACKED_MRG, false, NULL, PACKED_TX,
			NULL },
};

static void
fill_input(const struct path_case *c, struct virtio_path_input *in)
{
	memset(in, 0, sizeof(*in));
	in->features = c->features;
	in->rx_offloads = c->rx_offloads;
	in->vectorized = c->vectorized;
	in->in_order_requested = c->in_order;
	in->max_simd_bitwidth = c->simd;
}

static void
test_path_table(void **state)
{
	unsigned int i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(cases); i++) {
		const struct path_case *c = &cases[i];
		struct virtio_path_input in;
		struct virtio_path out;

		print_message("# case: %s\n", c->what);
		fill_input(c, &in);
		memset(&out, 0xa5, sizeof(out)); /* anything left over must be overwritten */
		virtio_select_path(&in, &out);
		assert_ptr_equal(out.rx, c->rx);
		assert_non_null(out.rx_name);
		assert_string_equal(out.rx_name, c->rx_name);
		assert_ptr_equal(out.tx, c->tx != NULL ? c->tx : virtio_xmit_pkts);
		assert_non_null(out.tx_name);
		assert_string_equal(out.tx_name, c->tx != NULL ? c->tx_name : "virtio_xmit_pkts");
		/* The note is a proper string in its buffer. */
		assert_non_null(memchr(out.note, '\0', sizeof(out.note)));
		if (c->note_expected) {
			assert_true(strlen(out.note) > 0);
			if (c->note_word != NULL)
				assert_non_null(strstr(out.note, c->note_word));
		} else {
			assert_string_equal(out.note, "");
		}
		if (c->note_absent != NULL)
			assert_null(strstr(out.note, c->note_absent));
	}
}

/* The names reported must name the functions installed, whatever they are. */
static void
test_names_match_functions(void **state)
{
	static const struct {
		virtio_burst_t fn;
		const char *name;
	} known[] = {
		{ virtio_recv_pkts, "virtio_recv_pkts" },
		{ virtio_recv_mergeable_pkts, "virtio_recv_mergeable_pkts" },
		{ virtio_xmit_pkts, "virtio_xmit_pkts" },
		{ virtio_recv_pkts_inorder, "virtio_recv_pkts_inorder" },
		{ virtio_xmit_pkts_inorder, "virtio_xmit_pkts_inorder" },
		{ virtio_recv_pkts_packed, "virtio_recv_pkts_packed" },
		{ virtio_recv_mergeable_pkts_packed, "virtio_recv_mergeable_pkts_packed" },
		{ virtio_xmit_pkts_packed, "virtio_xmit_pkts_packed" },
	};
	uint64_t f;

	RTE_SET_USED(state);
	for (f = 0; f < 32; f++) {
		struct virtio_path_input in = {
			.features = F(VIRTIO_F_VERSION_1) |
					((f & 1) ? F(VIRTIO_NET_F_MRG_RXBUF) : 0) |
					((f & 4) ? F(VIRTIO_F_IN_ORDER) : 0) |
					((f & 16) ? F(VIRTIO_F_RING_PACKED) : 0),
			.vectorized = (f & 2) != 0,
			.in_order_requested = (f & 8) != 0,
			.max_simd_bitwidth = RTE_VECT_SIMD_256,
		};
		struct virtio_path out;
		unsigned int k, rx_hits = 0, tx_hits = 0;

		virtio_select_path(&in, &out);
		for (k = 0; k < RTE_DIM(known); k++) {
			if (out.rx == known[k].fn) {
				assert_string_equal(out.rx_name, known[k].name);
				rx_hits++;
			}
			if (out.tx == known[k].fn) {
				assert_string_equal(out.tx_name, known[k].name);
				tx_hits++;
			}
		}
		assert_int_equal(rx_hits, 1);
		assert_int_equal(tx_hits, 1);
	}
}

/* Both fallbacks at once: the note explains each of them. */
static void
test_note_lists_every_fallback(void **state)
{
	struct virtio_path_input in = {
		.features = BASE,
		.vectorized = true,
		.in_order_requested = true,
		.max_simd_bitwidth = RTE_VECT_SIMD_512,
	};
	struct virtio_path out;

	RTE_SET_USED(state);
	virtio_select_path(&in, &out);
	assert_non_null(strstr(out.note, "vectorized"));
	assert_non_null(strstr(out.note, "in_order"));
}

/*
 * The in_order note, over every combination of the other inputs: present
 * exactly when in_order was asked for and VIRTIO_F_IN_ORDER not negotiated;
 * the in-order callbacks run exactly when it was negotiated.
 */
static void
test_in_order_note(void **state)
{
	uint32_t f;

	RTE_SET_USED(state);
	for (f = 0; f < 32; f++) {
		bool asked = (f & 1) != 0, negotiated = (f & 2) != 0;
		struct virtio_path_input in = {
			.features = F(VIRTIO_F_VERSION_1) |
					(negotiated ? F(VIRTIO_F_IN_ORDER) : 0) |
					((f & 4) ? F(VIRTIO_NET_F_MRG_RXBUF) : 0) |
					((f & 16) ? F(VIRTIO_RING_F_INDIRECT_DESC) : 0),
			.vectorized = (f & 8) != 0,
			.in_order_requested = asked,
			.max_simd_bitwidth = RTE_VECT_SIMD_256,
		};
		struct virtio_path out;

		memset(&out, 0x5a, sizeof(out));
		virtio_select_path(&in, &out);
		assert_non_null(memchr(out.note, '\0', sizeof(out.note)));
		if (asked && !negotiated) {
			assert_true(strlen(out.note) > 0);
			assert_non_null(strstr(out.note, "in_order"));
		} else {
			assert_null(strstr(out.note, "in_order"));
		}
		if (!in.vectorized && !(asked && !negotiated))
			assert_string_equal(out.note, "");
		if (negotiated) {
			assert_ptr_equal(out.rx, virtio_recv_pkts_inorder);
			assert_ptr_equal(out.tx, virtio_xmit_pkts_inorder);
		} else {
			assert_ptr_not_equal(out.rx, virtio_recv_pkts_inorder);
			assert_ptr_equal(out.tx, virtio_xmit_pkts);
		}
	}
}

/*
 * Packed rings, over every combination of the other inputs: the packed
 * callbacks run (mergeable Rx exactly with MRG_RXBUF), never a split one,
 * IN_ORDER changes no callback, and the in_order note appears exactly when
 * in_order was asked for and not negotiated.
 */
static void
test_packed_paths(void **state)
{
	uint32_t f;

	RTE_SET_USED(state);
	for (f = 0; f < 64; f++) {
		bool mergeable = (f & 1) != 0, negotiated = (f & 2) != 0, asked = (f & 4) != 0;
		struct virtio_path_input in = {
			.features = F(VIRTIO_F_VERSION_1) | F(VIRTIO_F_RING_PACKED) |
					(mergeable ? F(VIRTIO_NET_F_MRG_RXBUF) : 0) |
					(negotiated ? F(VIRTIO_F_IN_ORDER) : 0) |
					((f & 16) ? F(VIRTIO_RING_F_INDIRECT_DESC) : 0) |
					((f & 32) ? F(VIRTIO_RING_F_EVENT_IDX) : 0),
			.vectorized = (f & 8) != 0,
			.in_order_requested = asked,
			.rx_offloads = (f & 32) ? RTE_ETH_RX_OFFLOAD_SCATTER : 0,
			.max_simd_bitwidth = RTE_VECT_SIMD_256,
		};
		struct virtio_path out;

		memset(&out, 0x5a, sizeof(out));
		virtio_select_path(&in, &out);
		assert_ptr_equal(out.rx,
				mergeable ? virtio_recv_mergeable_pkts_packed :
					    virtio_recv_pkts_packed);
		assert_string_equal(out.rx_name,
				mergeable ? "virtio_recv_mergeable_pkts_packed" :
					    "virtio_recv_pkts_packed");
		assert_ptr_equal(out.tx, virtio_xmit_pkts_packed);
		assert_string_equal(out.tx_name, "virtio_xmit_pkts_packed");
		assert_non_null(memchr(out.note, '\0', sizeof(out.note)));
		if (asked && !negotiated)
			assert_non_null(strstr(out.note, "in_order"));
		else
			assert_null(strstr(out.note, "in_order"));
		if (!in.vectorized && !(asked && !negotiated))
			assert_string_equal(out.note, "");
	}
}

/* Pure: the same input gives the same output, whatever came before. */
static void
test_pure(void **state)
{
	uint32_t i;

	RTE_SET_USED(state);
	for (i = 0; i < RTE_DIM(cases); i++) {
		struct virtio_path_input in, copy;
		struct virtio_path a, b, c;
		unsigned int j = (i + 5) % RTE_DIM(cases);

		fill_input(&cases[i], &in);
		copy = in;
		virtio_select_path(&in, &a);
		/* Another election in between, with different inputs. */
		fill_input(&cases[j], &in);
		virtio_select_path(&in, &c);
		in = copy;
		memset(&b, 0x5a, sizeof(b));
		virtio_select_path(&in, &b);
		assert_memory_equal(&in, &copy, sizeof(in)); /* the input is not modified */
		assert_ptr_equal(a.rx, b.rx);
		assert_ptr_equal(a.tx, b.tx);
		assert_string_equal(a.rx_name, b.rx_name);
		assert_string_equal(a.tx_name, b.tx_name);
		assert_string_equal(a.note, b.note);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_table),
		cmocka_unit_test(test_names_match_functions),
		cmocka_unit_test(test_note_lists_every_fallback),
		cmocka_unit_test(test_in_order_note),
		cmocka_unit_test(test_packed_paths),
		cmocka_unit_test(test_pure),
	};

	return cmocka_run_group_tests_name("select", tests, NULL, NULL);
}
