"""The MQTT side of the collector: the only code that knows paho-mqtt."""
