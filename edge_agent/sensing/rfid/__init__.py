"""RFID: reader frame decoders, EPC decoding and the gate's de-duplication and direction rules."""
