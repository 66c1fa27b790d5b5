/**
 * The figures the power estimate stands on (docs/power.md). Three kinds, kept apart so that a reader
 * sees what is measured, what is read from a datasheet and what is assumed:
 * - MEASURED: the firmware bench's instruction counts;
 * - DATASHEET: typical currents at 25 °C, each with its document and table;
 * - ASSUMED: everything else, each named, so the estimate can be argued with.
 */

/**
 * Instructions the STM32F405 firmware runs, from `npm run bench -- firmware --json` (QEMU icount,
 * one instruction per tick), run on 2026-12-06 on the firmware of branch s11-fw (the 32-bit timestamp
 * division, the 8-sample windowing loads, the speed step in assembly). The same JSON is kept in
 * test/fixtures/power/bench-firmware-2026-12-06.json and a unit test holds these constants to it.
 */
export const MEASURED = {
  /** The node per hop of 512 new samples on 3 axes: intake, features, model, detector, the FEATURES frame. */
  insnWindowTotal: 144_010,
  /** The same with the learned baseline in place of the model. */
  insnWindowTotalBaseline: 132_838,
  /** Features of one axis (statistics, Hann, FFT, Welch PSD, velocity RMS, 32 log bands). */
  insnFeaturesAxis: 40_709,
  /** Encoding one FEATURES frame with 3 x 32 bands (encode, CRC-32, COBS). */
  insnFeaturesFrame: 6_826,
  /** The wire bytes of that frame (docs/protocol.md 3.2). */
  featuresWireBytes: 486,
  benchCommand: 'npm run bench -- firmware --json',
  benchDate: '2026-12-06',
} as const;

/** One datasheet current: value in mA, typical at 25 °C, and where it comes from. */
export interface DatasheetCurrent {
  mA: number;
  source: string;
  /** false: the figure was taken from the document from memory and not re-read against it in this repository's history; check it. */
  checked: boolean;
}

export const DATASHEET = {
  /** STM32F405 Run mode, 168 MHz, code from flash with the ART accelerator, peripherals disabled. */
  mcuRun168: { mA: 40, source: 'ST DS8626 (STM32F405xx/407xx), Table 20, Run mode from flash, ART on, 168 MHz, peripherals disabled, typ.', checked: false },
  /** STM32F405 Sleep mode (WFI, clocks running), 168 MHz, peripherals disabled. */
  mcuSleep168: { mA: 12, source: 'ST DS8626, Table 22, Sleep mode, 168 MHz, peripherals disabled, typ.', checked: false },
  /** IIS3DWB with all three axes at 26.667 kHz. */
  sensorActive: { mA: 1.1, source: 'ST IIS3DWB datasheet (DS12569 Rev 6; the driver in firmware/src/sensor cites DS13082), features list and §2 electrical characteristics: 1.1 mA with 3 axes at full performance', checked: true },
  /** nRF52832 radio TX at 0 dBm, 1 Mb/s BLE. */
  bleTx0dBm: { mA: 7.1, source: 'Nordic nRF52832 Product Specification v1.1, "Power and clock management", Current consumption: Radio, IRADIO_TX0 (0 dBm, 1 Mb/s BLE, HFXO)', checked: true },
  /** nRF52832 radio RX, 1 Mb/s BLE. */
  bleRx: { mA: 6.5, source: 'Nordic nRF52832 Product Specification v1.1, Current consumption: Radio, IRADIO_RX0 (1 Mb/s BLE, HFXO)', checked: true },
} as const satisfies Record<string, DatasheetCurrent>;

/** The node's own hardware settings, read from the firmware (not datasheet currents). */
export const FIRMWARE = {
  clockHz: 168e6, // firmware/boards/stm32f405/clock.c
  /** SPI1 at PCLK2 84 MHz / 16 (BR = 3, firmware/boards/stm32f405/spi1.c), polled byte by byte. */
  spiHz: 84e6 / 16,
  /** Bytes the IIS3DWB FIFO gives per sample frame: tag + 6 data bytes (DS13082 §10, firmware/src/sensor/iis3dwb.h). */
  spiBytesPerFrame: 7,
  /** USART1 to the USB-UART bridge (the wired link) and USART2 to the BLE bridge, 8N1, polled writes (chip/stm32f4/usart.c). */
  wiredBaud: 921_600,
  bleUartBaud: 115_200,
  uartBitsPerByte: 10,
  /** Log band energies per axis the node sends when send_bands is on (docs/features.md). */
  bandCount: 32,
} as const;

/** Every figure the estimate needs that no measurement or datasheet gives: named, with why. */
export const ASSUMED = {
  /** Cycles per instruction on silicon: flash wait states behind the ART accelerator, multi-cycle VLDM/VSTM/SMLAL (the bench counts one per instruction). */
  cpi: 1.25,
  /** Supply voltage the currents are drawn at, to turn mA into mW. */
  supplyV: 3.3,
  /** Instructions per streamed wire byte for RAW_BLOCK (encode, CRC-32, COBS): the measured FEATURES cost per wire byte. */
  insnPerWireByte: MEASURED.insnFeaturesFrame / MEASURED.featuresWireBytes,
  /** Instructions per input value for the D-sample mean and int16 quantisation of RAW_BLOCK (not measured). */
  insnPerRawInputValue: 4,
  /** The BLE bridge's own base current: CPU idle between events, HF clock and UARTE receiving (not from a table). */
  bleBridgeBaseMa: 0.5,
  /** Connection interval the central grants. */
  bleConnIntervalMs: 30,
  /** Radio-on time of a connection event with no data (ramp-up, empty packets both ways). */
  bleEmptyEventMs: 0.4,
  /** ATT MTU 247: 244 bytes of notification per 251-byte link-layer packet (docs/protocol.md 4.2). */
  bleNotifyBytes: 244,
  /** Link-layer air bytes of one full packet: 251 payload + preamble, access address, header, CRC. */
  bleAirBytesPerPacket: 261,
  /** BLE 1M PHY: 8 µs per byte on air. */
  bleAirUsPerByte: 8,
  /** Radio-on time of the empty acknowledgement after each data packet. */
  bleAckMs: 0.08,
  /** What the BLE link carries at most, bytes/s, whatever the UART brings (docs/protocol.md 4.2: tens of kB/s to about a hundred). */
  bleAirCapacityBytesPerS: 60_000,
  /** Usable share of the battery's nominal capacity (self-discharge, cut-off voltage and regulator losses ignored). */
  batteryUsable: 1,
} as const;

/** Battery capacity the app starts with: a common 18650 Li-ion cell is 2,500 to 3,500 mAh. */
export const DEFAULT_BATTERY_MAH = 2600;
