/* Firmware version, reported in HELLO (docs/protocol.md §3.1). The one place to bump it. */
#ifndef VIGIL_VERSION_H
#define VIGIL_VERSION_H

#define VIGIL_FW_MAJOR 0u
#define VIGIL_FW_MINOR 1u
#define VIGIL_FW_PATCH 0u

/* The version fields of a node_config_t initializer (src/node/node.h), for every board. */
#define VIGIL_FW_VERSION_FIELDS .fw_major = VIGIL_FW_MAJOR, .fw_minor = VIGIL_FW_MINOR, .fw_patch = VIGIL_FW_PATCH

#endif /* VIGIL_VERSION_H */
