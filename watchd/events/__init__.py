"""Publishing events to other systems (MQTT)."""
