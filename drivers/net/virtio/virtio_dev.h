/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio PMD authors
 */

/*
 * Transport-independent virtio-net device: feature negotiation, the status
 * machine and queue programming, all through one transport ops table.
 */

#ifndef VIRTIO_DEV_H
#define VIRTIO_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dev_errors.h"
#include "virtio_spec.h"
#include "virtqueue.h"

struct virtio_dev;

/* How the device core reaches a device. Only transport/ implements these. */
struct virtio_transport_ops {
	const char *name;
	uint64_t (*get_features)(struct virtio_dev *dev);
	/* Tells the device which features the driver accepted. */
	int (*set_features)(struct virtio_dev *dev, uint64_t features);
	uint8_t (*get_status)(struct virtio_dev *dev);
	/* May fail (virtio-user talks to a backend); errors are already logged. */
	int (*set_status)(struct virtio_dev *dev, uint8_t status);
	void (*read_config)(struct virtio_dev *dev, size_t offset, void *dst, size_t len);
	/* Largest ring the device accepts for a queue (0: queue absent). */
	uint16_t (*queue_max_size)(struct virtio_dev *dev, uint16_t index);
	/* Hands a laid-out ring to the device and sets vq->notify. */
	int (*setup_queue)(struct virtio_dev *dev, struct virtqueue *vq);
	void (*release_queue)(struct virtio_dev *dev, struct virtqueue *vq);
	/* Quiesces the device after use (status reset and what the transport needs). */
	void (*reset)(struct virtio_dev *dev);
	/* Releases the transport (socket, mappings) when the port closes. */
	void (*close)(struct virtio_dev *dev);
	/*
	 * Optional (PCI): routes configuration-change notifications to an
	 * MSI-X vector; fails when the device cannot.
	 */
	int (*set_config_vector)(struct virtio_dev *dev, uint16_t vector);
	/*
	 * Optional (virtio-user): answers a control command ({class, cmd,
	 * data}, `len` bytes) in the transport instead of a control ring.
	 * Returns the ack byte (VIRTIO_NET_OK/ERR) or -errno.
	 */
	int (*ctrl_command)(struct virtio_dev *dev, const uint8_t *cmd, size_t len);
};

struct virtio_cvq;

struct virtio_dev {
	const struct virtio_transport_ops *ops;
	void *transport;          /* transport private data */
	const char *name;         /* for messages */
	uint64_t device_features; /* offered by the device */
	uint64_t wanted_features; /* what the driver may accept (driver support & devargs) */
	uint64_t features;        /* negotiated */
	bool use_va;              /* descriptors carry virtual addresses */
	/* Features only this transport can use (e.g. ACCESS_PLATFORM on PCI). */
	uint64_t transport_features;
	/* Rings must have exactly the device's queue size (legacy PCI). */
	bool ring_size_fixed;
	/* MSI-X vector for configuration changes, VIRTIO_MSI_NO_VECTOR: none. */
	uint16_t config_vector;
	/* Control queue ring (NULL without CTRL_VQ or when the transport answers). */
	struct virtio_cvq *cvq;
	bool running; /* DRIVER_OK set and not reset since */
	/* Invalid control-queue answers and config-space values (dev_errors.h). */
	struct virtio_dev_errors errors;
	/* virtio-user with a vhost-user backend: its reply errors, else NULL. */
	const struct virtio_backend_errors *backend_errors;
};

static inline bool
virtio_dev_has(const struct virtio_dev *dev, unsigned int bit)
{
	return (dev->features & VIRTIO_BIT(bit)) != 0;
}

/* Net header size for the negotiated features. */
uint16_t virtio_dev_hdr_size(const struct virtio_dev *dev);

/* Reset, ACKNOWLEDGE, DRIVER; reads the device features. */
int virtio_dev_init(struct virtio_dev *dev);

/*
 * Computes the features to use: offered & wanted. Fails with a clear
 * message when the device lacks something the driver needs (a legacy device,
 * one without VERSION_1, must offer ANY_LAYOUT: headers share a descriptor
 * with the frame).
 */
int virtio_dev_negotiate(struct virtio_dev *dev);

/*
 * Reset, then the feature handshake up to FEATURES_OK (checked), no further:
 * a device may lay out its virtqueues by the features (QEMU adds the queue
 * pairs of VIRTIO_NET_F_MQ and moves the control queue after them only
 * then), so queue sizes are read after this (spec 3.1.1 step 7).
 */
int virtio_dev_features_ok(struct virtio_dev *dev);

/*
 * Full bring-up for start: reset, ACKNOWLEDGE|DRIVER, features, FEATURES_OK
 * (checked), the configuration vector and the given queues programmed (each
 * with its vq->msix_vector), the control queue if any, then DRIVER_OK.
 */
int virtio_dev_start(struct virtio_dev *dev, struct virtqueue **queues, unsigned int nb_queues);

/* Stops the device: transport reset (which quiesces the backend). */
void virtio_dev_stop(struct virtio_dev *dev);

/* Describes the negotiated feature set as "NAME NAME ..." for logs. */
void virtio_dev_features_str(uint64_t features, char *buf, size_t len);

#endif /* VIRTIO_DEV_H */
