"""The MQTT side of the edge agent: connection, reconnect backoff, birth/will, publish, acks.

``edge_agent.link.mqtt`` is the only edge module that imports paho.
"""
