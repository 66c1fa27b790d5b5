/* Firmware version, reported in HELLO (docs/protocol.md §3.1). The one place to bump it. */
#ifndef VIGIL_VERSION_H
#define VIGIL_VERSION_H

#define VIGIL_FW_MAJOR 0u
#define VIGIL_FW_MINOR 1u
#define VIGIL_FW_PATCH 0u

#endif /* VIGIL_VERSION_H */
